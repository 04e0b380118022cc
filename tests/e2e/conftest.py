"""Browser fixtures: Debian's Chromium, one `streamlit run` of the real app, and a reviewer's page.

One server serves the whole session, on a fresh temporary database holding
the six demo threads plus one thread per test that changes state (ids
"e2e-…"), so no test answers a thread another test looks at. Every wait is
on app state and bounded; none is a sleep.

`backend` runs a journey twice: on that app, then on the app in server mode over a real
`langgraph dev` (`server_mode`: twins of those threads, tests/e2e/server_mode.py).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The one browser path: .ci/run installs Debian's chromium here and exports the same variable.
CHROMIUM = Path(os.environ.get("REVIEW_CONSOLE_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("REVIEW_CONSOLE_REQUIRE_BROWSER", "").strip().lower() in ("1", "true", "yes", "on")
SHOTS = ROOT / "artifacts" / "screenshots"

SERVER_START_S = 60  # streamlit up and /_stcore/health answering
WAIT_MS = 30_000  # any one wait on the page (a resumed run included)
ROW_PX = 35  # st.dataframe's default row (and header) height
TOKEN_DELAY_S = "0.05"  # the offline model's pause between tokens: long enough to watch, short enough to wait for

# Threads each changing test owns: id → (workflow, input text).
OWN_THREADS = {
    "e2e-approve": ("content_approval", "the approve journey"),
    "e2e-reject": ("content_approval", "the reject journey"),
    "e2e-edit": ("content_approval", "the edit journey"),
    "e2e-gate": ("gated_publication", "the gate journey"),
    "e2e-two-stage": ("two_stage_review", "the two-stage journey"),
    "e2e-progress": ("two_stage_review", "the progress journey"),
}


def pytest_collection_modifyitems(config, items):
    """Browser tests run last, and without Chromium are skipped saying why (never a silent pass).

    Last, because Playwright's sync API leaves its event loop marked as running on the main thread
    until the session ends: any later test calling asyncio.run() would fail."""
    browser = [item for item in items if "e2e" in item.keywords]
    items[:] = [item for item in items if "e2e" not in item.keywords] + browser
    if CHROMIUM.exists() or not browser:
        return
    if REQUIRE_BROWSER:  # CI: a browser test that cannot run is a failure, not a skip
        raise pytest.UsageError(f"REVIEW_CONSOLE_REQUIRE_BROWSER is set but {CHROMIUM} is missing "
                                f"({len(browser)} browser tests cannot run): apt-get install chromium")
    skip = pytest.mark.skip(reason=f"browser tests skipped: {CHROMIUM} is missing (apt-get install chromium)")
    for item in browser:
        item.add_marker(skip)


# ---- pytest-playwright configuration ------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}


# ---- the app server -----------------------------------------------------------------------


@dataclass
class Server:
    url: str
    db_path: Path
    log_path: Path
    demo_threads: list[tuple[str, str, str]]  # (thread id, workflow, kind of pause), oldest first
    backend: str = "local"  # or "server": the app reads a LangGraph Server's threads (REVIEW_CONSOLE_SERVER)
    ids: dict[str, str] = field(default_factory=dict)  # a local thread id ("demo-0002", "e2e-approve") → its twin's
    inbox_search: str = "demo-"  # what the inbox's search box takes to list exactly the demo threads
    pause_kinds: frozenset = frozenset({"asks a question", "paused after a step", "paused before a step"})

    def id(self, local_id: str) -> str:
        """The thread a journey knows by its local id, on this backend."""
        return self.ids.get(local_id, local_id)

    def spare(self, local_id: str) -> str:
        """A demo thread a journey may answer: a fresh app's own (local), a second twin (server)."""
        return self.ids.get(f"spare:{local_id}", local_id)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(db_path: Path, own_threads: dict[str, tuple[str, str]]) -> list[tuple[str, str, str]]:
    """The demo threads, plus the threads owned by tests that change state; written before the server starts.
    Returns the demo threads as the inbox lists them: (thread id, workflow, kind of pause), oldest first."""
    from console.decisions import Reviewer
    from console.service import Console
    from console.settings import Settings

    from console.inbox import InboxQuery

    app = Console(Settings(db_path=db_path, seed_demo=True, offline_token_delay=0))
    try:
        demo = app.inbox(InboxQuery(search="demo-", page_size=500)).rows
        for thread_id, (workflow, text) in own_threads.items():
            outcome = list(app.start(workflow, text, Reviewer("Seeder"), thread_id))[-1]
            assert outcome.status == "started", outcome.message
    finally:
        app.close()
    return [(row.thread_id, row.workflow, row["kind of pause"]) for _, row in demo.iterrows()]


from tests.server.conftest import langgraph_server  # noqa: E402,F401  (the fixture: one `langgraph dev` per session)
from tests.server.launch import stop_server as _stop  # noqa: E402  (stop a process group, politely then firmly)


