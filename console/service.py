"""The console: every call a page makes, as a plain synchronous function over the bridge."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiosqlite
import pandas as pd
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from console.bridge import Bridge, StreamResult
from console.decisions import DecisionRequest, DecisionsMixin, Outcome, Reviewer, where_now
from console.demo import seed_demo
from console.errors import ConfigurationError, DatabaseBusy, DatabaseUnavailable, InvalidAnswer, NotAllowed, ThreadNotFound, ThreadTooLarge
from console.policy import PolicyError, load_policy
from console.inbox import IndexReader, InboxPage, InboxQuery
from console.inbox_pg import PgIndexReader
from console.runs import Progress, run_with_progress
from console.settings import Settings, load_settings
from console.start_input import InputField, graph_input, input_fields
from console.store import Refusal, Store, is_busy
from console.store_pg import open_postgres
from console.threads import ThreadView, check_thread_id, history, load_view, workflow_from_checkpoint
from workflows.registry import WorkflowProblem, load_registry

__all__ = ["Console", "DecisionRequest", "Outcome", "Reviewer", "check_thread_id"]

log = logging.getLogger("review_console")

HEARTBEAT_S = 2.0
TICK_S = 0.1  # the deriver's pace when idle (one cheap MAX(id) read): a pause written elsewhere shows within ~0.2 s
TRIGGER_CHECK_S = 5.0  # how often the mark triggers are checked (another program may recreate the tables)
RECOVERY_S = 5.0
DERIVE_BATCH = 100


def _check_database_file(path: Path, create: bool = True) -> None:
    """Plain sentences for a path that cannot hold a checkpoint database."""
    if path.exists() and path.is_dir():
        raise DatabaseUnavailable(f"The database path {path} is a folder, not a file.")
    if path.exists():
        with open(path, "rb") as handle:
            head = handle.read(16)
        if head and head != b"SQLite format 3\x00":
            raise DatabaseUnavailable(f"The file {path} is not a SQLite database. Check REVIEW_CONSOLE_DB.")
        return
    if not create:
        raise DatabaseUnavailable(f"The database file {path} does not exist. Check REVIEW_CONSOLE_DB "
                                  "(set REVIEW_CONSOLE_CREATE_DB=1 to start a new, empty one).")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnavailable(f"The folder for the database ({path.parent}) cannot be created: {exc.strerror}.") from exc
    if not os.access(path.parent, os.W_OK):
        raise DatabaseUnavailable(f"The folder {path.parent} is read-only, so the database cannot be created there.")


class Console(DecisionsMixin):
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        # A broken entry is a problem of its own (shown on the pages), never the whole console's.
        self.registry, self.workflow_problems = load_registry(self.settings.extra_workflows, self.settings.demo_workflows)
        try:
            # Typed demo names are all trusted alike; signed-in people see only, until granted more.
            self.policy = load_policy(self.settings.policy_path, "admin" if self.settings.auth_mode == "demo" else "viewer")
        except PolicyError as exc:
            raise ConfigurationError(str(exc)) from exc
        self.bridge = Bridge()
        self._derive_lock: asyncio.Lock | None = None
        self._workflow_of: dict[str, str] = {}  # thread id → workflow name, once read
        self._unsettled: set[int] = set()  # this process's decisions whose outcome could not be written yet
        self._background: asyncio.Task | None = None
        if self.settings.database_url:
            self.reader = PgIndexReader(self.settings.database_url, self.settings.busy_timeout_s)
        else:
            self.reader = IndexReader(self.settings.db_path, self.settings.busy_timeout_s)
        try:
            self.bridge.run(self._open(), timeout=max(60.0, self.settings.call_timeout_s))
        except BaseException:
            self.bridge.close(self._close_async)
            raise

    # ---- lifecycle (on the loop) ---------------------------------------------------------

    async def _open(self) -> None:
        self._derive_lock = asyncio.Lock()
        self._saver_conn = None
        self._pool = None
        self.store = None
        if self.settings.database_url:
            # PostgreSQL: the bridge's loop owns the pool; the Store's queries are the same.
            self._pool, self.saver, self.store = await open_postgres(self.settings.database_url, self.settings.busy_timeout_s)
        else:
            await self._open_sqlite()
        self.graphs = {}
        for name, spec in list(self.registry.items()):
            try:
                self.graphs[name] = spec.compile(self.saver)
            except Exception as exc:  # one workflow that does not compile hides only itself
                log.warning("workflow %s does not compile: %r", name, exc)
                self.workflow_problems.append(WorkflowProblem(spec.entry or name, name, f"it does not compile: {exc}"))
                del self.registry[name]
        # Node names, to recognise threads without metadata (an @entrypoint has no builder: read the graph's).
        self._node_sets = {name: set(g.nodes) - {"__start__"} for name, g in self.graphs.items()}
        await self._recover_orphans()
        async with self.store.seeding():
            if self.settings.seed_demo and self.settings.demo_workflows and await self.store.thread_count() == 0:
                await seed_demo(self.graphs)
        # A small database is indexed before the first page shows; a large one is
        # indexed in the background, while the inbox says so (index_backlog).
        await self._derive(limit=DERIVE_BATCH * 5)
        self._background = asyncio.get_running_loop().create_task(self._keep_fresh())

    async def _open_sqlite(self) -> None:
        path = Path(self.settings.db_path)
        _check_database_file(path, self.settings.create_db)
        try:
            self._saver_conn = await aiosqlite.connect(str(path), timeout=self.settings.busy_timeout_s)
            async with self._saver_conn.execute("PRAGMA quick_check") as cursor:
                verdict = (await cursor.fetchone())[0]
            if verdict != "ok":
                raise DatabaseUnavailable(f"The database {path} is damaged ({verdict}). Restore it from a backup.")
            self.saver = AsyncSqliteSaver(self._saver_conn)
            await self.saver.setup()
            self.store = await Store.open(str(path), self.settings.busy_timeout_s)
            await self.store.setup()
        except sqlite3.DatabaseError as exc:
            if is_busy(exc):
                raise DatabaseUnavailable(f"The database {path} is locked by another program. Try again shortly.") from exc
            if "readonly" in str(exc).lower() or "read-only" in str(exc).lower():
                raise DatabaseUnavailable(f"The database {path} is read-only; the console needs to write decisions to it.") from exc
            if "malformed" in str(exc).lower() or "not a database" in str(exc).lower():
                raise DatabaseUnavailable(f"The database {path} is damaged ({exc}). Restore it from a backup.") from exc
            raise DatabaseUnavailable(f"The database {path} cannot be used: {exc}.") from exc

    async def _close_async(self) -> None:
        if self._background is not None:
            self._background.cancel()
        if self.store is not None:
            await self.store.close()
        if self._saver_conn is not None:
            await self._saver_conn.close()
        if self._pool is not None:
            await self._pool.close()

    def close(self) -> None:
        self.bridge.close(self._close_async)
        self.reader.close()

    async def _keep_fresh(self) -> None:
        """Index every change (this process's or another's), heartbeat, release dead consoles' claims."""
        last_beat = last_recovery = last_trigger_check = time.monotonic()
        while True:
            try:
                derived = await self._derive()
                # A full batch means a backlog (backfill, a burst elsewhere): go on at once,
                # after yielding so the loop serves other calls between batches.
                await asyncio.sleep(0 if derived >= DERIVE_BATCH else TICK_S)
                now = time.monotonic()
                if now - last_beat >= HEARTBEAT_S:
                    last_beat = now
                    await self.store.heartbeat()
                if now - last_trigger_check >= TRIGGER_CHECK_S:
                    last_trigger_check = now
                    if not await self.store.check_triggers():
                        log.warning("the index triggers were missing (tables recreated?); re-indexing every thread")
                if now - last_recovery >= RECOVERY_S:
                    last_recovery = now
                    await self._recover_orphans()
            except asyncio.CancelledError:
                raise
            except Exception:  # a busy database now is fine later
                log.exception("background refresh failed")
                await asyncio.sleep(TICK_S)

    # ---- reading threads -------------------------------------------------------------

    async def _load(self, thread_id: str, running: bool | None = None) -> ThreadView | None:
        if running is None:
            running = await self.store.has_pending_decision(thread_id)
        name = self._workflow_of.get(thread_id)
        if name is not None:
            # A thread's workflow never changes: skip reading its checkpoint twice (a decision reads it often).
            view = await load_view(self.graphs[name], self.registry[name], thread_id, running=running)
            if view is not None:
                return view
            self._workflow_of.pop(thread_id, None)
        config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
        latest = await self.saver.aget_tuple(config)
        if latest is None:
            return None
        name, _ = workflow_from_checkpoint(latest, self._node_sets)
        if name in self.graphs and len(self._workflow_of) < 100_000:
            self._workflow_of[thread_id] = name
        if name not in self.graphs:
            return ThreadView(
                thread_id=thread_id, workflow=name, workflow_title=name or "Unknown workflow",
                thread_version=None, current_version=None, status="unknown", pause_kind=None, next_nodes=(),
                checkpoint_id=latest.config["configurable"]["checkpoint_id"], created_at=latest.checkpoint.get("ts"),
                values={}, error=self._not_loaded(name),
            )
        return await load_view(self.graphs[name], self.registry[name], thread_id, running=running)

    def _not_loaded(self, name: str | None) -> str:
        problem = next((p for p in self.workflow_problems if p.name == name), None)
        if problem is not None:
            return f"Workflow not loaded: {problem.reason}"
        return f"This thread's workflow ({name or 'not recorded'}) is not registered in this console."

    async def _load_safely(self, thread_id: str, running: bool) -> ThreadView | dict | None:
        try:
            return await self._load(thread_id, running)
        except Exception as exc:  # one unreadable thread must not stop the index
            log.warning("thread %s cannot be read: %r", thread_id, exc)
            return {
                "thread_id": thread_id, "status": "unreadable", "error": f"The console cannot read this thread: {exc}",
                "preview": "This thread cannot be read.", "interrupt_count": 0,
            }

    async def _derive(self, only: list[str] | None = None, limit: int = DERIVE_BATCH,
                      fresh: dict[str, ThreadView] | None = None) -> int:
        """Recompute the index rows of threads whose saver rows changed.

        `only`: these threads, marked or not. A decision or a start calls it for its
        own thread, so the inbox is right the moment the call returns, even if the
        background pass already took the thread's marks while the run went on.
        `fresh`: views the caller read after its change (a decision's result), used as they are.
        """
        async with self._derive_lock:
            if only is not None:
                bound, thread_ids = await self.store.last_mark(), list(dict.fromkeys(only))
            else:
                bound, thread_ids = await self.store.marked_batch(limit)
            if not thread_ids:
                return 0
            fresh = fresh or {}
            stale = [t for t in thread_ids if t not in fresh]
            running = await self.store.pending_decision_threads(stale) if stale else set()
            rows, gone = [], []
            for thread_id in thread_ids:
                # One at a time: overlapping reads was measured no faster (the GIL and the
                # saver's lock serialise them), and it keeps the loop responsive between reads.
                view = fresh.get(thread_id) or await self._load_safely(thread_id, thread_id in running)
                if view is None:
                    gone.append(thread_id)
                else:
                    rows.append(view if isinstance(view, dict) else view.index_row())
            await self.store.save_thread_rows(rows, gone, thread_ids, bound)
            return len(thread_ids)

    def thread(self, thread_id: str, load_large: bool = False) -> ThreadView:
        """The thread as it stands. A very large one raises ThreadTooLarge unless `load_large`:
        decoding a 200 MB checkpoint takes seconds and gigabytes, so the reviewer is asked first."""
        thread_id = check_thread_id(thread_id)

        async def load():
            if not load_large:
                size = await self.store.thread_bytes(thread_id)
                if size > self.settings.large_thread_bytes:
                    raise ThreadTooLarge(thread_id, size, await self.store.thread_row(thread_id))
            return await self._load(thread_id)

        view = self.bridge.run(load(), self.settings.call_timeout_s)
        if view is None:
            raise ThreadNotFound(f"There is no thread “{thread_id}”. It may have been deleted, or the link is mistyped.")
        return view

    def history(self, view: ThreadView) -> pd.DataFrame:
        """Checkpoints of a thread already loaded (`thread()`), newest first, with the decisions taken at each."""
        if view.workflow not in self.graphs:
            return pd.DataFrame()
        rows = self.bridge.run(history(self.graphs[view.workflow], view.thread_id), self.settings.call_timeout_s)
        frame = pd.DataFrame(rows)
        decisions = self.bridge.run(self.store.decisions(view.thread_id), self.settings.call_timeout_s)
        if not frame.empty:
            by_checkpoint = {}
            for d in decisions:
                if d["outcome"] == "applied" and d["result_checkpoint_id"]:
                    by_checkpoint.setdefault(d["checkpoint_id"], f"{d['action']} by {d['reviewer']}")
            frame["decision"] = frame["checkpoint_id"].map(lambda c: by_checkpoint.get(c, ""))
        return frame

    # The inbox reads the index directly (console/inbox.py): no bridge hop, no derive on
    # the way. The background deriver keeps the index within ~0.2 s of the saver's tables;
    # the console's own decisions and starts update their thread before returning.

    def inbox(self, query: InboxQuery = InboxQuery()) -> InboxPage:
        return self._read(lambda: self.reader.page(query))

    def counts(self) -> pd.DataFrame:
        """Threads per workflow and status, for the sidebar and the activity page."""
        return self._read(self.reader.counts)

    def index_backlog(self) -> int:
        """Threads changed but not yet re-derived (about): large only while a big database is first indexed."""
        return self._read(self.reader.backlog)

    def _read(self, call):
        try:
            return call()
        except sqlite3.OperationalError as exc:
            if is_busy(exc):
                raise DatabaseBusy("The database is busy. The inbox will refresh in a moment.") from exc
            raise

    def decision_log(self, thread_id: str | None = None, reviewer: Reviewer | None = None) -> pd.DataFrame:
        """Decisions, newest first; typed (demo) names are marked as unverified."""
        rows = self.bridge.run(self.store.decisions(thread_id), self.settings.call_timeout_s)
        if reviewer is not None:
            rows = [r for r in rows if r["reviewer"] == reviewer.name]
        frame = pd.DataFrame(rows)
        if not frame.empty:
            frame["reviewer"] = [n if v else f"{n} (unverified)" for n, v in zip(frame["reviewer"], frame["reviewer_verified"])]
        return frame

    def filter_choices(self) -> dict[str, list[str]]:
        return self._read(self.reader.filter_choices)

    # ---- deciding and starting ----

    def role(self, reviewer: Reviewer | None, workflow: str | None) -> str:
        if reviewer is None:
            return "none"
        return self.policy.role(reviewer.email, reviewer.groups, workflow)

    def allows(self, reviewer: Reviewer | None, workflow: str | None, action: str) -> bool:
        return reviewer is not None and self.policy.allows(reviewer.email, reviewer.groups, workflow, action)

    def decide(self, request: DecisionRequest, reviewer: Reviewer) -> Iterator[Progress | Outcome]:
        """Apply one decision; yields live progress, then the Outcome. Raises InvalidAnswer before anything is claimed."""
        return self._unwrap(self.bridge.stream(lambda emit: self._decide_if_allowed(request, reviewer, emit), self.settings.run_timeout_s))

    def start(self, workflow: str, inputs: dict | str, reviewer: Reviewer, thread_id: str | None = None) -> Iterator[Progress | Outcome]:
        """Start a thread; `inputs` is the Start form's values by input key (start_input.input_fields), or one text."""
        if not self.allows(reviewer, workflow, "start"):
            raise NotAllowed("You may look at this workflow's threads, but not start new ones.")
        return self._unwrap(self.bridge.stream(lambda emit: self._start(workflow, inputs, reviewer, thread_id, emit), self.settings.run_timeout_s))

    async def _decide_if_allowed(self, request: DecisionRequest, reviewer: Reviewer, emit) -> Outcome:
        """The permission check lives here, on the server: hiding buttons is not a guard."""
        # running=False: the claim itself refuses while another decision is in flight.
        view = await self._load(check_thread_id(request.thread_id), running=False)
        workflow = view.workflow if view else None
        if not self.allows(reviewer, workflow, request.action):
            role = self.role(reviewer, workflow)
            await self.store.log_refusal(
                {"reviewer": reviewer.name, "reviewer_verified": reviewer.verified, "thread_id": request.thread_id,
                 "workflow": workflow, "checkpoint_id": request.checkpoint_id, "interrupt_id": request.interrupt_id,
                 "action": request.action}, f"not allowed (role: {role})")
            raise NotAllowed(
                f"You are signed in as a {role} of this workflow, so you cannot {request.action.replace('_', ' ')} here. "
                "Nothing was applied. Ask an administrator if you need to decide."
            )
        return await self._decide(request, reviewer, emit, view)  # read once: it is part of every click's time

    @staticmethod
    def _unwrap(items: Iterator) -> Iterator[Progress | Outcome]:
        for item in items:
            yield item.value if isinstance(item, StreamResult) else item

    # ---- starting threads -----------------------------------------------------------------

    def start_fields(self, workflow: str) -> list[InputField]:
        """The Start form's fields for a workflow: its input keys, required ones marked."""
        return input_fields(self.registry[workflow], self.graphs[workflow])

    async def _start(self, workflow: str, inputs: dict | str, reviewer: Reviewer, thread_id: str | None, emit) -> Outcome:
        spec = self.registry.get(workflow)
        if spec is None:
            raise InvalidAnswer("Please choose a workflow.")
        start_input = graph_input(spec, self.graphs[workflow], inputs)
        if thread_id:
            thread_id = check_thread_id(thread_id)
        else:
            thread_id = f"{workflow}-{uuid.uuid4().hex[:10]}"
        record = {"reviewer": reviewer.name, "reviewer_verified": reviewer.verified, "thread_id": thread_id,
                  "workflow": workflow, "checkpoint_id": "", "interrupt_id": "start", "action": "start",
                  "answer": {"input": inputs}}
        claim = await self.store.claim_new_thread(record)
        if isinstance(claim, Refusal):
            raise InvalidAnswer(f"A thread with the id “{thread_id}” already exists. Choose another id, or leave it empty.", "thread_id")
        config = {"configurable": {"thread_id": thread_id},
                  "metadata": {"workflow": workflow, "workflow_version": spec.version, "started_by": reviewer.name}}
        try:
            await run_with_progress(self.graphs[workflow], start_input, config, emit)
        except Exception as exc:
            log.warning("start of %s failed: %r", thread_id, exc)
            await self.store.finish(claim.decision_id, "failed", f"{type(exc).__name__}: {exc}")
            await self._derive(only=[thread_id])
            return Outcome("failed", f"The workflow stopped with an error: {exc}", await self._load(thread_id))
        latest = await self.saver.aget_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
        await self.store.finish(claim.decision_id, "applied",
                                result_checkpoint_id=latest.config["configurable"]["checkpoint_id"] if latest else None)
        await self._derive(only=[thread_id])
        after = await self._load(thread_id)
        return Outcome("started", where_now(after), after)
