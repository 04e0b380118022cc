"""Issue 16, working the queue: Next waiting thread in the inbox's order, shortcuts, remembered filters, claims and assignments."""

import time

import pytest

from console.decisions import Reviewer
from console.inbox import InboxQuery
from tests.conftest import ANN, BOB
from tests.test_pages import inbox_table, open_thread, texts
from ui import keys

CONTENT = ["demo-0001", "demo-0002"]


def button(at, label):
    return next(b for b in at.button if b.label == label)


def filter_widget(at, name):
    """An inbox filter's widget; the rarer ones are drawn once "More filters" is open, as a reviewer opens it."""
    def find():
        return next((w for w in list(at.selectbox) + list(at.multiselect) + list(at.text_input) + list(at.toggle)
                     if w.key == keys.inbox_filter_key(name)), None)
    if find() is None:
        open_more_filters(at)
    return find()


def open_more_filters(at):
    at.session_state[keys.inbox_filter_key("more_filters")] = True  # what a click on the expander sends
    return at.run()


def thread_shown(at):
    value = at.query_params[keys.THREAD_ID]
    return value[0] if isinstance(value, list) else value


def test_next_goes_through_the_inbox_order_with_its_filters_without_going_back(app):
    """Sorted by thread id, newest first, only threads "waiting at" a question: Next follows exactly that list."""
    at = app.run()
    filter_widget(at, "sort").set_value("thread id")
    filter_widget(at, "oldest_first").set_value(False)
    filter_widget(at, "kinds").set_value(["interrupt"])
    at.run()
    expected = list(inbox_table(at)["thread_id"])
    assert len(expected) >= 8 and expected == sorted(expected, reverse=True)
    at.session_state[keys.INBOX_TABLE] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    seen = [thread_shown(at)]
    for _ in range(len(expected) - 1):
        if "Approve now" in [b.label for b in at.button] and not button(at, "Approve now").disabled:
            at = button(at, "Approve now").click().run()  # decide, then go on from where that thread stood
            assert not at.exception
        at = button(at, "Next waiting thread").click().run()
        assert not at.exception
        seen.append(thread_shown(at))
    assert seen == expected
    assert "Inbox" not in [t.value for t in at.title]  # never back on the inbox


def test_next_after_a_decision_is_the_thread_that_came_after_it(app):
    """The decided thread moves (finished now, its time the latest): Next goes on from where it stood."""
    at = app.run()
    order = list(inbox_table(at)["thread_id"])
    at = open_thread(at, order[1])
    at = button(at, "Approve now").click().run()
    assert "Done. The workflow finished (published)." in texts(at)
    at = button(at, "Next waiting thread").click().run()
    assert thread_shown(at) == order[2]  # not back to the top (order[0])


def test_at_the_end_of_the_queue_next_says_so(app):
    at = app.run()
    filter_widget(at, "search").input(CONTENT[0])
    at.run()
    at = open_thread(at, CONTENT[0])
    at = button(at, "Next waiting thread").click().run()
    assert thread_shown(at) == CONTENT[0]
    assert "No other thread is waiting with your inbox's filters." in texts(at)


def test_the_quick_button_says_the_choices_own_word(app):
    """An Agent Inbox request's "Accept" is sent by "Accept now", never by a button called "Approve"."""
    at = open_thread(app, "demo-0007")
    shortcuts = {b.label: b.proto.shortcut.upper() for b in at.button if b.proto.shortcut}
    assert shortcuts.get("Accept now") == "A" and "Approve now" not in shortcuts
    assert "Keyboard: A sends Accept now" in texts(at)


