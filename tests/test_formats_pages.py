"""Every interrupt format on the thread page, each action it allows, driven as a reviewer would (AppTest)."""

import json

from tests.test_pages import fill, inbox_table, open_activity_tables, open_thread, submit, texts, unescape
from ui import keys


def radios(at, label):
    return [r for r in at.radio if r.label == label]


def widget(at, label, index=0):
    """An input by its label (without the required-field star)."""
    found = [w for w in list(at.text_input) + list(at.text_area) + list(at.number_input) + list(at.checkbox)
             + list(at.selectbox) + list(at.multiselect) if unescape(w.label).rstrip(" *").removesuffix(" (JSON)") == label]
    return found[index]


def click(at, label, index=0):
    return [b for b in at.button if unescape(b.label) == label][index].click().run()


def confirm(at):
    """The confirmation step every edit (and every guessed answer shape) goes through before it is sent."""
    assert "Check before sending" in texts(at), "nothing was held for confirmation"
    return click(at, "Confirm and send")


def state_json(at):
    """The thread's state values as shown in the "State values" expander."""
    return "\n".join(str(j.value) for j in at.json)


def final_text(at):
    return "\n".join(t.value for t in at.text)


def test_demo_threads_of_every_format_have_plain_previews(app):
    at = app.run()
    table = inbox_table(at).set_index("thread_id")
    for thread in ("demo-0007", "demo-0008", "demo-0009", "demo-0010",
                   "demo-0011", "demo-0012", "demo-0013"):
        preview = table.loc[thread, "preview"]
        assert preview and "**" not in preview and "<" not in preview
    assert table.loc["demo-0008", "preview"].startswith("2 actions: Send email: Send an email")


def test_start_page_starts_every_format(app):
    at = app.run()
    at.switch_page(keys.START_PAGE).run()
    for n, (name, text) in enumerate([
        ("agent_inbox", "Email the choir about rehearsals"),
        ("tool_approval", "Delete the old orders"),
        ("tool_approval_per_call", "Email the team about lunch and delete the test records"),
        ("refund_decision", "The lamp flickers."),
        ("parallel_review", "the book sale"),
        ("open_question", "the winter concert"),
    ]):
        at.session_state["start-workflow"] = name
        at.run()
        title = name
        next(w for w in at.text_area if unescape(w.label).startswith(("What should", "The customer", "Topic", "Event"))).input(text)
        at.text_input(key="start-thread-id").input(f"started-{n}")
        at = submit(at, "Start")
        assert not at.exception and "now waits" in texts(at), title
    at.switch_page(keys.INBOX_PAGE).run()
    assert {f"started-{n}" for n in range(6)} <= set(inbox_table(at)["thread_id"])


# ---- Agent Inbox -----------------------------------------------------------------------


def test_agent_inbox_shows_description_safely_and_only_allowed_actions(app):
    at = open_thread(app, "demo-0007")
    assert not at.exception
    assert "The agent wants to run “Send email”" in texts(at)
    assert "Style guide: house style (`https://example.org/style`)" in texts(at)
    assert radios(at, "Your decision")[0].options == ["Accept", "Edit", "Respond", "Ignore"]
    at = open_thread(at, "demo-0008")
    assert [r.options for r in at.radio if r.key != "queue-assign-scope"] == [["Accept", "Edit", "Respond", "Ignore"], ["Accept", "Edit", "Ignore"]]


def test_agent_inbox_accept(app):
    at = submit(open_thread(app, "demo-0007"), "Accept")
    assert not at.exception and "Done. The workflow finished (done)." in texts(at)
    assert "Email “The team about the spring opening hours” sent to team@example.org" in final_text(at)


def test_agent_inbox_edit_keeps_numbers_and_lists(app):
    at = open_thread(app, "demo-0007")
    at = radios(at, "Your decision")[0].set_value("Edit").run()
    widget(at, "To").input("ann@example.org\nbob@example.org")
    widget(at, "Subject").input("Opening hours")
    widget(at, "Priority").set_value(1)
    at = confirm(submit(at, "Send the edited action"))
    assert not at.exception and "finished (done)" in texts(at)
    assert "Email “Opening hours” sent to ann@example.org, bob@example.org (priority 1). (as edited by the reviewer)" in final_text(at)
    assert '"priority":1' in state_json(at).replace(" ", "")


