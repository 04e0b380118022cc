"""The guided tour walked in a real browser, one journey per step; the workflow picture drawn offline.

The tour's server is its own (module-scoped): its steps start threads and its last journey resets
the demo data, which the shared server's journeys must not see. The walk-through's length is
printed (a figure for the README's presenter script), never asserted.

Every journey runs on the local store and on a LangGraph Server (`guide`: its tour steps start threads there; the
test server's two-stage review streams its revision over time, tests/server/graphs.py; the pictures are its
assistants' drawn graphs, of threads run there through langgraph-sdk), but the demo reset (`local_guide`: a
server's threads are not the console's demo data; test_a_server_offers_no_demo_reset checks it is not offered).
"""

import asyncio
import re
import threading
import time
from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import SHOTS, Reviewer, pick, running_app, server_mode_app
from tests.e2e.test_journeys import GATE_WORDS, WATCH_PROGRESS, draft, final_text

pytestmark = pytest.mark.e2e

WALK: dict[str, float] = {}  # journey → seconds in the browser, printed at the end


@pytest.fixture(scope="module")
def tour_server(tmp_path_factory):
    extra = "tests.tour_graphs:with_subgraph?name=checked_reply,tests.tour_graphs:hostile?name=hostile_names"
    with running_app(tmp_path_factory.mktemp("tour"), own_threads=False,
                     env_extra={"REVIEW_CONSOLE_WORKFLOWS": extra}) as app:
        _write_picture_threads(app.db_path)
        yield app
    if WALK:
        print("\nGuided tour walk-through in the browser: " + ", ".join(f"{k} {v:.1f} s" for k, v in WALK.items())
              + f"; total {sum(WALK.values()):.1f} s")


def _write_picture_threads(db_path):
    """Two threads written by "another program" (a plain saver): one waits inside a graph with a
    subgraph, one at a node whose name tries to break out of the picture's DOT."""
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    from tests.tour_graphs import hostile, with_subgraph

    async def write():
        async with AsyncSqliteSaver.from_conn_string(str(db_path)) as saver:
            for thread_id, name, build in (("e2e-subgraph", PICTURE_THREADS["e2e-subgraph"], with_subgraph),
                                           ("e2e-hostile", PICTURE_THREADS["e2e-hostile"], hostile)):
                config = {"configurable": {"thread_id": thread_id}, "metadata": {"workflow": name, "workflow_version": "1"}}
                await build().compile(checkpointer=saver).ainvoke({"text": "hello"}, config)

    # On a thread of its own: Playwright's sync API keeps an event loop running on this one.
    worker = threading.Thread(target=lambda: asyncio.run(write()), name="picture-threads")
    worker.start()
    worker.join(60)


PICTURE_THREADS = {"e2e-subgraph": "checked_reply", "e2e-hostile": "hostile_names"}  # local id → graph


@pytest.fixture(scope="module")
def tour_server_mode(server_mode, server_threads):
    """The app in server mode (conftest: `server_mode`), with the picture threads run on its LangGraph Server."""
    from console.server.client import connect
    from tests.e2e.server_mode import _run

    client = connect(server_threads[0])
    try:
        server_mode.ids.update({local_id: _run(client, graph, {}, input={"text": "hello"})
                                for local_id, graph in PICTURE_THREADS.items() if local_id not in server_mode.ids})
    finally:
        client.close()
    return server_mode


@pytest.fixture(scope="module", params=["local", "server"])
def tour_app(request):
    """The tour's own app (local), or the app in server mode."""
    return request.getfixturevalue("tour_server" if request.param == "local" else "tour_server_mode")


def _walk(page, app, request):
    person = Reviewer(page, app)
    started = time.monotonic()
    yield person
    where = "" if app.backend == "local" else f" ({app.backend})"
    WALK[request.node.originalname.removeprefix("test_") + where] = time.monotonic() - started
    person.screenshot(f"tour-{request.node.originalname}")