def test_shortcuts_are_on_the_buttons_and_listed_on_the_page(app):
    at = open_thread(app, CONTENT[0])
    shortcuts = {b.label: b.proto.shortcut.upper() for b in at.button if b.proto.shortcut}
    assert shortcuts == {"Approve now": "A", "Reject…": "X", "Edit…": "E", "Next waiting thread": "N"}
    assert "Keyboard: A approves now · X opens Reject · E opens Edit · N opens the next waiting thread" in texts(at)
    at = button(at, "Reject…").click().run()  # X: the reject form, with its reason, not a decision
    assert next(r for r in at.radio if r.label == "Your decision").value == "Reject"
    assert any(a.label.startswith("Reason for rejecting") for a in at.text_area)
    at = button(at, "Edit…").click().run()
    assert next(r for r in at.radio if r.label == "Your decision").value == "Edit"
    assert "Waiting" in texts(at) or "Done." not in texts(at)


def test_the_inbox_keeps_its_filters_and_sort_for_the_session(app):
    at = app.run()
    filter_widget(at, "sort").set_value("workflow")
    filter_widget(at, "oldest_first").set_value(False)
    filter_widget(at, "search").input("demo-")
    filter_widget(at, "workflows").set_value(["content_approval", "agent_inbox"])
    at.run()
    before = list(inbox_table(at)["thread_id"])
    at.session_state[keys.INBOX_TABLE] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert at.title[0].value != "Inbox"
    at.switch_page(keys.INBOX_PAGE).run()
    assert not at.exception
    assert filter_widget(at, "sort").value == "workflow" and filter_widget(at, "oldest_first").value is False
    assert filter_widget(at, "search").value == "demo-"
    assert filter_widget(at, "workflows").value == ["content_approval", "agent_inbox"]
    assert list(inbox_table(at)["thread_id"]) == before


def test_more_filters_apply_while_closed_are_named_and_kept_for_the_session(app):
    """The rarer filters sit under "More filters", drawn only while it is open; closed, they still filter the
    list and a caption says which are set; after another page they are all as left."""
    at = app.run()
    everyone = len(inbox_table(at))
    assert not any(w.label == "Kind of pause" for w in at.multiselect)  # closed: not drawn
    filter_widget(at, "kinds").set_value(["interrupt"])
    filter_widget(at, "page_size").set_value(25)
    at.run()
    questions = list(inbox_table(at)["thread_id"])
    assert 0 < len(questions) < everyone
    at.session_state[keys.inbox_filter_key("more_filters")] = False  # the reviewer closes it
    at.run()
    assert not any(w.label == "Kind of pause" for w in at.multiselect)
    assert list(inbox_table(at)["thread_id"]) == questions  # still applied
    assert "Set under More filters: Kind of pause, Rows per page." in texts(at)
    at.switch_page(keys.THREAD_PAGE).run()
    at.switch_page(keys.INBOX_PAGE).run()
    assert list(inbox_table(at)["thread_id"]) == questions
    at = open_more_filters(at)
    assert filter_widget(at, "kinds").value == ["interrupt"] and filter_widget(at, "page_size").value == 25
    filter_widget(at, "kinds").set_value([])
    filter_widget(at, "page_size").set_value(50)
    at.run()
    assert len(inbox_table(at)) == everyone and "Set under More filters" not in texts(at)


# ---- who is on it -------------------------------------------------------------------------------


def second_session(at, name):
    """Another person's browser: a new AppTest session on the same process (same console)."""
    from streamlit.testing.v1 import AppTest

    other = AppTest.from_file(at._script_path, default_timeout=60)
    other.session_state[keys.REVIEWER_NAME] = name
    return other


def test_a_claim_is_seen_by_others_who_can_still_decide(app):
    at = open_thread(app, CONTENT[0])
    at = button(at, "I'm on it").click().run()
    assert "You: Ann is on it until" in texts(at) and "Let it go" in [b.label for b in at.button]
    bob = open_thread(second_session(at, "Bob"), CONTENT[0])
    assert "Ann is on it until" in texts(bob) and "min left" in texts(bob)
    assert "I'm on it" not in [b.label for b in bob.button]  # not taken from Ann
    bob.switch_page(keys.INBOX_PAGE).run()
    row = inbox_table(bob).set_index("thread_id").loc[CONTENT[0]]
    assert row["on it"].startswith("Ann until ")
    bob = open_thread(bob, CONTENT[0])
    bob = button(bob, "Approve now").click().run()  # advice, not a lock: the decision guard alone decides
    assert "Done. The workflow finished (published)." in texts(bob)