def test_agent_inbox_respond_needs_text(app):
    at = open_thread(app, "demo-0007")
    at = radios(at, "Your decision")[0].set_value("Respond").run()
    at = submit(at, "Send response")
    assert "Please fill in “Your response”" in texts(at)
    fill(at, "Your response", "Not before Monday.")
    at = submit(at, "Send response")
    assert "Not done; the reviewer said: Not before Monday." in final_text(at)


def test_agent_inbox_ignore(app):
    at = open_thread(app, "demo-0007")
    at = radios(at, "Your decision")[0].set_value("Ignore").run()
    at = submit(at, "Ignore")
    assert "send_email was skipped." in final_text(at)


def test_agent_inbox_list_answered_item_by_item(app):
    at = open_thread(app, "demo-0008")
    at = radios(at, "Decision on item 2")[0].set_value("Edit").run()
    widget(at, "Attendees").set_value(30)
    widget(at, "Catering").check()
    at = confirm(click(at, "Send all decisions"))
    assert not at.exception and "finished (done)" in texts(at)
    assert "Booked Main hall on Friday for 30 people with catering." in final_text(at)
    assert "Email “The volunteers about the move” sent" in final_text(at)


# ---- HumanInTheLoopMiddleware (batched) --------------------------------------------------


def test_hitl_shows_every_tool_call_with_its_allowed_decisions(app):
    at = open_thread(app, "demo-0009")
    assert not at.exception
    shown = texts(at)
    assert "1. The agent wants to run “Send email”" in shown and "2. The agent wants to run “Delete records”" in shown
    assert [r.options for r in at.radio if r.key != "queue-assign-scope"] == [["Approve", "Edit", "Reject", "Respond instead"], ["Approve", "Reject"]]


def test_hitl_approve_all(app):
    at = click(open_thread(app, "demo-0009"), "Send all decisions")
    assert not at.exception and "Done. The workflow finished." in texts(at)
    assert "Deleted the rows of test_records older than 365 days." in final_text(at)  # the agent's last reply


def test_hitl_edit_and_reject(app):
    at = open_thread(app, "demo-0009")
    at = radios(at, "Decision on item 1")[0].set_value("Edit").run()
    widget(at, "Subject").input("Charity run on Sunday")
    at = radios(at, "Decision on item 2")[0].set_value("Reject").run()
    fill(at, "Reason (sent to the agent)", "Keep the test records.")
    at = confirm(click(at, "Send all decisions"))
    assert not at.exception and "Done. The workflow finished." in texts(at)
    shown = final_text(at)
    assert "Email “Charity run on Sunday” sent" in shown
    assert "User rejected the tool call for `delete_records` with reason: Keep the test records." in shown


def test_hitl_respond_instead(app):
    at = open_thread(app, "demo-0009")
    at = radios(at, "Decision on item 1")[0].set_value("Respond instead").run()
    at = click(at, "Send all decisions")
    assert "Item 1" in texts(at) and "Please fill in" in texts(at)  # nothing sent without the answer
    fill(at, "Your answer (given to the agent as the tool's result)", "Sent by hand already.")
    at = click(at, "Send all decisions")
    assert "Done. The workflow finished." in texts(at) and "Sent by hand already." in final_text(at)


# ---- per-call mode: several questions at once ---------------------------------------------


def test_per_call_questions_answered_one_at_a_time(app):
    at = open_thread(app, "demo-0010")
    assert "2 questions wait at once" in texts(at)
    assert [r.options for r in radios(at, "Your decision")] == [["Approve", "Edit", "Reject", "Respond instead"], ["Approve", "Reject"]]
    at = click(at, "Approve (this question only)", index=1)  # delete_records first
    assert not at.exception and "Answered. The workflow now waits for your next decision: a question at “Tool calls”." in texts(at)
    assert "2 questions wait at once" not in texts(at) and "The agent wants to run “Send email”" in texts(at)
    at = submit(at, "Approve")
    assert "Done. The workflow finished." in texts(at)
    assert "Deleted the rows of test_records" in final_text(at) and "Email “The board about the budget” sent" in final_text(at)


