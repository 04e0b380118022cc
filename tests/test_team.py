"""A team's own graphs: Functional API entrypoints, interrupts inside subgraphs, broken entries kept apart,
and the Start form read from the graph's input schema."""

import asyncio

import pytest

from console.errors import InvalidAnswer
from console.settings import load_settings
from console.start_input import graph_input, input_fields
from tests.conftest import ANN, other_saver
from tests.test_pages import choose, fill, open_thread, submit, texts
from tests.test_formats_pages import confirm
from ui import keys
from workflows.registry import DEMO_WORKFLOWS, load_entry, load_registry

ANNOUNCEMENT = "examples.announcement:announcement"
EMAIL = "tests.team_graphs:build_email_assistant?name=email_assistant&title=Email assistant"
BROKEN_IMPORT = "tests.team_graphs_bad:graph?name=billing"
BROKEN_COMPILE = "tests.team_graphs:build_broken?name=triage"
SUPPORT = "examples.support_reply:build?interrupt_before=send_reply"


def start_on_page(at, workflow, fields, thread_id):
    at.switch_page(keys.START_PAGE).run()
    at.session_state["start-workflow"] = workflow
    at.run()
    for label, value in fields.items():
        fill(at, label, value)
    at.text_input(key="start-thread-id").input(thread_id)
    return submit(at, "Start")


# ---- Functional API -------------------------------------------------------------------


def test_an_entrypoint_loads_and_its_own_checkpointer_is_replaced(caplog):
    spec = load_entry(ANNOUNCEMENT)
    assert spec.name == "announcement" and spec.attach is not None
    assert spec.notes == ("its own checkpointer (InMemorySaver) is replaced by the console's database",)
    assert "replaced by the console's database" in caplog.text  # logged, not silent
    from examples.announcement import announcement
    graph = spec.compile(object.__new__(type(announcement.checkpointer)))
    assert graph.checkpointer is not announcement.checkpointer and announcement.checkpointer is not None


def test_an_entrypoint_is_started_and_answered_on_the_pages(app, monkeypatch, make_console):
    monkeypatch.setenv("REVIEW_CONSOLE_WORKFLOWS", ANNOUNCEMENT)
    at = start_on_page(app.run(), "announcement", {"Topic (required)": "the summer fair", "Audience": "members"}, "fair")
    assert not at.exception and "now waits" in texts(at)
    at = open_thread(at, "fair")
    assert "Dear members, we are pleased to announce the summer fair." in texts(at)
    at = choose(at, "Edit")
    fill(at, "Edited draft", "Dear members, the summer fair is on 5 July.")
    at = confirm(submit(at, "Approve edited version"))  # an edit is shown as a diff and confirmed
    assert not at.exception and "finished" in texts(at)
    # What the @entrypoint received: the edited draft went through its @task.
    values = make_console(seed_demo=False, extra_workflows=(ANNOUNCEMENT,)).thread("fair").values
    assert values == {"status": "published", "published": "published: Dear members, the summer fair is on 5 July."}


# ---- a subgraph's interrupt -------------------------------------------------------------


def test_an_interrupt_inside_a_subgraph_is_answered_on_the_pages(app, monkeypatch, make_console):
    monkeypatch.setenv("REVIEW_CONSOLE_WORKFLOWS", EMAIL)
    at = start_on_page(app.run(), "email_assistant", {"Email": "my parcel is late"}, "mail-1")
    assert not at.exception and "now waits" in texts(at)
    at = open_thread(at, "mail-1")
    assert "Thanks for your message about my parcel is late." in texts(at)
    at = choose(at, "Reject")
    fill(at, "Reason for rejecting", "Say sorry first.")
    at = submit(at, "Reject")
    assert not at.exception and "finished" in texts(at)
    values = make_console(seed_demo=False, extra_workflows=(EMAIL,)).thread("mail-1").values
    assert values["decision"] == {"approved": False, "reason": "Say sorry first."}  # what interrupt() returned inside


def test_two_subgraph_interrupts_pending_are_answered_by_id(make_console):
    console_ = make_console(seed_demo=False, extra_workflows=("tests.team_graphs:build_two_mailboxes?name=mailboxes",))
    list(console_.start("mailboxes", {"email": "two letters"}, ANN, thread_id="two"))
    view = console_.thread("two")
    assert len(view.interrupts) == 2
    from console.decisions import DecisionRequest
    second = view.interrupts[1]
    list(console_.decide(DecisionRequest("two", view.checkpoint_id, second.id, "approve", {}), ANN))
    view = console_.thread("two")
    assert [i.id for i in view.interrupts] == [next(i.id for i in console_.thread("two").interrupts)]
    assert second.id not in {i.id for i in view.interrupts}


# ---- a broken entry stays isolated --------------------------------------------------------


def test_broken_entries_are_problems_of_their_own():
    registry, problems = load_registry([BROKEN_IMPORT, SUPPORT, "no_such_team_module:graph", SUPPORT], demo=False)
    assert list(registry) == ["support_reply"]
    assert [(p.name, p.reason) for p in problems] == [
        ("billing", "importing it failed: RuntimeError: TEAM_API_KEY is not set"),
        ("no_such_team_module", "the module 'no_such_team_module' cannot be imported (No module named 'no_such_team_module'); "
                  "is its folder on PYTHONPATH, or its package installed in .venv?"),
        ("support_reply", "another workflow is already named 'support_reply'; add ?name=… to one of them"),
    ]


