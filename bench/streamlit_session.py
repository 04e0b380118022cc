"""A browser's side of Streamlit's websocket protocol, for tests and benchmarks: one Session per tab.

It speaks what the frontend speaks (streamlit 1.67, `frontend/app/src/App.tsx`):

- connect to `ws://HOST:PORT/_stcore/stream` with the subprotocol `streamlit`. The second
  subprotocol entry is the XSRF token, checked only when an `Origin` header is sent, and only to
  read the sign-in cookie: a client with no Origin and no cookie is an anonymous visitor;
- `BackMsg(rerun_script=ClientState(...))` with the query string, the page (its script hash once
  the server has named the pages, else its url path as `page_name`, as on a first deep-link
  visit) and the widget states;
- ForwardMsgs: `new_session` / `script_finished` carry the run's identity (`metadata.run`), so a
  reply is matched to its request even while fragments rerun alongside;
- `run_every` fragments: on `auto_rerun(fragment_id, interval)` a timer is armed (re-arming the
  same interval keeps the countdown); each tick sends `rerun_script(fragment_id=…,
  is_auto_rerun=True)` with the current widget states; a full run's `new_session` or a page change
  clears every timer. Fragment-run times are recorded like any other run.

Widget states: like `WidgetStateManager`, values set once are sent on every later rerun; a
trigger (a button click) is sent once. Widgets are found by label in the last full run's deltas.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from urllib.parse import quote

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
        ForwardMsg.FINISHED_WITH_COMPILE_ERROR}


@dataclass
class Run:
    """One script run as the client saw it: from the request sent to its script_finished."""

    fragment_id: str
    sent_at: float
    run_id: str = ""
    elapsed_s: float | None = None  # None while running (or never answered)
    status: int | None = None
    elements: list = field(default_factory=list)  # (delta path, Element) of this run, in order
    messages: int = 0  # every ForwardMsg of this run, its new_session and its script_finished included
    auto: bool = False
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    # A fragment request still unanswered when a full run started: Streamlit folded it into that run
    # (a full rerun trumps fragment ones) or dropped it (its fragment was gone); it never gets a run
    # of its own. `late_s`: what the old bookkeeping timed it at: the finish of the next run of the
    # same fragment, often seconds later (kept as evidence; not a latency).
    superseded: bool = False
    late_s: float | None = None

    def kinds(self, kind: str) -> list:
        """The elements of one kind (e.g. "exception", "alert", "button") drawn by this run."""
        return [getattr(e, kind) for _, e in self.elements if e.WhichOneof("type") == kind]

    def texts(self) -> list[str]:
        """Every text an element of this run shows (markdown, text, alerts, labels…), for asserts."""
        out = []
        for _, e in self.elements:
            inner = getattr(e, e.WhichOneof("type") or "empty", None)
            for name in ("body", "label", "text"):
                value = getattr(inner, name, None)
                if isinstance(value, str) and value:
                    out.append(value)
        return out

    @property
    def exceptions(self) -> list:
        return self.kinds("exception")


class Session:
    """One browser tab on a Streamlit app: `async with Session(port) as tab: await tab.open("inbox")`."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout_s: float = 60.0,
                 cookies: dict[str, str] | None = None) -> None:
        self.url = f"ws://{host}:{port}/_stcore/stream"
        self.timeout_s = timeout_s
        self.cookies = cookies or {}  # what the browser sends with the handshake (st.context.cookies reads them)
        self.pages: dict[str, str] = {}  # url path → page script hash, from the server's navigation
        self.page_hash = ""  # the page now shown
        self.query_string = ""
        self.widgets: dict[str, WidgetState] = {}  # sticky values, resent on every rerun
        self.runs: list[Run] = []  # every run requested (user and auto), in order
        self.last_full: Run | None = None  # the latest finished full (non-fragment) run
        self._pending: list[Run] = []  # sent, not yet matched to a run id
        self._by_id: dict[str, list[Run]] = {}  # server run id → the requests it serves
        self._running: list[Run] = []
        self._superseded: list[Run] = []  # superseded requests not yet matched by a later run (evidence only)
        self._late: dict[str, list[Run]] = {}  # server run id → superseded requests the old bookkeeping matched to it
        self._timers: dict[str, tuple[float, asyncio.Task]] = {}  # fragment id → (interval, ticker)
        self._triggers: list[WidgetState] = []  # button clicks: sent with the next rerun only
        self._ws = None
        self._reader: asyncio.Task | None = None
        self.closed = asyncio.Event()

    # ---- connection -------------------------------------------------------------------------
    async def __aenter__(self) -> "Session":
        # No Origin header: what a non-browser client sends; the server allows it (see module doc).
        headers = {"Cookie": "; ".join(f"{k}={quote(v)}" for k, v in self.cookies.items())} if self.cookies else None
        self._ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None,
                                            open_timeout=self.timeout_s, compression=None, additional_headers=headers)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        self.cleanup_auto_reruns()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def send(self, msg: BackMsg) -> None:
        await self._ws.send(msg.SerializeToString())

    async def clear_cache(self) -> None:
        """What the main menu's "Clear cache" sends; Streamlit honours it from any client."""
        await self.send(BackMsg(clear_cache=True))

    # ---- running the script -----------------------------------------------------------------
    async def open(self, path: str = "", query: dict | str = "") -> Run:
        """Go to a page (its url path, "" = the default page), as a click in the menu does."""
        self.cleanup_auto_reruns()  # App.onPageChange clears every timer before it asks
        self.query_string = query if isinstance(query, str) else "&".join(f"{k}={v}" for k, v in query.items())
        self.page_hash = self.pages.get(path, "") if path else (self.page_hash if not self.pages else "")
        page_name = "" if self.page_hash else path
        return await self.rerun(page_name=page_name)

    async def rerun(self, fragment_id: str = "", auto: bool = False, page_name: str = "", wait: bool = True) -> Run:
        """Send rerun_script with the widget states; with `wait`, return once its script_finished came."""
        states = list(self.widgets.values()) + self._triggers
        self._triggers = []
        msg = BackMsg()
        client = msg.rerun_script
        client.query_string = self.query_string
        client.page_script_hash = self.page_hash
        client.page_name = page_name
        client.fragment_id = fragment_id
        client.is_auto_rerun = auto
        client.widget_states.widgets.extend(states)
        client.context_info.timezone = "UTC"
        client.context_info.locale = "en-GB"
        run = Run(fragment_id=fragment_id, sent_at=time.perf_counter(), auto=auto)
        self.runs.append(run)
        self._pending.append(run)
        await self.send(msg)
        if wait:
            await self.wait(run)
        return run

    async def wait(self, run: Run, timeout_s: float | None = None) -> Run:
        """Until the run finished (or the connection closed); a TimeoutError names how long it waited."""
        waiter = asyncio.ensure_future(run.finished.wait())
        closed = asyncio.ensure_future(self.closed.wait())
        try:
            await asyncio.wait({waiter, closed}, timeout=timeout_s or self.timeout_s,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            closed.cancel()
        if not run.finished.is_set():
            raise TimeoutError(f"no script_finished within {timeout_s or self.timeout_s:.0f} s"
                               + (" (the connection closed)" if self.closed.is_set() else ""))
        return run

    # ---- widgets ----------------------------------------------------------------------------
    def widget(self, label: str, kind: str | None = None):
        """The widget proto (its `.id` is what widget states name) labelled `label` in the last full run."""
        runs = [r for r in (self.last_full, *reversed(self.runs)) if r is not None]
        for run in runs:
            for _, element in run.elements:
                kind_here = element.WhichOneof("type")
                inner = getattr(element, kind_here or "empty", None)
                if getattr(inner, "label", None) == label and getattr(inner, "id", "") and kind in (None, kind_here):
                    return inner
        raise LookupError(f"no widget labelled {label!r}" + (f" of kind {kind}" if kind else ""))

    def set(self, label: str, kind: str | None = None, **value) -> str:
        """Set a widget's value as the browser keeps it, e.g. set("Your name", string_value="Ann")."""
        widget_id = self.widget(label, kind).id
        state = WidgetState(id=widget_id, **value)
        self.widgets[widget_id] = state
        return widget_id

    def click(self, label: str, kind: str | None = None) -> str:
        """A button click: a trigger sent with the next rerun only."""
        widget_id = self.widget(label, kind).id
        self._triggers = [*self._triggers, WidgetState(id=widget_id, trigger_value=True)]
        return widget_id

    def select_row(self, widget_id: str, row: int) -> None:
        """Tick one row of a selectable st.dataframe (its selection travels as JSON)."""
        self.widgets[widget_id] = WidgetState(id=widget_id, string_value=json.dumps(
            {"selection": {"rows": [row], "columns": [], "cells": []}}))

    # ---- auto reruns ------------------------------------------------------------------------
    def cleanup_auto_reruns(self) -> None:
        for _, task in self._timers.values():
            task.cancel()
        self._timers.clear()

    def _arm(self, fragment_id: str, interval: float) -> None:
        if fragment_id in self._timers and self._timers[fragment_id][0] == interval:
            return  # the same interval keeps its countdown (App.handleAutoRerun)
        if fragment_id in self._timers:
            self._timers[fragment_id][1].cancel()
        self._timers[fragment_id] = (interval, asyncio.create_task(self._tick(fragment_id, interval)))

    async def _tick(self, fragment_id: str, interval: float) -> None:
        while True:  # setInterval: a fixed period, whether or not the last run has finished
            await asyncio.sleep(interval)
            if self.closed.is_set():
                return
            with contextlib.suppress(Exception):
                await self.rerun(fragment_id=fragment_id, auto=True, wait=False)

    # ---- reading ------------------------------------------------------------------------------
    async def _read(self) -> None:
        try:
            async for data in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._dispatch(msg)
        except (websockets.ConnectionClosed, OSError):
            pass
        finally:
            self.closed.set()
            self.cleanup_auto_reruns()

    def _dispatch(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind != "new_session":  # a new_session is its new run's first message: counted by _started
            for run in self._running:
                run.messages += 1
        if kind == "new_session":
            self._started(msg)
        elif kind == "navigation":
            self.pages = {page.url_pathname: page.page_script_hash for page in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            for run in self._by_id.get(msg.metadata.run.script_run_id, self._running):
                run.elements.append((tuple(msg.metadata.delta_path), msg.delta.new_element))
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self._arm(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                if fragment_id in self._timers:
                    self._timers.pop(fragment_id)[1].cancel()
        elif kind == "script_finished":
            self._finished(msg)

    def _started(self, msg: ForwardMsg) -> None:
        fragments = set(msg.metadata.run.fragment_ids)
        if not fragments:
            self.cleanup_auto_reruns()  # App.handleNewSession: a full run re-arms its fragments
            for run in [r for r in self._pending if r.fragment_id]:
                run.superseded = True
                self._pending.remove(run)
                self._superseded.append(run)
        else:
            late = [r for r in self._superseded if r.fragment_id in fragments]
            self._superseded = [r for r in self._superseded if r not in late]
            self._late[msg.metadata.run.script_run_id] = late
        self.page_hash = msg.new_session.page_script_hash or self.page_hash
        # One server run may answer several requests: fragment requests queued together run as one
        # run listing all their ids, and full reruns requested during a run are coalesced.
        served = [r for r in self._pending if (r.fragment_id in fragments if fragments else not r.fragment_id)]
        if not served:  # a run the server started by itself (st.rerun, switch_page…)
            served = [Run(fragment_id=",".join(sorted(fragments)), sent_at=time.perf_counter())]
            self.runs.append(served[0])
        for run in served:
            if run in self._pending:
                self._pending.remove(run)
            run.run_id, run.elements, run.messages = msg.metadata.run.script_run_id, [], 1
        self._running = served
        self._by_id[msg.metadata.run.script_run_id] = served

    def _finished(self, msg: ForwardMsg) -> None:
        served = self._by_id.pop(msg.metadata.run.script_run_id, None) or self._running
        self._running = []
        status = msg.script_finished
        if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            # Replaced by a newer run: the requests it served are answered by that run instead.
            self._pending[:0] = served
            return
        now = time.perf_counter()
        for run in self._late.pop(msg.metadata.run.script_run_id, []):
            run.late_s = now - run.sent_at
        for run in served:
            run.status, run.elapsed_s = status, now - run.sent_at
            run.finished.set()
            if not run.fragment_id and status in DONE:
                self.last_full = run


# ---- a server to talk to ------------------------------------------------------------------

@contextlib.contextmanager
def serve(script: str, env: dict[str, str], log_path, cwd, start_timeout_s: float = 60.0):
    """`streamlit run script` on a free loopback port; yields (port, pid); stops its process group after."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=cwd, env={**os.environ, "PYTHONUNBUFFERED": "1", **env}, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{script} did not start; see {log_path}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            time.sleep(0.2)  # polling a server's health, not a test's wait
        yield port, process.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
