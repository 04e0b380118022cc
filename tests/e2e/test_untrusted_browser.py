"""Untrusted text in every place a workflow, a checkpoint or another reviewer can put it, in a real browser,
with a listener that logs every request: nothing loads, no link is live, the text reads as written.

Local store only: the hostile threads, a crash's decision row and a thread of an unknown workflow are planted in the
local database, and the hostile graph names a listener a LangGraph Server would need at its start (test_journeys.py's
untrusted-text journey runs on both backends)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import sqlite3

import pytest

from tests.e2e import hostile
from tests.e2e.conftest import Listener, Reviewer, running_app
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
            db.execute("INSERT INTO rc_decisions(decided_at, reviewer, thread_id, workflow, checkpoint_id, interrupt_id, "
                       "action, outcome, owner) VALUES ('2026-01-01T00:00:00', ?, 'e2e-h-half', 'counted', ?, ?, 'approve', "
                       "'pending', 'gone-host:1:dead')", (hostile.probes(url, "crash-name"), view.checkpoint_id, view.interrupts[0].id))
        _unknown_workflow_thread(db_path, hostile.probes(url, "workflow"))
    return prepare


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
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


@pytest.fixture
def person(page, hostile_app):
    app, listener = hostile_app
    listener.heard.clear()
    who = Reviewer(page, app)
    who.listener = listener
    yield who


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
    person.goto("/thread?thread_id=e2e-h-gate")
    node = readable(hostile.node_name(person.listener.url))  # a step is shown as words, still inert
    person.see(f"paused before “{node}” runs")
    person.see(f"The workflow paused before “{node}”")
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
    person.goto("/thread?thread_id=e2e-h-ask")
    person.sign_in()
    person.main().get_by_role("radiogroup").first.get_by_text("Edit", exact=True).click()
    inert_everywhere(person, "arg")


def test_a_failed_steps_error_on_the_thread_page_after_retry_and_on_start(person):
    person.goto("/thread?thread_id=e2e-h-fail")
    inert_everywhere(person, "error")
    person.sign_in()
    person.submit("Retry")
    person.expect(person.main().get_by_test_id("stAlert").filter(has_text="Broken on purpose").first).to_be_visible()
    inert_everywhere(person, "error")

    person.navigate("Start a workflow")
    combo = person.main().get_by_role("combobox", name="Workflow")
    combo.click()
    person.page.get_by_role("option", name="Hostile workflow").click()
    person.idle()
    inert_everywhere(person, "input-label")  # the description is Markdown, made safe: read by safe_markdown's tests
    inert_everywhere(person)
    person.main().get_by_role("textbox").first.fill("fail")
    person.field("Thread id (optional)").fill("e2e-h-start-fail")
    person.submit("Start")
    person.expect(person.main().get_by_test_id("stAlert").filter(has_text="Broken on purpose").first).to_be_visible()
    inert_everywhere(person, "error")
    person.screenshot("hostile-error-on-start")


def test_a_workflow_name_from_an_unknown_threads_metadata_in_the_title_and_its_notice(person):
    person.goto("/thread?thread_id=e2e-h-unknown")
    probe = hostile.probes(person.listener.url, "workflow")
    person.show(heading(person, f"{readable(probe)} (not loaded)"))  # an unloaded workflow's name, as words
    person.expect(person.main().get_by_test_id("stAlert").filter(has_text=probe)).to_be_visible()
    inert_everywhere(person, "workflow")


def test_a_reviewers_name_in_another_reviewers_refusal(person, browser, hostile_app):
    app, listener = hostile_app
    person.goto("/thread?thread_id=e2e-h-refusal")
    person.sign_in("Bob")  # Bob has the thread open …
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    try:  # … while a reviewer with a hostile name answers it first, in another browser
        mallory = Reviewer(other.new_page(), app)
        mallory.goto("/thread?thread_id=e2e-h-refusal")
        mallory.sign_in(hostile.probes(listener.url, "name")[:80])
        mallory.submit("Approve")
        mallory.see("Done. The workflow finished (published).", exact=True)
    finally:
        other.close()
    person.submit("Approve")
    person.see("This was already answered by")
    inert_everywhere(person)
    person.expect(person.main().get_by_test_id("stAlert").filter(has_text="![x](").first).to_be_visible()


def test_a_reviewers_name_in_the_crash_warning(person):
    person.goto("/thread?thread_id=e2e-h-half")
    person.see("The console stopped while applying a decision by")
    inert_everywhere(person, "crash-name")
    person.screenshot("hostile-crash-warning")
