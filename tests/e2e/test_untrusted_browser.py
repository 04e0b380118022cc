"""Untrusted text in every place a workflow, a checkpoint or another reviewer can put it, in a real browser,
with a listener that logs every request: nothing loads, no link is live, the text reads as written.

Every journey runs on the local store and on a LangGraph Server. There the hostile graph
(tests/server/graphs.py:hostile) aims at the address the server was told when it started
(tests/server/conftest.py), which this module's server listener binds; an unknown workflow's thread is one whose
metadata names a graph the server does not serve; and the crash row is a decision a console that died left
pending while its run failed on the server mid-way, settled by the next console from what the server says."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import sqlite3
import uuid

import pytest

from tests.e2e import hostile
from tests.e2e.conftest import Listener, Reviewer, running_app, server_mode_app
from tests.e2e.test_journeys import heading
from console.formats.arguments import label as arg_label
from console.wording import readable

pytestmark = pytest.mark.e2e

WORKFLOWS = "tests.e2e.hostile:SPEC,tests.flows:COUNTED"


def _unknown_workflow_thread(db_path, name: str) -> None:
    """Another program's thread, its metadata naming a workflow this console does not have."""
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
    from langgraph.graph import END, START, StateGraph
    from typing import TypedDict

    class State(TypedDict, total=False):
        text: str

    async def write():
        async with AsyncSqliteSaver.from_conn_string(str(db_path)) as saver:
            graph = StateGraph(State)
            graph.add_node("elsewhere", lambda s: {"text": "written elsewhere"})
            graph.add_edge(START, "elsewhere")
            graph.add_edge("elsewhere", END)
            config = {"configurable": {"thread_id": "e2e-h-unknown"}, "metadata": {"workflow": name}}
            await graph.compile(checkpointer=saver).ainvoke({"text": "x"}, config, durability="sync")

    # On its own thread: Playwright's sync API keeps an event loop running on this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, write()).result()


def _prepare(url: str):
    def prepare(db_path) -> None:
        from console.decisions import Reviewer as Who
        from console.service import Console
        from console.settings import Settings
        from langgraph.types import Command

        app = Console(Settings(db_path=db_path, seed_demo=False, offline_token_delay=0, extra_workflows=tuple(WORKFLOWS.split(","))))
        try:
            for thread_id, mode in (("e2e-h-ask", "ask"), ("e2e-h-gate", "gate"), ("e2e-h-fail", "fail")):
                list(app.start("hostile", mode, Who("Seeder"), thread_id))
            list(app.start("content_approval", "the refusal journey", Who("Seeder"), "e2e-h-refusal"))
            # What a console killed inside `effect` leaves, decided by a reviewer with a hostile name.
            list(app.start("counted", json.dumps({"draft": "x", "effects": os.devnull}), Who("Seeder"), "e2e-h-half"))
            view = app.thread("e2e-h-half")
            app.bridge.run(app.graphs["counted"].ainvoke(
                Command(resume={view.interrupts[0].id: {"approved": True}}), {"configurable": {"thread_id": "e2e-h-half"}},
                interrupt_before=["effect"], durability="sync"))
        finally:
            app.close()
        with sqlite3.connect(db_path) as db:
            _crash_row(db, url, "e2e-h-half", "counted", view.checkpoint_id, view.interrupts[0].id)
        _unknown_workflow_thread(db_path, hostile.probes(url, "workflow"))
    return prepare


def _crash_row(db, url: str, thread_id: str, workflow: str, checkpoint_id: str, interrupt_id: str) -> None:
    """What a console killed while applying an approval leaves: a pending row, owned by a process that is gone,
    decided by a reviewer with a hostile name."""
    db.execute("INSERT INTO rc_decisions(decided_at, reviewer, thread_id, workflow, checkpoint_id, interrupt_id, "
               "action, outcome, owner) VALUES ('2026-01-01T00:00:00', ?, ?, ?, ?, ?, 'approve', 'pending', "
               "'gone-host:1:dead')", (hostile.probes(url, "crash-name"), thread_id, workflow, checkpoint_id, interrupt_id))


