"""Each page driven as a reviewer would, with Streamlit's AppTest, on the real app file."""

import re

from ui import keys


def open_thread(at, thread_id):
    at.switch_page(keys.THREAD_PAGE)
    at.query_params[keys.THREAD_ID] = thread_id
    return at.run()


def open_activity_tables(at):
    """The Activity page with its two tables open (the decision log, threads by workflow and status): each is an
    expander drawn only once opened, as a click on it does."""
    at.switch_page(keys.ACTIVITY_PAGE)
    at.session_state["activity-log"] = True
    at.session_state["activity-counts"] = True
    return at.run()


def texts(at):
    """Everything the reviewer can read on screen, as one string."""
    parts = [e.value for e in at.text] + [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [e.value for e in at.success] + [e.value for e in at.warning] + [e.value for e in at.error] + [e.value for e in at.info]
    parts += [e.value for e in at.title]
    return unescape("\n".join(str(p) for p in parts))


def unescape(markdown: str) -> str:
    """What Markdown shows for text made inert: each backslash-escaped character as itself."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def inbox_table(at):
    return next(d.value for d in at.dataframe if "kind of pause" in d.value.columns)


def choose(at, label):
    """Pick a decision in the radio, then return the form's submit button."""
    radio = next(r for r in at.radio if r.label == "Your decision")
    return radio.set_value(label).run()


def submit(at, label):
    button = next(b for b in at.button if unescape(b.label) == label)
    return button.click().run()


def fill(at, field_label, value):
    widget = next(w for w in list(at.text_area) + list(at.text_input) if unescape(w.label).rstrip(" *") == field_label)
    widget.input(value)


def test_inbox_lists_the_demo_threads(app):
    at = app.run()
    assert not at.exception
    table = inbox_table(at)
    assert len(table) == 13
    assert set(table["kind of pause"]) == {"asks a question", "paused after a step", "paused before a step"}
    assert "13 waiting" in texts(at)


def test_choosing_a_row_opens_the_thread(app):
    at = app.run()
    at.session_state[keys.INBOX_TABLE] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.query_params[keys.THREAD_ID] == ["demo-0001"] or at.query_params[keys.THREAD_ID] == "demo-0001"
    assert "Content approval" in texts(at)


def test_deep_link_and_unknown_thread(app):
    at = open_thread(app, "demo-0001")
    assert not at.exception
    assert "Content approval" in texts(at) and "Please review this post" in texts(at)
    at = open_thread(at, "no-such-thread")
    assert not at.exception and 'There is no thread “no-such-thread”' in texts(at)
    at = open_thread(at, "<script>")
    assert not at.exception and "not a valid thread id" in texts(at)


def test_approve(app):
    at = open_thread(app, "demo-0001")
    at = submit(at, "Approve")
    assert not at.exception
    assert "Done. The workflow finished (published)." in texts(at)
    assert "Finished" in texts(at)


def test_reject_needs_a_reason(app):
    at = open_thread(app, "demo-0001")
    at = choose(at, "Reject")
    at = submit(at, "Reject")
    assert "Please fill in “Reason for rejecting”" in texts(at)
    assert "Waiting for a reviewer" in texts(at)
    fill(at, "Reason for rejecting", "Wrong tone")
    at = submit(at, "Reject")
    assert "finished (rejected)" in texts(at)


def test_edit_then_approve(app):
    at = open_thread(app, "demo-0002")
    at = choose(at, "Edit")
    fill(at, "Edited draft", "Open 9 to 5, every day.")
    at = submit(at, "Approve edited version")
    assert "Check before sending" in texts(at)  # the edit's changes are shown first
    at = submit(at, "Confirm and send")
    assert not at.exception
    assert "finished (published)" in texts(at)
    assert "Open 9 to 5, every day." in texts(at)


def test_static_pauses_with_a_state_edit(app):
    at = open_thread(app, "demo-0003")
    assert "The workflow paused after “Draft article”" in texts(at)
    at = submit(at, "Continue")
    assert "Continued. The workflow now waits for your next decision: a check before “Publish article” runs." in texts(at)
    at = choose(at, "Edit state then continue")
    fill(at, "draft", "Final words, edited at the gate.")
    at = submit(at, "Save changes and continue")
    at = submit(at, "Confirm and send")
    assert not at.exception
    assert "finished (published)" in texts(at) and "Final words, edited at the gate." in texts(at)


def test_two_stage_review_both_steps(app):
    at = open_thread(app, "demo-0005")
    assert "Step 1 of 2" in texts(at)
    at = choose(at, "Request changes")
    fill(at, "What should change?", "Add the date")
    at = submit(at, "Request changes")
    assert "Answered. The workflow now waits for your next decision: step 2 of 2, at “Review”." in texts(at)
    assert "Step 2 of 2" in texts(at) and "Revised as asked: Add the date" in texts(at)
    at = submit(at, "Approve")
    assert "finished (published)" in texts(at)


def test_start_a_thread_and_find_it_in_the_inbox(app):
    at = app.run()
    at.switch_page(keys.START_PAGE).run()
    next(w for w in at.text_area if w.label.startswith("Topic")).input("a charity run")
    at.text_input(key="start-thread-id").input("charity-run")
    at = submit(at, "Start")
    assert not at.exception
    assert "Started. The workflow now waits for a decision: a question at “Review”." in texts(at)
    at.switch_page(keys.INBOX_PAGE).run()
    assert "charity-run" in set(inbox_table(at)["thread_id"])


def test_deciding_needs_a_name(app):
    app.session_state[keys.REVIEWER_NAME] = ""
    at = open_thread(app, "demo-0001")
    assert "Enter your name in the sidebar to decide." in texts(at)
    assert next(b for b in at.button if b.label == "Approve").disabled


def test_activity_page_lists_decisions(app):
    at = open_thread(app, "demo-0001")
    submit(at, "Approve")
    at.switch_page(keys.ACTIVITY_PAGE).run()
    assert not at.exception
    assert not any("reviewer" in d.value.columns for d in at.dataframe)  # the log opens on demand
    at = open_activity_tables(at)
    log = next(d.value for d in at.dataframe if "reviewer" in d.value.columns)
    assert list(log["reviewer"]) == ["Ann (unverified)"] and list(log["outcome"]) == ["applied"]


def test_a_console_that_cannot_open_says_why_on_the_page_not_only_in_the_sidebar(tmp_path, monkeypatch):
    """The reviewer looks at the page: a sidebar sentence above an empty page reads as a blank console."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    from ui.runtime import close_consoles

    broken = tmp_path / "review.db"
    broken.write_bytes(b"this is not a database file " * 200)
    monkeypatch.setenv("REVIEW_CONSOLE_DB", str(broken))
    monkeypatch.chdir(ROOT)
    close_consoles()
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
        assert not at.exception
        assert [e.value for e in at.main.error], "no sentence on the page itself"
        assert not [e.value for e in at.sidebar.error]
    finally:
        close_consoles()
        st.cache_resource.clear()