@pytest.fixture
def guide(page, tour_app, request):
    yield from _walk(page, tour_app, request)


@pytest.fixture
def local_guide(page, tour_server, request):
    yield from _walk(page, tour_server, request)


def open_step(guide, key, title):
    """From the tour page, the step's button: a new thread of its workflow, opened."""
    guide.goto("/tour")
    guide.sign_in()
    guide.show(guide.main().get_by_role("heading", name="Guided tour", level=1))
    box = guide.main().locator(f".st-key-tour-step-{key}")
    box.get_by_role("button", name="Open a new thread").click()
    guide.show(guide.main().get_by_role("heading", name=title, level=1))
    guide.idle()
    thread_id = guide.page.url.split("thread_id=")[1]
    guide.see(f"Thread {thread_id}", exact=True)
    return thread_id


def test_isolation(guide):
    first = open_step(guide, "isolation", "Content approval")
    second = open_step(guide, "isolation", "Content approval")
    assert first != second
    guide.submit("Approve")
    guide.see("Done. The workflow finished (published).", exact=True)
    guide.goto(f"/thread?thread_id={first}")  # the other thread did not move
    guide.see("Waiting for a reviewer · asks a question at “Review”", exact=True)
    guide.no_exception()


def test_static(guide):
    words = GATE_WORDS[guide.server.backend]  # a server says neither "after" nor "before"
    open_step(guide, "static", "Gated publication")
    guide.see(words[0], exact=True)
    guide.submit("Continue")
    guide.see(words[3], exact=True)
    guide.no_exception()


def test_dynamic(guide):
    open_step(guide, "dynamic", "Content approval")
    guide.see("Waiting for a reviewer · asks a question at “Review”", exact=True)
    guide.submit("Approve")
    guide.see("Done. The workflow finished (published).", exact=True)
    guide.expect(final_text(guide)).to_contain_text("a question from inside a step: here is what you need to know.")


def test_edit_state(guide):
    edited = "Written by the presenter during the tour."
    open_step(guide, "edit_state", "Gated publication")
    guide.choose("Edit state then continue")
    guide.field("draft").fill(edited)
    guide.submit("Save changes and continue")
    guide.submit("Confirm and send")  # a state edit is shown as a diff and confirmed first
    guide.see(GATE_WORDS[guide.server.backend][3], exact=True)
    guide.expect(draft(guide)).to_contain_text(edited)  # the next step worked on the edited text
    guide.no_exception()


def ask_for_change(guide, key, change, before_sending=None):
    """Open the step's two-stage thread and answer its first question with a change."""
    open_step(guide, key, "Two-stage review")
    guide.see("Step 1 of 2", exact=True)
    guide.choose("Request changes")
    guide.field("What should change?").fill(change)
    if before_sending is not None:
        before_sending()
    guide.submit("Request changes")
    guide.see("Answered. The workflow now waits for your next decision: step 2 of 2, at “Review”.", exact=True)


def test_multiple(guide):
    ask_for_change(guide, "multiple", "Add the date")
    guide.see("Step 2 of 2", exact=True)
    guide.submit("Approve")
    guide.see("Done. The workflow finished (published).", exact=True)
    guide.expect(final_text(guide)).to_contain_text("(Revised as asked: Add the date)")


def test_streaming(guide):
    ask_for_change(guide, "streaming", "Mention the opening party",
                   before_sending=lambda: guide.page.evaluate(WATCH_PROGRESS, "Answered. The workflow now waits for your next decision: step 2 of 2, at “Review”."))
    tokens = guide.page.evaluate("window.__progress")["tokens"]
    assert len(tokens) >= 5, f"the revision did not stream: {tokens}"  # word by word, before the result
    assert draft(guide).inner_text().strip() == tokens[-1].strip()


