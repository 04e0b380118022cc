"""The reviewer's words where the code once showed its own: tool names, previews, notices, buttons, column headings, History."""

import re

import pytest

from console import formats, wording
from console.formats.base import Action
from console.time_travel import history_table
from tests.conftest import ANN, answer
from tests.test_formats_pages import shapes  # noqa: F401  (a fixture: the app with the shape graphs' threads)
from tests.test_pages import open_thread, texts
from ui import columns
from ui.render import submit_label

# One payload of every built-in shape, each with all it can offer.
ARGS = {"to": ["ann@example.org"], "subject": "Opening hours", "duration_minutes": 30, "meta": {"room_id": 4}}
PAYLOADS = {
    "agent inbox action": {"action_request": {"action": "send_email", "args": ARGS},
                           "config": {"allow_accept": True, "allow_edit": True, "allow_respond": True, "allow_ignore": True}},
    "agent inbox question": {"action_request": {"action": "Question", "args": {"content": "Tuesday?"}},
                             "config": {"allow_accept": True, "allow_respond": True, "allow_ignore": True}},
    "agent inbox notice": {"action_request": {"action": "notify_user", "args": {}},
                           "config": {"allow_accept": True, "allow_respond": True, "allow_ignore": True}},
    "hitl": {"action_requests": [{"name": "send_email", "args": ARGS}], "review_configs": []},
    "tool approval": {"type": "tool_approval", "name": "send_email", "args": ARGS},
    "tool-call review": {"question": "Is this correct?", "tool_call": {"name": "schedule_meeting", "args": ARGS, "id": "c1"}},
    "question": {"query": "Which supplier?"},
    "draft": {"draft": "Hello", "message": "Approve?", "allow": ["approve", "request_changes", "reject", "edit"]},
    "generic": {"odd_key": [1, 2], "nested": {"deep_key": True}},
}
FILLER = {"the", "a", "and", "then", "give", "instead", "send", "check", "this", "only"}


def _stems(words: str) -> set[str]:
    return {w[:4] for w in re.findall(r"[a-z]+", words.lower()) if w not in FILLER}


def _actions(request):
    for action in request.actions:
        yield action
    for item in request.items:
        yield from _actions(item)


@pytest.mark.parametrize("shape", PAYLOADS)
def test_tool_names_and_previews_are_words_not_ids_or_json(shape):
    request = formats.describe(PAYLOADS[shape])
    shown = [request.title, request.preview, *(t for item in request.items for t in (item.title, item.preview))]
    shown += [f"{label}: {text}" for label, text in formats.display.rows(request.details)]
    for text in shown:
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), (shape, text)  # "send_email", "duration_minutes", "room_id"
        assert '{"' not in text and '"' not in text.replace("“", "").replace("”", ""), (shape, text)


def test_the_tool_is_named_in_words_in_the_title_and_the_preview():
    request = formats.describe(PAYLOADS["tool-call review"])
    assert request.title == "The agent wants to run “Schedule meeting”"
    assert request.preview == ("Schedule meeting: To: ann@example.org · Subject: Opening hours · Duration (minutes): 30 "
                               "· Meta: (Room ID: 4)")
    assert formats.describe(PAYLOADS["agent inbox notice"]).preview == "For your information: Notify user"


@pytest.mark.parametrize("shape", PAYLOADS)
def test_each_send_button_repeats_its_choices_words(shape):
    """"Give feedback" is sent with "Send feedback", never "Send response"."""
    for action in _actions(formats.describe(PAYLOADS[shape])):
        button = submit_label(action)
        assert button == action.label or _stems(action.label) & _stems(button), (shape, action.label, button)


def test_the_button_check_catches_another_verb():
    assert not _stems("Give feedback") & _stems(submit_label(Action("response", "Give feedback")))


def test_a_notification_is_headed_for_your_information(shapes):  # noqa: F811
    at = open_thread(shapes, "shape-email_triage")
    assert "Waiting for a reviewer · For your information, at “" in texts(at)
    assert "asks a question" not in texts(at)
    buttons = [b.label for b in at.button]
    assert "Send feedback" in buttons and "Send response" not in buttons  # the choice "Give feedback" is preselected
    # The shortcut offers what the notice offers, in its words: Dismiss, not Reject.
    assert "Dismiss…" in buttons and "Reject…" not in buttons
    assert "Keyboard: X opens Dismiss · N opens the next waiting thread" in texts(at) and "opens Reject" not in texts(at)