@pytest.fixture(scope="module")
def hostile_local(tmp_path_factory):
    listener = Listener()
    os.environ["E2E_LEAK_URL"] = listener.url  # this process seeds with the same hostile names as the server
    try:
        env = {"REVIEW_CONSOLE_WORKFLOWS": WORKFLOWS, "E2E_LEAK_URL": listener.url, "REVIEW_CONSOLE_DEMO": "false",
               "REVIEW_CONSOLE_DEMO_WORKFLOWS": "true",  # no demo threads, but the demo workflows the journey answers
               "REVIEW_CONSOLE_CREATE_DB": "true"}
        with running_app(tmp_path_factory.mktemp("hostile"), own_threads=False, env_extra=env,
                         prepare=_prepare(listener.url)) as app:
            yield app, listener
    finally:
        os.environ.pop("E2E_LEAK_URL", None)
        listener.close()


def _server_threads(url: str, leak_url: str) -> tuple[dict[str, str], tuple[str, str]]:
    """The hostile threads on the LangGraph Server (its graph aims at `leak_url`), the refusal journey's thread, an
    unknown workflow's thread, and a thread whose run failed on the server mid-way, after an answer: local id →
    server id, and (checkpoint, interrupt id) that answer was sent on."""
    from console.server.client import connect

    client = connect(url)
    try:
        ids = {}
        for local_id, mode in (("e2e-h-ask", "ask"), ("e2e-h-gate", "gate"), ("e2e-h-fail", "fail")):
            ids[local_id] = client.threads.create()["thread_id"]
            try:
                client.runs.wait(ids[local_id], "hostile", input={"mode": mode}, durability="sync")
            except Exception as exc:  # the SDK raises the run's error as a plain Exception
                assert mode == "fail" and hostile.probes(leak_url, "error") in str(exc), exc  # aimed at this listener
        ids["e2e-h-refusal"] = client.threads.create()["thread_id"]
        client.runs.wait(ids["e2e-h-refusal"], "content_approval", input={"topic": "the refusal journey"}, durability="sync")
        # Another program's thread, its metadata naming a graph this server does not serve (its state reads 404).
        ids["e2e-h-unknown"] = client.threads.create(metadata={"graph_id": hostile.probes(leak_url, "workflow")})["thread_id"]
        # The approval a console was applying when it died: its run failed on the server mid-way.
        half = ids["e2e-h-half"] = client.threads.create()["thread_id"]
        client.runs.wait(half, "fails_after_answer", input={"draft": "A draft"}, durability="sync")
        state = client.threads.get_state(half)
        seen = (state["checkpoint"]["checkpoint_id"], state["tasks"][0]["interrupts"][0]["id"])
        try:
            client.runs.wait(half, "fails_after_answer", command={"resume": {seen[1]: {"approved": True}}}, durability="sync")
        except Exception as exc:
            assert "the printer is out of paper" in str(exc), exc
        else:
            raise AssertionError("the run was to fail on the server")
    finally:
        client.close()
    return ids, seen


def _server_prepare(url: str, leak_url: str, thread_id: str, seen: tuple[str, str]):
    """The console's own database, made by a console, then the dead console's pending row written into it."""
    def prepare(db_path) -> None:
        from console.server.service import ServerConsole
        from console.settings import Settings

        ServerConsole(Settings(db_path=db_path, server_url=url, create_db=True, seed_demo=False)).close()
        with sqlite3.connect(db_path) as db:
            _crash_row(db, leak_url, thread_id, "fails_after_answer", *seen)
    return prepare


@pytest.fixture(scope="module")
def hostile_server(server_threads, tmp_path_factory):
    from tests.server.conftest import LEAK_URL_VARIABLE

    url, ids, twins = server_threads
    listener = Listener(int(os.environ[LEAK_URL_VARIABLE].rsplit(":", 1)[1]))  # where the server's graph aims
    try:
        mine, seen = _server_threads(url, listener.url)
        with server_mode_app(tmp_path_factory.mktemp("hostile-server-mode"), (url, {**ids, **mine}, twins),
                             prepare=_server_prepare(url, listener.url, mine["e2e-h-half"], seen)) as app:
            yield app, listener
    finally:
        listener.close()


