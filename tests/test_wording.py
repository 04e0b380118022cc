"""The reviewer's words: workflow titles, step names (a subgraph's inner step, a middleware's moment) and the
sentence after each answer, on real graphs, in AppTest and on the console itself."""

from __future__ import annotations

import re

import pytest

from console import wording
from console.decisions import Reviewer
from console.inbox import InboxQuery
from console.service import Console
from tests.conftest import answer, settings_for
from tests.plain_graphs import ENTRY
from tests.test_pages import choose, fill, inbox_table, open_activity_tables, open_thread, submit, texts
from tests.test_queue import open_more_filters
from ui import keys
from workflows.registry import load_registry

SUBGRAPH_STEP = "In “Response agent”, at “Interrupt handler”"
MIDDLEWARE_STEP = "Before the agent's tool calls run"


# ---- the words themselves ---------------------------------------------------------------


@pytest.mark.parametrize("node, titles, label, phrase", [
    ("draft_reply", {}, "Draft reply", "at “Draft reply”"),
    ("sendEmail", {}, "Send email", "at “Send email”"),
    ("LLM_call", {}, "LLM call", "at “LLM call”"),
    ("draft_reply", {"draft_reply": "Write the first reply"}, "Write the first reply", "at “Write the first reply”"),
    ("HumanInTheLoopMiddleware.after_model", {}, MIDDLEWARE_STEP, "before the agent's tool calls run"),
    ("SummarizationMiddleware.before_model", {}, "Summarization, before the model is asked",
     "at “Summarization, before the model is asked”"),
    ("response_agent:interrupt_handler", {}, SUBGRAPH_STEP, "in “Response agent”, at “Interrupt handler”"),
    ("outer:inner_agent:ask", {"outer:inner_agent": "Triage"}, "In “Outer”, in “Triage”, at “Ask”",
     "in “Outer”, in “Triage”, at “Ask”"),
    ("agent:HumanInTheLoopMiddleware.after_model", {}, "In “Agent”, before the agent's tool calls run",
     "in “Agent”, before the agent's tool calls run"),
])
def test_step_names_read_as_words(node, titles, label, phrase):
    assert wording.step_label(node, titles) == label
    assert wording.at_step(node, titles) == phrase


@pytest.mark.parametrize("values, shown", [
    ({"status": "published"}, "published"),
    ({"status": "needs_changes"}, "needs changes"),
    ({"status": {"state": "sent", "to": ["a@example.com"]}}, None),  # never JSON
    ({"status": ["a", "b"]}, None),
    ({"status": "x" * 200}, None),
    ({"status": True}, None),
    ({}, None),
])
def test_the_final_status_is_a_word_or_nothing(values, shown):
    assert wording.final_status(values) == shown


def test_a_workflow_is_named_by_its_title():
    registry, _ = load_registry()
    assert wording.workflow_title("tool_approval_per_call", registry) == "Agent tool approval (one question per call)"
    assert wording.workflow_title("gone_away", registry) == "Gone away (not loaded)"
    assert wording.workflow_title(None, registry) == "Unknown workflow"


# ---- on the console ---------------------------------------------------------------------


@pytest.fixture
def support(make_console) -> Console:
    console_ = make_console(seed_demo=True, extra_workflows=(ENTRY,))
    outcome = list(console_.start("support_desk", "refunds", Reviewer("Ann"), "ticket-7"))[-1]
    assert outcome.message == "Started. The workflow now waits for a decision: a question in “Response agent”, at “Interrupt handler”."
    return console_


def test_a_question_inside_a_subgraph_is_placed_at_the_step_that_asks(support):
    view = support.thread("ticket-7")
    assert view.waiting_node == "response_agent:interrupt_handler"
    assert wording.pause_phrase(view) == "asks a question in “Response agent”, at “Interrupt handler”"
    page = support.inbox(InboxQuery(nodes=("response_agent:interrupt_handler",)))  # the filter still uses the ids
    assert page.rows["thread_id"].tolist() == ["ticket-7"]
    history = support.history(view)
    assert history["waits for"].iloc[0] == SUBGRAPH_STEP and history["what happened"].iloc[0] == "Write the first reply"


def test_each_outcome_has_its_own_sentence(support):
    outcome = answer(support, "demo-0005", "request_changes", changes="Shorter")
    assert outcome.message == "Answered. The workflow now waits for your next decision: step 2 of 2, at “Review”."
    assert answer(support, "demo-0005", "approve").message == "Done. The workflow finished (published)."
    assert answer(support, "demo-0003", "continue").message == (
        "Continued. The workflow now waits for your next decision: a check before “Publish article” runs.")
    outcome = answer(support, "ticket-7", "edit", draft="This reply will explode.")
    assert outcome.status == "failed" and outcome.message == (
        "Your decision was applied, then the workflow stopped with an error in “Send the reply”: "
        "the mail server refused the reply. You can retry that step.")


# ---- on screen --------------------------------------------------------------------------


@pytest.fixture
def support_app(app, store, monkeypatch):
    """The app with the subgraph workflow loaded and one thread of it waiting ("ticket-7")."""
    monkeypatch.setenv("REVIEW_CONSOLE_WORKFLOWS", ENTRY)
    setup = Console(settings_for(store, seed_demo=True, extra_workflows=(ENTRY,), offline_token_delay=0))
    try:
        for thread_id in ("ticket-7", "ticket-8"):
            list(setup.start("support_desk", "refunds", Reviewer("Bob"), thread_id))
    finally:
        setup.close()
    return app


