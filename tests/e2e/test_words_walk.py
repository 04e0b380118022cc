"""Every screen, walked as a new reviewer in a real browser: no workflow id, node id, tool name, JSON or stack trace
in what the page shows (the raw payload and the state values, which are for developers, apart).

Run: .venv/bin/python -m pytest tests/e2e/test_words_walk.py -m e2e -q -p no:cacheprovider
The raw words are read from the console itself (its registry, its graphs' nodes, the tool names its paused threads
carry), so a new workflow or a renamed step is checked without editing this file.

Every screen is walked twice: on the local store, then in server mode over a real `langgraph dev`
(tests/server/graphs.py), where the raw words come from the server's own assistants and graphs
(assistants.search, assistants.get_graph(xray=True)) and the tool names its paused threads carry, and the threads
are the server's seeded threads of every interrupt format (tests/e2e/server_mode.py), in a metadata scope of their own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.conftest import open_tab, running_app, server_mode_app
from tests.e2e.test_screenshots import ENTRIES, THREADS, _start_threads

pytestmark = pytest.mark.e2e

DEMO = [f"demo-{n:04d}" for n in range(1, 14)]
ANSWERED = {"walk-approved": "content_approval", "walk-rejected": "content_approval"}
REOPENED = "walk-approved"  # approved, then reopened from its review: History shows both branches
# Expanders for the workflow's developer: what they hold is the workflow's own data, shown as it is.
DEVELOPER_PARTS = ("Raw payload (JSON)", "State values", "About this console", "For developers")
ALWAYS_RAW = ("thread_id", "checkpoint_id", "__start__", "__end__", "__interrupt__")
_SNAKE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+$")  # "send_email", "after_model"
# Filled before each app starts, per backend: the words, and the database path.
RAW: dict[str, dict[str, object]] = {"local": {}, "server": {}}
WALK_SCOPE = {"e2e": "walk"}  # the server-mode walk's threads: its inbox lists exactly them


def _raw_words(console_) -> set[str]:
    """The ids a reviewer must never read: workflow ids, node names (subgraphs' too), tool names in pending payloads."""
    words = set(ALWAYS_RAW)
    for name, graph in console_.graphs.items():
        words.add(name)
        try:
            nodes = graph.get_graph(xray=True).nodes
        except Exception:  # a graph that cannot be drawn: its workflow id is still checked
            nodes = {}
        for node in nodes:
            words.update(re.split(r"[:.]", str(node)))
    from console.inbox import InboxQuery

    rows = console_.inbox(InboxQuery(page_size=500)).rows
    for thread_id in rows["thread_id"]:
        for pending in console_.thread(thread_id).interrupts:
            words.update(_tool_names(pending.value))
    return {w for w in words if _SNAKE.match(w) or w.startswith("__")}


def _tool_names(value) -> set[str]:
    """Tool names wherever the known payloads carry them (Agent Inbox "action", HITL and tool-call "name")."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key in ("action", "name"):
            if isinstance(value.get(key), str):
                found.add(value[key])
        for inner in value.values():
            found |= _tool_names(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _tool_names(inner)
    return found


def _answer_and_reopen(console_, id_of=lambda local_id: local_id) -> None:
    """Approve one walk thread and reject the other, then reopen the approved one from its review: on either backend."""
    from console.decisions import Reviewer
    from console.time_travel import ReopenRequest
    from tests.conftest import answer

    ann = Reviewer("Ann")
    assert answer(console_, id_of("walk-approved"), "approve", ann).status == "applied"
    assert answer(console_, id_of("walk-rejected"), "reject", ann, reason="Not this week.").status == "applied"
    view = console_.thread(id_of(REOPENED))
    history = console_.history(view)
    review = history[history["waits for"] == "Review"]["checkpoint_id"].iloc[0]
    outcome = list(console_.reopen(ReopenRequest(view.thread_id, review, view.checkpoint_id), ann))[-1]
    assert outcome.status == "applied", outcome.message


def _prepare(db_path: Path) -> None:
    """The shapes' threads, two answered ones (one reopened), and the raw words of this database."""
    from console.decisions import Reviewer
    from console.service import Console
    from console.settings import Settings

    _start_threads(db_path)
    console_ = Console(Settings(db_path=db_path, seed_demo=False, extra_workflows=ENTRIES, offline_token_delay=0))
    try:
        for thread_id, workflow in ANSWERED.items():
            assert list(console_.start(workflow, "the walk", Reviewer("Ann"), thread_id))[-1].status == "started"
        _answer_and_reopen(console_)
        RAW["local"]["words"] = _raw_words(console_)
    finally:
        console_.close()
    RAW["local"]["db"] = str(db_path)


@pytest.fixture(scope="module")
def walk_server(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("walk"), own_threads=False, prepare=_prepare,
                     env_extra={"REVIEW_CONSOLE_WORKFLOWS": ",".join(ENTRIES)}) as app:
        yield app


# ---- the same walk in server mode ---------------------------------------------------------------------


def _server_threads() -> dict[str, tuple[str, dict]]:
    """The shapes' threads and the two to answer, as graph inputs for the LangGraph Server (local id → (graph, input))."""
    from workflows.registry import load_entry

    specs = {spec.name: spec for spec in map(load_entry, ENTRIES)}
    own = {thread_id: (graph, given if isinstance(given, dict) else specs[graph].make_input(given))
           for thread_id, (graph, given) in THREADS.items()}
    own.update({thread_id: (graph, {"topic": "the walk"}) for thread_id, graph in ANSWERED.items()})
    return own


def _server_words(url: str, thread_ids) -> set[str]:
    """The ids a reviewer must never read, from the server itself: its assistants' graph ids and names, every node of
    their graphs (subgraphs' too: xray), and the tool names the walk's paused threads carry."""
    from console.server.client import connect

    client = connect(url)
    words = set(ALWAYS_RAW)
    try:
        for assistant in client.assistants.search(limit=1000):
            words.update((assistant["graph_id"], assistant.get("name") or ""))
            try:
                nodes = client.assistants.get_graph(assistant["assistant_id"], xray=True).get("nodes") or ()
            except Exception:  # a graph that cannot be drawn (a factory): its graph id is still checked
                nodes = ()
            for node in nodes:
                words.update(re.split(r"[:.]", str(node.get("id", ""))))
        for thread_id in thread_ids:
            for task in client.threads.get_state(thread_id).get("tasks") or ():
                for pending in task.get("interrupts") or ():
                    words.update(_tool_names(pending.get("value")))
    finally:
        client.close()
    return {w for w in words if _SNAKE.match(w) or w.startswith("__")}


def _server_prepare(url: str, ids: dict[str, str]):
    def prepare(db_path: Path) -> None:
        """The answers go through a console on this database, so the app's decision log holds them."""
        from console.server.service import ServerConsole
        from console.settings import Settings

        console_ = ServerConsole(Settings(db_path=db_path, create_db=True, seed_demo=False, server_url=url,
                                          server_metadata=json.dumps(WALK_SCOPE)))
        try:
            _answer_and_reopen(console_, lambda local_id: ids[local_id])
        finally:
            console_.close()
        RAW["server"]["words"] = _server_words(url, ids.values())
        RAW["server"]["db"] = str(db_path)
    return prepare


@pytest.fixture(scope="module")
def walk_server_mode(langgraph_server, tmp_path_factory):
    """The app over a real `langgraph dev`, scoped to the walk's own threads there (REVIEW_CONSOLE_SERVER_METADATA)."""
    from tests.e2e.server_mode import seed

    ids, twins = seed(langgraph_server, scope=WALK_SCOPE, own=_server_threads(), spares=(), own_scope=WALK_SCOPE)
    with server_mode_app(tmp_path_factory.mktemp("walk-server-mode"), (langgraph_server, ids, twins),
                         prepare=_server_prepare(langgraph_server, ids),
                         env_extra={"REVIEW_CONSOLE_SERVER_METADATA": json.dumps(WALK_SCOPE)}) as app:
        yield app


@pytest.fixture(scope="module", params=["local", "server"])
def walk_app(request):
    """The walk's app: its own local store, then the app in server mode."""
    return request.getfixturevalue("walk_server" if request.param == "local" else "walk_server_mode")


@pytest.fixture
def walker(page, walk_app, request):
    """A fresh tab on the walk's app; its last screen is saved (artifacts/screenshots, "-server" in server mode)."""
    yield from open_tab(page, walk_app, request)


# The text a person reads: main area and sidebar, every expander but the developer's open, icons' ligature
# names ("keyboard_arrow_down") left out, and every table's cells and headings (a grid draws on a canvas,
# and keeps the same cells in an accessibility table beside it).
READ_PAGE = """(skip) => {
  const out = [];
  const roots = [document.querySelector('[data-testid=stMain]'), document.querySelector('[data-testid=stSidebar]')];
  const developer = (el) => {
    const box = el.closest('[data-testid=stExpander]');
    if (!box) return false;
    const summary = box.querySelector('summary');
    return summary !== null && skip.some(s => summary.innerText.includes(s)) && !summary.contains(el);
  };
  for (const root of roots.filter(Boolean)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || el.closest('[data-testid=stIconMaterial]') || el.closest('style, script')) continue;
      if (developer(el)) continue;
      const text = node.textContent.trim();
      if (text) out.push(text);
    }
  }
  return out;
}"""

CELLS = """() => Array.from(document.querySelectorAll('[data-testid=stDataFrame] table'))
  .flatMap(t => Array.from(t.querySelectorAll('th, td')).map(c => c.textContent.trim()))"""


def _open_expanders(walker) -> None:
    """Open every expander a reviewer may open (History, decisions, comments, the picture), not the developer's."""
    closed = walker.main().locator("[data-testid=stExpander] details:not([open]) > summary")
    for _ in range(20):  # a thread page has a handful; each click reruns nothing but may move the others
        labels = closed.all_inner_texts()
        left = [n for n, label in enumerate(labels) if not any(part in label for part in DEVELOPER_PARTS)]
        if not left:
            return
        summary = closed.nth(left[0]).element_handle()
        summary.click()
        try:  # a click that lands while a rerun redraws the page opens nothing: the loop reads the expanders again
            walker.page.wait_for_function("s => s.isConnected && s.parentElement.open", arg=summary, timeout=5_000)
        except PlaywrightTimeout:
            pass
        walker.idle()
    pytest.fail("the expanders did not stay open")


def _filter_options(walker) -> list[str]:
    """The options of every list box on the page (the inbox filters, the start page's workflow), as offered."""
    options: list[str] = []
    boxes = walker.main().locator("[data-testid=stMultiSelect], [data-testid=stSelectbox]")
    for n in range(boxes.count()):
        box = boxes.nth(n).locator("input").first
        if box.is_disabled():  # a filter with nothing to offer (server mode's "Waiting at"): no list to read
            continue
        box.click()
        listbox = walker.page.get_by_role("listbox")
        walker.expect(listbox.first).to_be_visible()
        options += listbox.first.get_by_role("option").all_inner_texts()
        walker.page.keyboard.press("Escape")
        walker.expect(listbox).to_have_count(0)
        walker.idle()
    return options


def raw_words_in(texts: list[str], cells: list[str], raw: dict) -> list[str]:
    """Every raw word, JSON brace, stack trace or negative step number in what the page shows."""
    words = sorted(raw["words"], key=len, reverse=True)
    ids = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, words)) + r")(?![\w-])")
    found = []
    for text in [*texts, *cells]:
        found += [f"{m.group(1)!r} in {text[:120]!r}" for m in ids.finditer(text)]
        for bad in ('{"', "Traceback"):
            if bad in text:
                found.append(f"{bad!r} in {text[:120]!r}")
        if re.search(r"\bstep -\d", text, re.I):
            found.append(f"a negative step in {text[:120]!r}")
        if raw["db"] in text:
            found.append(f"the database path in {text[:120]!r}")
    found += [f"a negative step number {c!r} in a table" for c in cells if re.fullmatch(r"-\d+", c)]
    return found