@contextlib.contextmanager
def running_app(folder: Path, own_threads: bool = True, env_extra: dict[str, str] | None = None, prepare=None,
                local_seed: bool = True):
    """`streamlit run` of the real app on a free loopback port, on a fresh database in `folder`;
    `prepare(db_path)` writes more threads before the server starts; local_seed=False writes none (server mode)."""
    db_path = folder / "checkpoints.db"
    demo_threads = _seed(db_path, OWN_THREADS if own_threads else {}) if local_seed else []
    if prepare is not None:
        prepare(db_path)
    port = _free_port()
    log_path = folder / "streamlit.log"
    env = {
        **os.environ,
        "REVIEW_CONSOLE_DB": str(db_path),
        "REVIEW_CONSOLE_TOKEN_DELAY": TOKEN_DELAY_S,
        "REVIEW_CONSOLE_DEMO": "true",
        "PYTHONUNBUFFERED": "1",
        **(env_extra or {}),
    }
    command = [
        sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", db_path, log_path, demo_threads)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with code {process.returncode} before it was healthy:\n{server.log_tail()}")
            try:
                with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit was not healthy within {SERVER_START_S} s:\n{server.log_tail()}")
            time.sleep(0.2)  # the health check's polling interval (a server, not the page)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    """The app most journeys share: demo threads plus one thread per changing test."""
    with running_app(tmp_path_factory.mktemp("e2e-server")) as app:
        yield app


@pytest.fixture
def fresh_server(tmp_path) -> Server:
    """An app no browser has visited yet: for what only happens on a server's first visit."""
    with running_app(tmp_path, own_threads=False) as app:
        yield app


# ---- the same app in server mode, over a real `langgraph dev` (tests/server) ----------------


@pytest.fixture(scope="session")
def server_threads(langgraph_server) -> tuple[str, dict[str, str], list]:
    """The LangGraph Server's url, local id → server thread id, and the demo twins (tests/e2e/server_mode.py)."""
    from tests.e2e.server_mode import seed

    return (langgraph_server, *seed(langgraph_server))


@contextlib.contextmanager
def server_mode_app(folder: Path, server_threads, prepare=None, env_extra: dict[str, str] | None = None):
    """The app with REVIEW_CONSOLE_SERVER set: its own database holds only claims and the decision log;
    `prepare(db_path)` writes into that database before the app starts."""
    from tests.e2e.server_mode import DEMO_SEARCH

    url, ids, twins = server_threads
    env = {"REVIEW_CONSOLE_SERVER": url, "REVIEW_CONSOLE_DEMO": "false", "REVIEW_CONSOLE_CREATE_DB": "true",
           **(env_extra or {})}
    with running_app(folder, own_threads=False, env_extra=env, local_seed=False, prepare=prepare) as app:
        app.backend, app.ids, app.demo_threads, app.inbox_search = "server", ids, twins, DEMO_SEARCH
        app.pause_kinds = frozenset({"asks a question", "paused"})  # a search row does not say before or after
        yield app


@pytest.fixture(scope="session")
def server_mode(server_threads, tmp_path_factory) -> Server:
    with server_mode_app(tmp_path_factory.mktemp("e2e-server-mode"), server_threads) as app:
        yield app


@pytest.fixture
def fresh_server_mode(server_threads, tmp_path) -> Server:
    with server_mode_app(tmp_path, server_threads) as app:
        yield app


@pytest.fixture(scope="module", params=["local", "server"])
def backend(request) -> Server:
    """The app a parametrised journey runs on: the local store (`server`), then a LangGraph Server (`server_mode`)."""
    return request.getfixturevalue("server" if request.param == "local" else "server_mode")


@pytest.fixture
def fresh_backend(backend, request) -> Server:
    """An app on the same backend that no browser has visited yet."""
    return request.getfixturevalue("fresh_server" if backend.backend == "local" else "fresh_server_mode")


# ---- a reviewer's page --------------------------------------------------------------------


SETTLED = """() => document.querySelector(
    '[data-testid=stApp][data-test-connection-state=CONNECTED][data-test-script-state=notRunning]') !== null
  && document.querySelector('[data-stale=true], [data-testid=stSkeleton]') === null"""