def test_an_admin_assigns_a_workflow_and_mine_shows_it(app):
    at = open_thread(app, CONTENT[1])
    next(t for t in at.text_input if t.label == "Reviewer's name").input("Bob")
    next(r for r in at.radio if r.label == "What").set_value("Every thread of this workflow")
    at = button(at, "Assign").click().run()
    assert "Assigned to Bob." in texts(at) and "Bob is assigned this workflow by Ann." in texts(at)
    bob = second_session(at, "Bob").run()
    filter_widget(bob, "mine").set_value(True)
    bob.run()
    assert sorted(inbox_table(bob)["thread_id"]) == CONTENT
    ann = app.switch_page(keys.INBOX_PAGE).run()
    filter_widget(ann, "mine").set_value(True)
    ann.run()
    assert not [t for t in ann.dataframe if "kind of pause" in t.value.columns]
    assert "No thread is waiting for a reviewer with these filters." in texts(ann)


def test_a_viewer_cannot_assign(make_console, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('default_role = "reviewer"\n')
    app = make_console(policy_path=str(policy))
    from console.errors import NotAllowed
    with pytest.raises(NotAllowed, match="Only an administrator"):
        app.team.assign("thread", CONTENT[0], "Bob", ANN, "content_approval")
    assert app.team.holders() == []


# ---- the store, on both databases ----------------------------------------------------------------


def test_claims_take_turns_end_and_leave_the_decision_guard_alone(demo):
    held = demo.team.claim(CONTENT[0], ANN, 30)
    assert (held.reviewer, held.assigned) == ("Ann", False) and held.until > time.time() + 29 * 60
    assert demo.team.claim(CONTENT[0], BOB, 30).reviewer == "Ann"  # Bob is told, not given it
    assert demo.team.claim(CONTENT[0], ANN, 60).until > held.until  # Ann keeps it longer
    assert demo.inbox(InboxQuery(mine="Ann")).rows["thread_id"].tolist() == [CONTENT[0]]
    assert demo.inbox(InboxQuery(mine="Bob")).total == 0
    # Bob's Next passes over what Ann is on; Ann's does not.
    first = demo.thread_position(InboxQuery(), CONTENT[0])
    assert demo.next_thread(InboxQuery(), None, reviewer=BOB) != CONTENT[0]
    assert demo.next_thread(InboxQuery(), None, reviewer=ANN) == CONTENT[0] and first is not None
    # A claim that has ended is anyone's.
    demo.bridge.run(demo.store.db.run(demo.team.assignments.sql.CLAIM, {"target": "x", "reviewer": "Zed", "now": 1, "until": 2}))
    assert demo.team.claim("x", BOB, 15).reviewer == "Bob"
    demo.team.release(CONTENT[0], ANN)
    assert demo.team.holder(CONTENT[0], "content_approval") is None


def test_a_workflow_assignment_yields_to_a_thread_claim(demo):
    demo.team.assign("workflow", "content_approval", "Bob", ANN, "content_approval")
    assert sorted(demo.inbox(InboxQuery(mine="Bob")).rows["thread_id"]) == CONTENT
    demo.team.claim(CONTENT[0], Reviewer("Cy"), 30)
    assert demo.inbox(InboxQuery(mine="Bob")).rows["thread_id"].tolist() == [CONTENT[1]]
    assert demo.inbox(InboxQuery(mine="Cy")).rows["thread_id"].tolist() == [CONTENT[0]]
    assert demo.team.holder(CONTENT[1], "content_approval").sentence() == "Bob is assigned this workflow by Ann."
    demo.team.assign("workflow", "content_approval", "", ANN, "content_approval")
    assert demo.inbox(InboxQuery(mine="Bob")).total == 0