IDS = list(load_registry([ENTRY])[0])  # (registry, broken entries)


def no_workflow_id(strings) -> None:
    for text in strings:
        for name in IDS:
            assert not re.search(rf"\b{name}\b", str(text)), f"workflow id {name!r} shown: {text!r}"


def frames_without_ids(at):
    """Every table cell a reviewer reads, but thread and checkpoint ids (which may contain anything)."""
    for frame in at.dataframe:
        value = frame.value.reset_index()
        for column in value.columns:
            if "_id" not in str(column):
                yield str(column)
                yield from (str(v) for v in value[column])


def test_the_inbox_speaks_in_titles_and_step_names(support_app):
    at = support_app.run()
    assert not at.exception
    table = inbox_table(at)
    by_thread = dict(zip(table["thread_id"], table["waiting at"]))
    assert by_thread["ticket-7"] == SUBGRAPH_STEP
    assert by_thread["demo-0009"] == MIDDLEWARE_STEP
    assert by_thread["demo-0010"] == "Tool calls"
    assert dict(zip(table["thread_id"], table["workflow"]))["ticket-7"] == "Customer support desk"
    at = open_more_filters(at)  # "Waiting at" is under More filters
    filters = {m.label: m for m in at.multiselect}
    assert "Customer support desk" in filters["Workflow"].options
    assert "Agent tool approval (one question per call)" in filters["Workflow"].options
    assert {SUBGRAPH_STEP, MIDDLEWARE_STEP} <= set(filters["Waiting at"].options)
    sidebar = next(d.value for d in at.sidebar.dataframe)
    assert "Customer support desk" in set(sidebar["workflow"])
    no_workflow_id([texts(at), *filters["Workflow"].options, *filters["Waiting at"].options, *frames_without_ids(at)])

    at = filters["Workflow"].set_value(["support_desk"]).run()  # shown as its title, queried by its id
    assert sorted(inbox_table(at)["thread_id"]) == ["ticket-7", "ticket-8"]
    at = next(m for m in at.multiselect if m.label == "Workflow").set_value([]).run()
    at = next(m for m in at.multiselect if m.label == "Waiting at").set_value(["HumanInTheLoopMiddleware.after_model"]).run()
    assert inbox_table(at)["thread_id"].tolist() == ["demo-0009"]


def test_the_thread_page_names_the_step_inside_the_subgraph(support_app):
    at = open_thread(support_app, "ticket-7")
    assert not at.exception
    assert "Waiting for a reviewer · asks a question in “Response agent”, at “Interrupt handler”" in texts(at)
    history = next(d.value for d in at.dataframe if "waits for" in d.value.columns)
    assert history["waits for"].iloc[0] == SUBGRAPH_STEP
    no_workflow_id([texts(at), *frames_without_ids(at)])
    at = submit(at, "Approve")
    assert "Done. The workflow finished (sent)." in texts(at) and "Answered." not in texts(at)


def test_the_middleware_pause_is_named_by_what_happens_next(support_app):
    at = open_thread(support_app, "demo-0009")
    assert "Waiting for a reviewer · asks a question before the agent's tool calls run" in texts(at)
    assert "HumanInTheLoopMiddleware" not in texts(at)


def test_done_is_said_only_when_the_workflow_finished(support_app):
    at = open_thread(support_app, "demo-0005")
    at = choose(at, "Request changes")
    fill(at, "What should change?", "Shorter")
    at = submit(at, "Request changes")
    assert "Answered. The workflow now waits for your next decision: step 2 of 2, at “Review”." in texts(at)
    assert "Done." not in texts(at) and [s.label for s in at.status] == ["Answered"]
    at = submit(at, "Approve")
    assert "Done. The workflow finished (published)." in texts(at) and [s.label for s in at.status] == ["Done"]


def test_an_answer_that_fails_later_says_where(support_app):
    at = open_thread(support_app, "ticket-8")
    at = choose(at, "Edit")
    fill(at, "Edited draft", "This will explode.")
    at = submit(at, "Approve edited version")
    at = submit(at, "Confirm and send")  # an edit is confirmed, with what changed
    assert not at.exception
    shown = texts(at)
    assert "Your decision was applied, then the workflow stopped with an error in “Send the reply”" in shown
    assert "The step “Send the reply” stopped with an error:" in shown  # the header, after the reload
    assert "the mail server refused the reply" in shown and "RuntimeError(" not in shown  # no Python repr
    (details,) = [e for e in at.expander if e.label == "Details"]  # the type name: there only
    assert [t.value for t in details.text] == ["Kind of error (for the workflow's developer): RuntimeError"]
    assert shown.count("RuntimeError") == 1


def test_activity_shows_titles(support_app):
    at = open_thread(support_app, "ticket-7")
    submit(at, "Approve")
    at = open_activity_tables(at)
    assert not at.exception
    counts = next(d.value for d in at.dataframe if d.value.index.name == "workflow")  # the pivot: one row per workflow
    assert "Customer support desk" in set(counts.index)
    log = next(d.value for d in at.dataframe if "reviewer" in d.value.columns)
    assert set(log["workflow"]) == {"Customer support desk"}  # the starts and the approval
    no_workflow_id([texts(at), *frames_without_ids(at)])