@pytest.mark.parametrize("where", ["local", "server"])
def test_persistence(page, tmp_path, where, request):
    """A thread started from the tour still waits at the same question after the console restarts."""
    def console():
        if where == "local":
            return running_app(tmp_path, own_threads=False)
        return server_mode_app(tmp_path, request.getfixturevalue("server_threads"))

    started = time.monotonic()
    with console() as first:
        guide = Reviewer(page, first)
        thread_id = open_step(guide, "persistence", "Content approval")
    with console() as second:  # a new process, the same database file (and, in server mode, the same server)
        guide = Reviewer(page, second)
        guide.goto(f"/thread?thread_id={thread_id}")
        guide.see(f"Thread {thread_id}", exact=True)
        guide.see("Waiting for a reviewer · asks a question at “Review”", exact=True)
        guide.no_exception()
        guide.screenshot("tour-test_persistence")
    WALK[f"persistence (two server starts, {where})"] = time.monotonic() - started


def test_time_travel(guide):
    """Approve, then reopen from the step that asked for review: the plan is read first, the question is asked again.
    On a LangGraph Server the reopen is the server's fork (console/server/time_travel.py), claimed and logged here."""
    local = guide.server.backend == "local"  # the README's pictures are the local tour's

    def picture(locator, name):
        if local:
            SHOTS.mkdir(parents=True, exist_ok=True)
            locator.screenshot(path=str(SHOTS / name))

    guide.goto("/tour")
    guide.sign_in()
    guide.expect(guide.main().get_by_role("button", name="Open a new thread").first).to_be_enabled()
    guide.main().get_by_text("Each step shows one pattern", exact=False).click()  # the name box done with, as a presenter leaves it
    guide.idle()
    picture(guide.page, "tour.png")  # the README's picture of the tour
    thread_id = open_step(guide, "time_travel", "Content approval")
    guide.submit("Approve")
    guide.see("Done. The workflow finished (published).", exact=True)
    history = guide.main().get_by_test_id("stExpander").filter(has_text="History").first
    history.get_by_text("History", exact=True).click()
    guide.show(history.get_by_test_id("stDataFrame"))
    choice = history.get_by_role("combobox", name="Reopen from an earlier step (administrators)")
    pick(guide, choice, "Step 1: Write draft; then waited for Review")
    guide.see("Reopening from step 1 runs “Review” again, then, depending on the answers, “Publish”", exact=False)
    guide.idle()
    history.scroll_into_view_if_needed()
    picture(history, "time-travel.png")
    guide.submit("Reopen from step 1")
    guide.see("Reopened from step 1. The workflow now waits for your next decision: a question at “Review”.", exact=True)
    guide.see("Waiting for a reviewer · asks a question at “Review”", exact=True)
    guide.expect(history.get_by_role("combobox")).to_have_value("")  # the old choice is cleared
    guide.idle()
    history.scroll_into_view_if_needed()
    picture(history, "time-travel-branches.png")  # both branches, the old one marked
    guide.choose("Reject")  # a different answer on the new branch
    guide.field("Reason for rejecting").fill("Not this week.")
    guide.submit("Reject")
    guide.see("Done. The workflow finished (rejected).", exact=True)
    guide.goto(f"/thread?thread_id={thread_id}")  # read again from the backend, not from the page's last run
    guide.see("Finished", exact=True)
    guide.expect(guide.main().get_by_test_id("stJson").first).to_contain_text("Not this week.")  # the new branch's state
    guide.no_exception()


def exactly(words: str):
    return re.compile(f"^{re.escape(words)}$")  # has_text alone matches any part, in any case