def test_a_broken_entry_leaves_the_others_working(make_console, db_path):
    async def run_elsewhere():  # the team's own process ran a "billing" thread before its module broke
        from langgraph.graph import END, START, StateGraph
        from langgraph.types import interrupt
        from tests.team_graphs import Email
        graph = StateGraph(Email)
        graph.add_node("ask", lambda s: {"reply": interrupt("ok?")})
        graph.add_edge(START, "ask")
        graph.add_edge("ask", END)
        async with other_saver(db_path) as saver:
            await graph.compile(checkpointer=saver).ainvoke(
                {"email": "x"}, {"configurable": {"thread_id": "bill-1"}, "metadata": {"workflow": "billing"}})
    asyncio.run(run_elsewhere())
    console_ = make_console(seed_demo=False, extra_workflows=(BROKEN_IMPORT, BROKEN_COMPILE, SUPPORT))
    assert set(console_.registry) >= {"support_reply", "content_approval"}
    assert [(p.name, p.reason.split(":")[0]) for p in console_.workflow_problems] == [
        ("billing", "importing it failed"), ("triage", "it does not compile")]
    assert console_.thread("bill-1").error == "Workflow not loaded: importing it failed: RuntimeError: TEAM_API_KEY is not set"
    list(console_.start("support_reply", {"ticket": "my order"}, ANN, thread_id="t-1"))
    assert console_.thread("t-1").status == "waiting"


def test_a_broken_entry_shows_a_notice_and_the_pages_still_work(app, monkeypatch):
    monkeypatch.setenv("REVIEW_CONSOLE_WORKFLOWS", f"{BROKEN_IMPORT},{SUPPORT}")
    at = app.run()
    assert not at.exception
    assert "A workflow could not be loaded" in texts(at)
    assert "tests.team_graphs_bad:graph?name=billing: importing it failed: RuntimeError: TEAM_API_KEY is not set" in texts(at)
    assert "13 waiting" in texts(at)  # the inbox of the other workflows
    at = start_on_page(at, "support_reply", {"Ticket (required)": "my parcel"}, "t-2")
    assert not at.exception and "now waits" in texts(at)


# ---- the Start form reads the graph's input schema -----------------------------------------


def test_the_start_form_asks_for_the_graph_input_keys(app, monkeypatch, make_console):
    monkeypatch.setenv("REVIEW_CONSOLE_WORKFLOWS", SUPPORT)
    at = start_on_page(app.run(), "support_reply", {}, "t-3")
    assert "Please fill in “Ticket”." in texts(at)  # required, and named: not a KeyError from inside the graph
    fill(at, "Ticket (required)", "my parcel is late")
    at = submit(at, "Start")
    assert not at.exception and "now waits" in texts(at)
    assert make_console(seed_demo=False, extra_workflows=(SUPPORT,)).thread("t-3").values["ticket"] == "my parcel is late"


def test_input_fields_and_values_follow_the_schema():
    spec = load_entry("tests.team_graphs:build_typed_start")
    graph = spec.compile(None)
    fields = {f.key: (f.label, f.kind, f.required) for f in input_fields(spec, graph)}
    assert fields == {"topic": ("Topic (required)", "long_text", True), "word_count": ("Word count", "integer", False),
                      "urgent": ("Urgent", "boolean", False), "tags": ("Tags", "json", False)}
    assert graph_input(spec, graph, {"topic": " t ", "word_count": "300", "urgent": True, "tags": '["a"]'}) == \
        {"topic": "t", "word_count": 300, "urgent": True, "tags": ["a"]}
    with pytest.raises(InvalidAnswer, match="“Word count” must be a whole number"):
        graph_input(spec, graph, {"topic": "t", "word_count": "3.5"})
    with pytest.raises(InvalidAnswer, match="Please fill in “Topic”"):
        graph_input(spec, graph, {"word_count": "3"})
    assert graph_input(spec, graph, '{"topic": "from a script"}') == {"topic": "from a script"}  # one text still works


# ---- demo workflows ------------------------------------------------------------------------


@pytest.mark.parametrize("env, seeded, listed", [
    ({}, True, True),
    ({"REVIEW_CONSOLE_DB": "postgresql://rc@db.internal/reviews"}, False, False),
    ({"REVIEW_CONSOLE_DB": "postgresql://rc@db.internal/reviews", "REVIEW_CONSOLE_DEMO": "1"}, True, True),
    ({"REVIEW_CONSOLE_DEMO": "0"}, False, False),
    ({"REVIEW_CONSOLE_DEMO_WORKFLOWS": "0"}, False, False),
    ({"REVIEW_CONSOLE_DEMO": "0", "REVIEW_CONSOLE_DEMO_WORKFLOWS": "1"}, False, True),
])
def test_demo_workflows_and_threads_follow_the_settings(monkeypatch, env, seeded, listed):
    for name in ("REVIEW_CONSOLE_DB", "REVIEW_CONSOLE_DEMO", "REVIEW_CONSOLE_DEMO_WORKFLOWS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert (settings.seed_demo, settings.demo_workflows) == (seeded, listed)


def test_hidden_demo_workflows_are_not_listed(make_console):
    console_ = make_console(seed_demo=True, demo_workflows=False, extra_workflows=(SUPPORT,))
    assert list(console_.registry) == ["support_reply"]
    assert console_.inbox().total == 0  # and nothing was seeded
    assert not {spec.name for spec in DEMO_WORKFLOWS} & set(console_.registry)