@pytest.fixture(scope="module", params=["local", "server"])
def hostile_app(request):
    """The hostile threads' app: on the local store, then on a LangGraph Server."""
    return request.getfixturevalue("hostile_local" if request.param == "local" else "hostile_server")


def _person(page, app_and_listener):
    app, listener = app_and_listener
    listener.heard.clear()
    who = Reviewer(page, app)
    who.listener = listener
    return who


@pytest.fixture
def person(page, hostile_app):
    yield _person(page, hostile_app)


def thread(person, local_id: str) -> None:
    person.goto(f"/thread?thread_id={person.server.id(local_id)}")


def inert_everywhere(person: Reviewer, *where: str) -> None:
    """The probes for `where` read as written, and nothing of them is live: no request, no link, no image."""
    url = person.listener.url
    person.idle()
    for name in where:
        probe = hostile.probes(url, name)
        # Steps, argument keys and unknown workflows are shown as words (console.wording, formats.arguments).
        shown = {"node": readable(hostile.node_name(url)), "arg": arg_label(probe), "workflow": readable(probe),
                 "status": hostile.short_probe(url, name)}.get(name, probe)
        person.expect(person.main().get_by_text(shown, exact=False).first).to_be_visible()
    port = str(person.listener.port)
    # Heading anchors (href="#…") name the heading's own text and go nowhere: any other address is live.
    live = person.page.locator(f"a[href*='{port}']:not([href^='#']), img[src*='{port}'], [style*='{port}']")
    assert live.count() == 0, "\n".join(map(str, live.evaluate_all(
        "els => els.map(e => [e.outerHTML, e.closest('[data-testid^=st]')?.getAttribute('data-testid'), e.parentElement.outerHTML.slice(0, 300)])")))
    assert person.listener.heard == [], person.listener.heard
    person.no_exception()


def test_waiting_node_name_in_the_header_and_the_static_pause_then_state_keys_and_the_final_status(person):
    thread(person, "e2e-h-gate")
    node = readable(hostile.node_name(person.listener.url))  # a step is shown as words, still inert
    local = person.server.backend == "local"  # a server says neither "after" nor "before" (test_journeys.GATE_WORDS)
    person.see(f"paused before “{node}” runs" if local else f"paused at “{node}”")
    person.see(f"The workflow paused {'before' if local else 'at'} “{node}”")
    inert_everywhere(person, "node")
    person.sign_in()
    person.choose("Edit state then continue")
    person.show(person.main().get_by_text(hostile.state_key(person.listener.url), exact=False).first)  # a widget label
    inert_everywhere(person, "key")
    person.choose("Continue")
    person.submit("Continue")
    person.see(f"Done. The workflow finished ({hostile.short_probe(person.listener.url, 'status')}).", exact=True)
    inert_everywhere(person, "status")
    person.screenshot("hostile-node-keys-status")


def test_tool_argument_keys_as_widget_labels(person):
    thread(person, "e2e-h-ask")
    person.sign_in()
    person.main().get_by_role("radiogroup").first.get_by_text("Edit", exact=True).click()
    inert_everywhere(person, "arg")


def test_a_failed_steps_error_on_the_thread_page_after_retry(person):
    thread(person, "e2e-h-fail")
    inert_everywhere(person, "error")
    person.sign_in()
    person.submit("Retry")
    person.expect(person.main().get_by_test_id("stAlert").filter(has_text="Broken on purpose").first).to_be_visible()
    inert_everywhere(person, "error")


# The Start page's name for the hostile workflow: its spec's title, or the server's name for its graph's assistant.
HOSTILE_TITLE = {"local": "Hostile workflow", "server": "Hostile"}