def _sidebar_words(at) -> str:
    shown = list(at.sidebar.caption) + list(at.sidebar.markdown) + list(at.sidebar.text) + list(at.sidebar.info)
    return " ".join(str(e.value) for e in shown)


def test_the_database_path_is_for_administrators_only(app):
    """A reviewer reads no file path; an administrator finds it under "About this console"."""
    at = app.run()  # demo mode: a named reviewer is an administrator
    about = [e for e in at.sidebar.expander if e.label == "About this console"]
    assert len(about) == 1 and any(t.value.startswith("Database: ") for t in about[0].text)
    assert _sidebar_words(at).count("Database: ") == 1  # that one line, and nowhere else
    at.session_state["reviewer_name"] = ""  # no one named: no administrator
    at = at.run()
    assert not [e for e in at.sidebar.expander if e.label == "About this console"]
    assert "Database" not in _sidebar_words(at)


def test_every_inbox_heading_is_a_label_not_a_column_name(app):
    at = app.run()
    table = next(d for d in at.dataframe if "kind of pause" in d.value.columns)
    labels = {name: config.get("label") for name, config in _config(table).items() if name != "_index"}
    assert labels["thread_id"] == "Thread" and labels["waiting at"] == "Waiting at"
    assert set(labels) >= {"workflow", "thread_id", "waiting at", "kind of pause", "preview"}
    assert not [label for label in labels.values() if "_" in label or label != label[:1].upper() + label[1:]]
    assert "thread_id" in table.value.columns  # the code keeps its name


def test_headings():
    assert [columns.heading(c) for c in ("thread_id", "waiting at", "when (UTC)", "approve?", "checkpoint_id")] == [
        "Thread", "Waiting at", "When (UTC)", "Approve?", "Saved step id"]


def _config(table):
    import json
    return json.loads(table.proto.columns)


def test_history_starts_in_words_with_no_negative_step(make_console):
    c = make_console(seed_demo=False)
    assert list(c.start("content_approval", "history words", ANN, "hw-1"))[-1].status == "started"
    assert answer(c, "hw-1", "approve").status == "applied"
    frame = c.history(c.thread("hw-1"))
    started = frame.iloc[-1]
    assert (started["step"], started["what happened"], started["waits for"]) == ("", "Started", "Reading the input")
    assert not [s for s in frame["step"] if str(s).startswith("-")]
    assert "The start" not in set(frame["waits for"]) and "Approved by Ann" in set(frame["decision"])


def test_history_shows_the_saved_steps_ids_only_when_asked(app):
    at = open_thread(app.run(), "demo-0001")
    history = next(d for d in at.dataframe if "waits for" in d.value.columns)
    assert "checkpoint_id" in history.value.columns and "checkpoint_id" not in list(history.proto.column_order)
    assert {_config(history)[c]["label"] for c in ("what happened", "waits for")} == {"What happened", "Waits for"}
    at = next(t for t in at.toggle if t.label == "Show the saved steps' ids (for audits)").set_value(True).run()
    history = next(d for d in at.dataframe if "waits for" in d.value.columns)
    assert "checkpoint_id" in list(history.proto.column_order)


def test_the_decision_column_says_what_was_done():
    rows = [type("Step", (), {"checkpoint_id": "c1", "step": -1, "what": "Started", "waits": "Reading the input",
                              "current": True, "time": None})()]
    decisions = [{"outcome": "applied", "result_checkpoint_id": "c2", "checkpoint_id": "c1", "action": "edit_state",
                  "reviewer": "Bob"}]
    assert history_table(rows, decisions)[0]["decision"] == "State edited by Bob"
    assert history_table(rows, decisions)[0]["step"] == ""
    assert wording.done_words("reset demo data") == "reset demo data" and wording.done_words("approve") == "approved"