def test_per_call_questions_answered_together(app):
    at = open_thread(app, "demo-0010")
    at = radios(at, "Your decision")[0].set_value("Edit").run()
    widget(at, "Priority").set_value(3)
    at = radios(at, "Your decision")[1].set_value("Reject").run()
    fill(at, "Reason (sent to the agent)", "Not this week.")
    at = confirm(click(at, "Send all answers together"))
    assert not at.exception and "Done. The workflow finished." in texts(at)
    shown = final_text(at)
    assert "(priority 3)" in shown and "with reason: Not this week." in shown
    at = open_activity_tables(at)
    assert list(next(d.value for d in at.dataframe if "outcome" in d.value.columns)["outcome"]) == ["applied", "applied"]


# ---- typed answers -------------------------------------------------------------------------


def test_typed_form_is_built_from_the_schema(app):
    at = open_thread(app, "demo-0011")
    assert not at.exception and "The workflow asks you to fill in a form" in texts(at)
    assert widget(at, "Decision").options == ["refund", "partial", "deny"]
    amount = widget(at, "Amount")
    assert (amount.min, amount.max, unescape(amount.help)) == (0, 500, "Euros to refund (0 to 500).")
    assert widget(at, "Notify Customer").value is True
    assert widget(at, "Return label › Carrier").value == "post"
    at = submit(at, "Send answer")
    assert "Please fill in “Decision”" in texts(at) and "Waiting for a reviewer" in texts(at)


def test_typed_answer_refused_by_the_workflow_shows_the_field_and_can_be_sent_again(app):
    at = open_thread(app, "demo-0011")
    widget(at, "Decision").select("deny")
    at = submit(at, "Send answer")
    assert "“note”: Please say why the refund is denied" in texts(at) and "try again" in texts(at)
    assert "Waiting for a reviewer" in texts(at)
    widget(at, "Note").input("The courier broke it: claim with them.")
    at = submit(at, "Send answer")
    assert not at.exception and "finished (deny)" in texts(at)
    assert "We cannot refund this order: The courier broke it: claim with them." in final_text(at)


def test_typed_answer_partial_refund(app):
    at = open_thread(app, "demo-0011")
    widget(at, "Decision").select("partial")
    widget(at, "Amount").set_value(40.0)
    widget(at, "Tags").input("damaged\nfragile")
    at = submit(at, "Send answer")
    assert "finished (partial)" in texts(at) and "We refund 40.00 EUR of your order." in final_text(at)
    assert json.dumps(["damaged", "fragile"]).replace(" ", "") in state_json(at).replace(" ", "").replace("'", '"')


# ---- parallel branches -------------------------------------------------------------------


def test_parallel_checks_one_at_a_time(app):
    at = open_thread(app, "demo-0012")
    assert "2 questions wait at once" in texts(at)
    at = click(at, "Approve (this question only)", index=0)
    assert not at.exception and "2 questions wait at once" not in texts(at) and "Waiting for a reviewer" in texts(at)
    at = submit(at, "Approve")
    assert "finished (published)" in texts(at)


def test_parallel_checks_together_with_an_edit(app):
    at = open_thread(app, "demo-0012")
    at = radios(at, "Your decision")[1].set_value("Edit").run()
    fill(at, "Edited draft", "The book sale: Saturday, 10 to 4.")
    at = confirm(click(at, "Send all answers together"))
    assert not at.exception and "finished (published)" in texts(at)
    assert "The book sale: Saturday, 10 to 4." in final_text(at)


# ---- anything else ---------------------------------------------------------------------------


def test_open_questions_take_text_then_json(app):
    at = open_thread(app, "demo-0013")
    assert "Which venue should we book for the autumn party?" in texts(at)
    fill(at, "Your answer", "The town hall")
    at = submit(at, "Send answer")
    assert "Waiting for a reviewer" in texts(at) and "The town hall" in final_text(at)  # shown as it is sent
    at = confirm(at)
    assert "Waiting for a reviewer" in texts(at) and '"range"' in state_json(at) + "".join(str(j.value) for j in at.json)
    fill(at, "Your answer", "about 1200")
    widget(at, "Send as JSON").check()
    at = submit(at, "Send answer")
    assert "is not valid JSON" in texts(at)
    fill(at, "Your answer", "1200")
    at = submit(at, "Send answer")
    assert "1200" in [c.value for c in at.code]  # the exact JSON the workflow receives
    at = confirm(at)
    assert not at.exception and "finished (planned)" in texts(at)
    assert "the autumn party: at The town hall, budget 1200 EUR." in final_text(at)