def test_a_failed_steps_error_on_start(person):
    local = person.server.backend == "local"
    person.goto("/")
    person.sign_in()
    person.navigate("Start a workflow")
    combo = person.main().get_by_role("combobox", name="Workflow")
    combo.click()
    person.page.get_by_role("option", name=HOSTILE_TITLE[person.server.backend], exact=True).click()
    person.idle()
    if local:  # a server's form is made from the graph's input schema: its labels are its keys, shown as words
        inert_everywhere(person, "input-label")  # the description is Markdown, made safe: read by safe_markdown's tests
    inert_everywhere(person)
    person.main().get_by_role("textbox").first.fill("fail")  # the mode: the first field of both forms
    person.field("Thread id (optional)").fill("e2e-h-start-fail" if local else str(uuid.uuid4()))  # a server: a UUID
    person.submit("Start")
    person.expect(person.main().get_by_test_id("stAlert").filter(has_text="Broken on purpose").first).to_be_visible()
    inert_everywhere(person, "error")
    person.screenshot("hostile-error-on-start")


def test_a_workflow_name_from_an_unknown_threads_metadata_in_the_title_and_its_notice(person):
    thread(person, "e2e-h-unknown")
    probe = hostile.probes(person.listener.url, "workflow")
    person.show(heading(person, f"{readable(probe)} (not loaded)"))  # an unloaded workflow's name, as words
    person.expect(person.main().get_by_test_id("stAlert").filter(has_text=probe)).to_be_visible()
    inert_everywhere(person, "workflow")
    person.screenshot("hostile-unknown-workflow")


def test_a_reviewers_name_in_another_reviewers_refusal(person, browser, hostile_app):
    app, listener = hostile_app
    thread(person, "e2e-h-refusal")
    person.sign_in("Bob")  # Bob has the thread open …
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    try:  # … while a reviewer with a hostile name answers it first, in another browser
        mallory = Reviewer(other.new_page(), app)
        thread(mallory, "e2e-h-refusal")
        mallory.sign_in(hostile.probes(listener.url, "name")[:80])
        mallory.submit("Approve")
        mallory.see("Done. The workflow finished (published).", exact=True)
    finally:
        other.close()
    person.submit("Approve")
    person.see("This was already answered by")
    inert_everywhere(person)
    person.expect(person.main().get_by_test_id("stAlert").filter(has_text="![x](").first).to_be_visible()


def decision_rows(person) -> list[list[str]]:
    """The rows of "Decisions on this thread", opened."""
    box = person.main().get_by_test_id("stExpander").filter(has_text="Decisions on this thread")
    box.get_by_text("Decisions on this thread", exact=True).click()
    return person.grid_rows(person.show(box.get_by_test_id("stDataFrame")))


def test_a_reviewers_name_in_the_crash_warning(person):
    thread(person, "e2e-h-half")
    name = hostile.probes(person.listener.url, "crash-name")
    if person.server.backend == "local":  # this console ran the step: it says where the run stopped, and by whom
        person.see("The console stopped while applying a decision by")
        inert_everywhere(person, "crash-name")
    else:  # the server ran it and says how it ended; the next console settled the dead one's row from that
        person.see("The step “Print it” stopped with an error:", exact=True)
        person.see("the printer is out of paper")  # the server keeps RuntimeError('…'): the page says the message
        person.expect(person.main().get_by_text("RuntimeError(")).to_have_count(0)
    rows = decision_rows(person)
    # The reviewer, as written (a long name is cut to the column, with "…"), in the log.
    row = next((r for r in rows if any(cell.startswith(name[:40]) for cell in r)), None)
    assert row is not None, rows
    if person.server.backend == "server":  # settled from what the server says: never "applied" (the grid draws
        # only the columns in view, so the outcome and its words are read from the log itself)
        with sqlite3.connect(person.server.db_path) as db:
            settled = db.execute("SELECT outcome, detail FROM rc_decisions WHERE reviewer = ?", (name,)).fetchall()
        assert [(outcome, detail.split(" The thread")[0]) for outcome, detail in settled] == [
            ("unknown", "The console stopped while applying this decision.")], settled
    inert_everywhere(person)
    person.screenshot("hostile-crash-warning")