def read_screen(walker, menus: bool = False) -> tuple[list[str], list[str]]:
    walker.idle()
    walker.no_exception()
    _open_expanders(walker)
    texts = walker.page.evaluate(READ_PAGE, list(DEVELOPER_PARTS)) + (_filter_options(walker) if menus else [])
    return texts, walker.page.evaluate(CELLS)


def assert_plain(walker, menus: bool = False) -> None:
    texts, cells = read_screen(walker, menus)
    assert len(texts) > 5, texts  # the page was read, not a blank one
    found = raw_words_in(texts, cells, RAW[walker.server.backend])
    assert not found, "\n".join(found)


def test_the_raw_words_are_known(walk_app):
    """The check is only as good as its list: it holds the ids the walk must not meet."""
    words = RAW[walk_app.backend]["words"]
    assert {"content_approval", "tool_approval_per_call", "thread_id", "send_email", "schedule_meeting",
            "response_agent", "interrupt_handler"} <= words
    assert any("." not in w and w.islower() and "_" in w for w in words - set(ALWAYS_RAW))


@pytest.mark.parametrize("path, heading", [
    ("/", "Inbox"), ("/start", "Start a workflow"), ("/activity", "Activity"), ("/tour", "Guided tour")])
def test_each_page_in_plain_words(walker, path, heading):
    walker.goto("/")
    walker.sign_in()
    walker.goto(path)
    walker.show(walker.main().get_by_role("heading", name=heading, level=1))
    if path == "/":
        walker.show(walker.main().get_by_test_id("stDataFrame").first)
    assert_plain(walker, menus=path in ("/", "/start"))