# ---- shapes people copy from public patterns (tests/format_graphs.py), answered as a reviewer would ------------

import pytest  # noqa: E402

from console.decisions import Reviewer  # noqa: E402
from console.formats import question  # noqa: E402
from console.service import Console  # noqa: E402
from tests.conftest import settings_for  # noqa: E402
from tests.format_graphs import MEETING_ARGS, SHAPES  # noqa: E402


@pytest.fixture
def shapes(app, db_path, monkeypatch):
    """The app with the shape graphs loaded and one thread of each paused (started by Bob)."""
    monkeypatch.setenv("REVIEW_CONSOLE_WORKFLOWS", ",".join(SHAPES))
    setup = Console(settings_for(str(db_path), seed_demo=True, extra_workflows=SHAPES, offline_token_delay=0))
    try:
        for name in ("tool_review", "human_help", "ask_name", "email_triage"):
            list(setup.start(name, "Please handle it.", Reviewer("Bob"), thread_id=f"shape-{name}"))
    finally:
        setup.close()
    return app


def received(at):
    """The resume values the graph itself recorded (state "received"), read from the State values view."""
    for element in at.json:
        value = json.loads(element.value) if isinstance(element.value, str) else element.value
        if isinstance(value, dict) and "received" in value:
            return value["received"]
    return []


def shown_args(at):
    return [t.value for t in at.text]


def test_docs_tool_call_review_is_shown_as_labelled_fields(shapes):
    at = open_thread(shapes, "shape-tool_review")
    assert not at.exception
    shown = shown_args(at)
    assert "Is this correct?" in shown and "Duration (minutes): 30" in shown and "Preferred day: Tuesday" in shown
    assert "• alice.smith@company.com\n• bob@company.com" in shown and "1. Budget\n2. Hiring\n\nBring the numbers." in shown
    assert radios(at, "Your decision")[0].options == ["Continue", "Change the arguments", "Give feedback"]
    assert "Send as JSON" not in [c.label for c in at.checkbox]  # no free JSON box for the docs' own pattern


def test_docs_tool_call_review_continue(shapes):
    at = submit(open_thread(shapes, "shape-tool_review"), "Continue")
    assert not at.exception and received(at) == [{"action": "continue"}]
    assert "Meeting “Quarterly planning” on Tuesday for 30 minutes" in final_text(at)


def test_docs_tool_call_review_change_the_arguments_shows_the_diff_first(shapes):
    at = open_thread(shapes, "shape-tool_review")
    at = radios(at, "Your decision")[0].set_value("Change the arguments").run()
    assert not any(w.label.startswith("Action") for w in at.text_input)  # the tool's name is not offered for change
    widget(at, "Duration (minutes)").set_value(45)
    widget(at, "Attendees").input("alice.smith@company.com\ncarol@company.com")
    widget(at, "Agenda").input("1. Budget\n2. Hiring\n3. Office move\n\nBring the numbers.")
    at = submit(at, "Send the changed arguments")
    shown = texts(at)
    assert "Check before sending" in shown and received(at) == []  # nothing sent yet
    assert "Duration (minutes): 30 → 45" in shown
    assert "Attendees: added “carol@company.com”; removed “bob@company.com”" in shown
    assert "+ 3. Office move" in [c.value for c in at.code][-1]
    at = confirm(at)
    args = {**MEETING_ARGS, "duration_minutes": 45, "attendees": ["alice.smith@company.com", "carol@company.com"],
            "agenda": "1. Budget\n2. Hiring\n3. Office move\n\nBring the numbers."}
    assert received(at) == [{"action": "update", "data": args}]
    assert "for 45 minutes with alice.smith@company.com, carol@company.com." in final_text(at)