class Reviewer:
    """The real app in one browser tab, with the few gestures every journey uses."""


    def __init__(self, page, server: Server) -> None:
        from playwright.sync_api import expect

        self.page = page
        self.server = server
        self.expect = expect
        self.dialogs: list[str] = []
        page.on("dialog", self._on_dialog)
        page.set_default_timeout(WAIT_MS)
        expect.set_options(timeout=WAIT_MS)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    # waiting ----------------------------------------------------------------------------
    def idle(self, timeout_ms: float = WAIT_MS) -> None:
        """Connected, no script running, nothing drawn stale or as a placeholder. A fast rerun may never
        show "running": callers also wait for what the new state shows."""
        self.page.wait_for_function(SETTLED, polling="raf", timeout=timeout_ms)

    def show(self, locator):
        """Wait until `locator` is visible, or fail at once if the app shows an exception box instead."""
        exception = self.page.get_by_test_id("stException")
        self.expect(locator.or_(exception).first).to_be_visible()
        if exception.count():
            pytest.fail(f"the app shows an exception box: {exception.first.inner_text()[:300]}")
        return locator

    def goto(self, path: str = "/") -> None:
        self.page.goto(self.server.url + path)
        self.idle()
        self.show(self.main().get_by_role("heading", level=1).first)

    def main(self):
        return self.page.get_by_test_id("stMain")

    def sidebar(self):
        return self.page.get_by_test_id("stSidebar")

    def see(self, text: str, exact: bool = False):
        """Wait until `text` is visible in the main area; returns its locator."""
        return self.show(self.main().get_by_text(text, exact=exact).first)

    def no_exception(self) -> None:
        self.expect(self.page.get_by_test_id("stException")).to_have_count(0)

    # gestures ---------------------------------------------------------------------------
    def sign_in(self, name: str = "Ann") -> None:
        box = self.sidebar().get_by_role("textbox", name="Your name")
        box.fill(name)
        box.press("Enter")
        self.expect(self.sidebar().get_by_text("Enter your name to approve")).to_have_count(0)
        self.idle()

    def navigate(self, title: str) -> None:
        self.sidebar().get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
        self.show(self.main().get_by_role("heading", name=title, level=1))
        self.idle()

    def choose(self, decision: str) -> None:
        """Pick one option of the radio "Your decision" (its input is hidden; its label is what a person clicks)."""
        self.idle()  # not while a rerun still shows the last run's radio beside the new one
        group = self.main().get_by_role("radiogroup", name="Your decision")
        group.get_by_text(decision, exact=True).click()
        self.expect(group.get_by_role("radio", name=decision, exact=True)).to_be_checked()
        self.idle()

    def button(self, label: str):
        return self.main().get_by_role("button", name=label, exact=True)

    def submit(self, label: str) -> None:
        button = self.button(label)
        self.expect(button).to_be_enabled()
        button.click()

    def field(self, label: str):
        return self.main().get_by_role("textbox", name=re.compile(rf"^{re.escape(label)}( \*)?$"))

    def grid_rows(self, table, count: int | None = None) -> list[list[str]]:
        """The rows of an st.dataframe as text, read from the accessibility table the grid keeps beside
        its canvas: `count` rows, or (count=None) the rows drawn so far, at least one (it draws only
        what fits its height)."""
        rows = table.locator("tbody tr")
        if count is None:
            self.expect(rows.first).to_be_attached()
        else:
            self.expect(rows).to_have_count(count)
        return rows.evaluate_all(
            "rows => rows.map(r => Array.from(r.querySelectorAll('td')).map(c => c.innerText))")

    def click_row(self, table, index: int) -> None:
        """Tick row `index` of a selectable st.dataframe: a click by position on its canvas, in the row-marker column."""
        canvas = table.locator("canvas").first
        self.expect(canvas).to_be_visible()
        self.idle()  # not while a rerun redraws the grid
        box = canvas.bounding_box()
        x = box["x"] + ROW_PX / 2  # the row-marker (tick box) column, as wide as a row is high
        y = box["y"] + ROW_PX * (index + 1) + ROW_PX / 2  # below the header row
        self.page.mouse.click(x, y)

    def screenshot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}{'' if self.server.backend == 'local' else '-' + self.server.backend}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def reviewer(page, server, request):
    """A fresh tab (fresh Streamlit session) on the app; its final screen is saved when the test ends."""
    yield from open_tab(page, server, request)


@pytest.fixture
def backend_reviewer(page, backend, request):
    """The same, on the parametrised backend."""
    yield from open_tab(page, backend, request)


def open_tab(page, app: Server, request):
    person = Reviewer(page, app)
    yield person
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.originalname)
    try:
        person.idle(timeout_ms=5_000)
    except Exception:
        pass  # a failed test still gets its screenshot, as the screen is
    person.screenshot(name)


# ---- a listener that must hear nothing ----------------------------------------------------


class Listener:
    """A tiny HTTP server on loopback that counts every request it gets (paths, in order)."""

    def __init__(self, port: int = 0) -> None:
        """On a free port, or on `port` (one a LangGraph Server's graph was told to aim at)."""
        import http.server
        import threading

        heard: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                heard.append(self.path)
                self.send_response(204)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()

            do_POST = do_HEAD = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.heard = heard
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="leak-listener", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@pytest.fixture
def listener():
    heard = Listener()
    yield heard
    heard.close()


# An expander just clicked open grows by a Web Animation; when it ends, its height is set back to auto,
# the page's scroll position can be clamped, and react-aria shuts an open list when any area around it
# scrolls. A person sees the expander open before using what is in it: so does pick.
OPENED = """el => { const box = el.closest('details');
  return !box || (box.open && box.getAnimations().length === 0 && !box.style.height); }"""


def pick(guide, box, option_name):
    """Choose an option of an st.selectbox with one click into it, as a reviewer does: the list stays open
    through the page's reruns (tests/e2e/test_select_stays_open.py holds the app to that)."""
    box.scroll_into_view_if_needed()  # below the fold: the page's own scroll area, not the window's
    guide.idle()
    guide.page.wait_for_function(OPENED, arg=box.element_handle(), polling="raf")
    box.click()
    guide.page.get_by_role("option", name=option_name, exact=True).click()
    guide.expect(box).to_have_value(option_name)