@pytest.mark.parametrize("thread_id", [*DEMO, *THREADS, *ANSWERED])
def test_each_thread_in_plain_words(walker, thread_id):
    walker.goto("/")
    walker.sign_in()
    thread_id = walker.server.id(thread_id)  # its twin on the LangGraph Server, in server mode
    walker.goto(f"/thread?thread_id={thread_id}")
    walker.see(f"Thread {thread_id}", exact=True)
    assert_plain(walker)


@pytest.mark.parametrize("path, notice", [
    ("/thread", "Choose a thread in the inbox, or open a link to one."),
    ("/thread?thread_id=no-such-thread", "no-such-thread"),
    ("/thread?thread_id=not%20an%20id%21", "That is not a valid thread id."),
])
def test_the_notices_in_plain_words(walker, path, notice):
    walker.goto(path)
    walker.see(notice)
    assert_plain(walker)


def test_the_history_says_started_not_a_step_number(walker):
    """The reopened thread's History: steps in words, both branches, no saved-step ids unless asked for."""
    walker.goto("/")
    walker.sign_in()
    walker.goto(f"/thread?thread_id={walker.server.id(REOPENED)}")
    history = walker.main().get_by_test_id("stExpander").filter(has_text="History").first
    history.get_by_text("History", exact=True).click()
    table = history.get_by_test_id("stDataFrame")
    walker.show(table)
    cells = [c for row in walker.grid_rows(table) for c in row]
    assert "Started" in cells and "Reading the input" in cells and "Approved by Ann" in cells
    assert not [c for c in cells if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f-]{27}", c)]  # no checkpoint id shown
    headings = walker.page.evaluate("() => Array.from(document.querySelectorAll('[data-testid=stDataFrame] th'))"
                                    ".map(c => c.textContent.trim())")
    assert "Saved step id" not in headings and "What happened" in headings