def test_docs_tool_call_review_change_my_answer_sends_nothing(shapes):
    at = open_thread(shapes, "shape-tool_review")
    at = radios(at, "Your decision")[0].set_value("Change the arguments").run()
    widget(at, "Preferred day").input("Friday")
    at = click(submit(at, "Send the changed arguments"), "Change my answer")
    assert "Check before sending" not in texts(at) and received(at) == [] and "Waiting for a reviewer" in texts(at)
    assert widget(at, "Preferred day").value == "Friday"  # what the reviewer typed is still there


def test_docs_tool_call_review_feedback(shapes):
    at = open_thread(shapes, "shape-tool_review")
    at = radios(at, "Your decision")[0].set_value("Give feedback").run()
    fill(at, "Your feedback (for the agent)", "Invite Carol too.")
    at = submit(at, "Send feedback")
    assert not at.exception and received(at) == [{"action": "feedback", "data": "Invite Carol too."}]
    assert "Invite Carol too." in final_text(at)


def test_human_assistance_query_is_answered_in_a_text_box_and_sent_as_data(shapes):
    at = open_thread(shapes, "shape-human_help")
    assert "The workflow asks you" in texts(at) and "Which supplier should we use for the spring order?" in shown_args(at)
    assert widget(at, "Sent to the workflow as").value == question.AS_DATA  # what the tutorial's tool reads
    fill(at, "Your answer", "Greenleaf:\nthey deliver on Mondays.")
    at = submit(at, "Check and send the answer")
    assert '{\n  "data": "Greenleaf:\\nthey deliver on Mondays."\n}' in [c.value for c in at.code]  # exactly what is sent
    at = confirm(at)
    assert not at.exception and "finished" in texts(at).lower()
    assert "Greenleaf:\nthey deliver on Mondays." in final_text(at)  # the tool returned human_response["data"]


def test_plain_question_is_sent_as_text(shapes):
    at = open_thread(shapes, "shape-ask_name")
    assert "Which name should go on the badge?" in shown_args(at) and "Context: Conference badges" in shown_args(at)
    assert widget(at, "Sent to the workflow as").value == question.AS_TEXT
    fill(at, "Your answer", "Dr. Ann Lee")
    at = confirm(submit(at, "Check and send the answer"))
    assert received(at) == ["Dr. Ann Lee"] and "Badge printed for Dr. Ann Lee." in final_text(at)


def test_agent_inbox_notification_question_and_email(shapes):
    at = open_thread(shapes, "shape-email_triage")
    assert "For your information" in texts(at) and "The agent wants to run" not in texts(at)
    assert "Alice Smith <`alice.smith@company.com`>" in texts(at)  # the address is shown (as code), never dropped; texts() unescapes
    assert radios(at, "Your decision")[0].options == ["Give feedback", "Dismiss"]
    at = submit(radios(at, "Your decision")[0].set_value("Dismiss").run(), "Dismiss")
    assert received(at) == [{"type": "ignore", "args": None}]
    assert "The assistant asks you" in texts(at) and "Should I accept the Tuesday slot?" in shown_args(at)
    assert radios(at, "Your decision")[0].options == ["Answer", "Skip the question"]
    fill(at, "Your answer", "Yes, Tuesday is fine.")
    at = submit(at, "Send answer")
    assert received(at)[-1] == {"type": "response", "args": "Yes, Tuesday is fine."}
    assert "The agent wants to run “Write email”" in texts(at)
    at = radios(at, "Your decision")[0].set_value("Edit").run()
    assert not any(w.label.startswith("Action") for w in at.text_input)  # the tool name is read-only
    assert widget(at, "Content").value == "Hi Alice,\n\nTuesday works for me.\n\nBob"  # a text area, line breaks kept
    widget(at, "Content").input("Hi Alice,\n\nTuesday at 9 works for me.\n\nBob")
    at = submit(at, "Send the edited action")
    assert "Content: changed lines (- before, + after)" in texts(at)
    assert [c.value for c in at.code][-1] == "  \n- Tuesday works for me.\n+ Tuesday at 9 works for me.\n  "
    at = confirm(at)
    assert received(at)[-1] == {"type": "edit", "args": {"action": "write_email", "args": {
        "to": "alice.smith@company.com", "subject": "Re: Roof repair next week",
        "content": "Hi Alice,\n\nTuesday at 9 works for me.\n\nBob"}}}