def test_the_picture_is_drawn_offline_with_the_waiting_step_lit(guide):
    """A subgraph's steps in a box of their own: the local graph's drawing, or the assistant's (xray) on a server."""
    leaving = []

    def local_only(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            return route.continue_()
        leaving.append(route.request.url)
        return route.abort()

    guide.page.route("**/*", local_only)  # offline: anything else is refused, and noted
    guide.goto(f"/thread?thread_id={guide.server.id('e2e-subgraph')}")
    guide.main().get_by_text("Picture of the workflow").click()
    svg = guide.show(guide.main().get_by_test_id("stGraphVizChart").locator("svg"))
    guide.expect(svg.locator("g.cluster")).to_have_count(1)  # the subgraph, as a box of its own steps
    guide.expect(svg.locator("g.cluster text").first).to_have_text("Checks")
    guide.expect(svg.locator("g.node text", has_text=exactly("Send reply (waits here)"))).to_have_count(1)
    for step in ("Draft reply", "Check facts", "Check tone"):  # each step by its own name, in the box or not
        guide.expect(svg.locator("g.node text", has_text=exactly(step))).to_have_count(1)
    guide.expect(svg.locator("g.edge")).to_have_count(5)
    guide.idle()
    if guide.server.backend == "local":  # the README's picture
        picture = guide.main().get_by_test_id("stExpander").filter(has_text="Picture of the workflow")
        picture.scroll_into_view_if_needed()
        SHOTS.mkdir(parents=True, exist_ok=True)
        picture.screenshot(path=str(SHOTS / "graph-picture.png"))
    # The picture asked for nothing: the only request for another host is the page icon Streamlit
    # fetches for ":material/…:" page icons (streamlit_app.py), refused here and drawn without.
    assert [u for u in leaving if "fonts.gstatic.com/s/i/" not in u] == [], leaving


def test_the_picture_of_a_new_thread_lights_its_waiting_step(guide):
    """On either backend: the local graph's own drawing, or the assistant's drawn graph on a LangGraph Server."""
    open_step(guide, "isolation", "Content approval")
    guide.main().get_by_text("Picture of the workflow").click()
    svg = guide.show(guide.main().get_by_test_id("stGraphVizChart").locator("svg"))
    guide.expect(svg.locator("g.node text", has_text="Review (waits here)")).to_have_count(1)
    for step in ("Write draft", "Publish"):
        guide.expect(svg.locator("g.node text", has_text=step)).to_have_count(1)
    guide.expect(svg.locator("g.edge")).to_have_count(5)
    guide.see("The lit step is where this thread waits. Dashed arrows are taken only on some answers.", exact=True)
    guide.no_exception()


def test_a_hostile_node_name_is_drawn_as_text(guide):
    from console.graph_picture import readable
    from tests.tour_graphs import HOSTILE

    guide.goto(f"/thread?thread_id={guide.server.id('e2e-hostile')}")
    guide.main().get_by_text("Picture of the workflow").click()
    svg = guide.show(guide.main().get_by_test_id("stGraphVizChart").locator("svg"))
    guide.expect(svg.locator("g.node")).to_have_count(3)  # start, the step, end: no node named "evil"
    guide.expect(svg.locator("g.edge")).to_have_count(2)
    guide.expect(svg.locator("g.node text", has_text="(waits here)")).to_have_text(readable(HOSTILE) + " (waits here)")
    guide.expect(svg.locator("b, a")).to_have_count(0)  # no element made from the name
    guide.no_exception()


def test_reset_demo_data(local_guide):
    guide = local_guide
    guide.goto("/tour")
    guide.sign_in()
    guide.submit("Reset demo data…")
    guide.see("Reset the demo data?")
    guide.submit("Yes, reset")
    guide.see("The demo data was reset.", exact=True)
    guide.see("Removed 13 demo threads and seeded 13 new ones.")
    guide.goto("/thread?thread_id=demo-r2-0001")
    guide.see("Waiting for a reviewer · asks a question at “Review”", exact=True)


def test_a_server_offers_no_demo_reset(page, server_mode):
    """In server mode the tour opens, and its reset is not offered: a server's threads are not the demo's."""
    guide = Reviewer(page, server_mode)
    guide.goto("/tour")
    guide.sign_in()
    guide.show(guide.main().get_by_role("heading", name="Guided tour", level=1))
    guide.expect(guide.main().get_by_role("button", name="Open a new thread").first).to_be_enabled()
    guide.expect(guide.main().get_by_role("button", name="Reset demo data…")).to_have_count(0)
    guide.no_exception()
