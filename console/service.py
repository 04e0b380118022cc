"""The console: every call a page makes, as a plain synchronous function over the bridge."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator

import pandas as pd

from console import queue
from console.bridge import Bridge, StreamResult
from console.deadlines import DeadlineError, DeadlineTimer, load_deadlines
from console.decisions import DecisionRequest, Decisions, Outcome, Reviewer, StoppedRun
from console.demo import seed_demo
from console.errors import ConfigurationError, DatabaseBusy, ThreadNotFound, ThreadTooLarge
from console.policy import PolicyError, load_policy
from console.teamwork import TeamWork
from console.graph_picture import workflow_dot
from console.inbox import InboxPage, InboxQuery, postgres_reader, sqlite_reader
from console import insight
from console.insight import Activity, ActivityQuery, Scope
from console.index_helper import IndexHelper
from console.indexer import DERIVE_BATCH, Indexer
from console.log_frame import decision_frame
from console.notify import Notifier
from console.read_cache import ReadCache
from console.recovery import Recovery
from console.runs import Progress
from console.settings import Settings, load_settings
from console.starts import start_thread
from console.opening import open_sqlite, patiently
from console.store import is_busy, open_postgres
from console.store.outbox import Outbox
from console.threads import ThreadView, check_thread_id
from console.time_travel import ReopenPlan, ReopenRequest, TimeTravel, choice_labels, history_table
from console.threads_reader import ThreadReader
from console.start_input import InputField, input_fields
from console.upkeep import Upkeep
from workflows.registry import WorkflowProblem, load_registry

__all__ = ["Console", "DecisionRequest", "Outcome", "Reviewer", "check_thread_id"]

log = logging.getLogger("review_console")

VIEWS_KEPT = 500  # thread views, histories and decision lists kept for every session (a few MB)


class Console:
    """Holds the parts (thread reader, indexer, recovery, decisions) and turns each page call into one bridge call."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        # A broken entry is a problem of its own (shown on the pages), never the whole console's.
        self.registry, self.workflow_problems = load_registry(self.settings.extra_workflows, self.settings.demo_workflows)
        try:
            # Typed demo names are all trusted alike; signed-in people see only, until granted more.
            self.policy = load_policy(self.settings.policy_path, "admin" if self.settings.auth_mode == "demo" else "viewer")
            self.deadlines = load_deadlines(self.settings.policy_path)
        except (PolicyError, DeadlineError) as exc:
            raise ConfigurationError(str(exc)) from exc
        self.bridge = Bridge()
        self._background: asyncio.Task | None = None
        # Shared by every session of this process; keys name exactly what was read (see thread()).
        self._views, self._histories, self._decision_rows = ReadCache(VIEWS_KEPT), ReadCache(VIEWS_KEPT), ReadCache(VIEWS_KEPT)
        if self.settings.database_url:
            self.reader = postgres_reader(self.settings.database_url, self.settings.busy_timeout_s)
        else:
            self.reader = sqlite_reader(self.settings.db_path, self.settings.busy_timeout_s)
        self.reader.deadlines = self.deadlines  # the inbox's "due" column and its overdue-first order
        self.upkeep: Upkeep | None = None
        try:
            self.bridge.run(self._open(), timeout=max(60.0, self.settings.call_timeout_s))
        except BaseException:
            self.bridge.close(self._close_async)
            raise

    # ---- lifecycle (on the loop) ---------------------------------------------------------

    async def _open(self) -> None:
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
        # The rooms, made on the loop (their locks and the saver belong to it); each owns its own state.
        self.threads = ThreadReader(self.graphs, self.registry, self.saver, self.store, self.workflow_problems)
        # A first start on a big SQLite file derives on the second core too (console/index_helper.py).
        helper = None if self.settings.database_url else (lambda: IndexHelper.start(
            self.settings.db_path, self.settings.extra_workflows, self.settings.demo_workflows, self.registry,
            self.graphs, self.workflow_problems))
        self.indexer = Indexer(self.threads, self.store, helper)
        self.recovery = Recovery(self.store, self.saver, self.threads, self.indexer)
        self.decisions = Decisions(self.registry, self.graphs, self.saver, self.store, self.threads, self.indexer,
                                   self.recovery, self.policy)
        self.time_travel = TimeTravel(self.decisions)
        self.outbox = Outbox(self.store.db, bool(self.settings.database_url))
        await patiently(self.outbox.setup)
        self.notifier = Notifier(self.settings.notify_urls, self.settings.base_url, self.outbox, self.registry)
        self.decisions.listeners.append(self.notifier.on_outcome)
        self.timer = DeadlineTimer(self.deadlines, self.outbox, self.threads, self.decisions, self.notifier, self.registry)
        await self.recovery.recover_orphans()
        self.team = TeamWork(self)
        await patiently(self.team.setup)
        async with self.store.seeding():
            if self.settings.seed_demo and self.settings.demo_workflows and await self.store.thread_count() == 0:
                await seed_demo(self.graphs)
        # A small database is indexed before the first page shows; a large one is
        # indexed in the background, while the inbox says so (index_backlog).
        await patiently(lambda: self.indexer.derive(limit=DERIVE_BATCH * 5))
        self.upkeep = Upkeep(self.indexer, self.store, self.recovery, self.timer, self.notifier, self.deadlines,
                             self.settings.deadline_check_s)
        self._background = asyncio.get_running_loop().create_task(self.upkeep.keep_fresh())

    async def _open_sqlite(self) -> None:
        self._saver_conn, self.saver, self.store = await open_sqlite(self.settings)

    async def _close_async(self) -> None:
        if self._background is not None:
            self._background.cancel()
        if self.upkeep is not None:
            self.upkeep.cancel()
        if getattr(self, "indexer", None) is not None:
            self.indexer.close()
        if self.store is not None:
            await self.store.close()
        if self._saver_conn is not None:
            await self._saver_conn.close()
        if self._pool is not None:
            await self._pool.close()

    def close(self) -> None:
        self.bridge.close(self._close_async)
        self.reader.close()

    def run_deadlines(self, now: float | None = None):
        """One pass of the deadline timer now (tests and tools; the console runs it by itself every few seconds)."""
        return self.bridge.run(self.timer.tick(now), self.settings.run_timeout_s)

    def notifications(self) -> list[dict]:
        """The outbox's rows, oldest first (tests and tools)."""
        async def rows():
            await self.notifier.settled()
            return await self.outbox.rows()
        return self.bridge.run(rows(), self.settings.call_timeout_s)

    # ---- reading threads -------------------------------------------------------------

    def thread(self, thread_id: str, load_large: bool = False) -> ThreadView:
        """The thread as it stands. A very large one raises ThreadTooLarge unless `load_large`:
        decoding a 200 MB checkpoint takes seconds and gigabytes, so the reviewer is asked first."""
        thread_id = check_thread_id(thread_id)

        async def load():
            if not load_large:
                size = await self.store.thread_bytes(thread_id)
                if size > self.settings.large_thread_bytes:
                    raise ThreadTooLarge(thread_id, size, await self.store.thread_row(thread_id))
            # Twenty reviewers on one thread read it once: the stamp names every row the view is
            # read from, so an unchanged stamp is the same view (read before the view, so a change
            # between the two is keyed under the old stamp, which no later read sees again).
            key = (thread_id, await self.store.thread_stamp(thread_id), await self.store.has_pending_decision(thread_id))
            view = self._views.get(key)
            if view is None:
                view = await self.threads.load(thread_id, key[2])
                if view is not None:
                    self._views.put(key, view)
            return view

        view = self.bridge.run(load(), self.settings.call_timeout_s)
        if view is None:
            raise ThreadNotFound(f"There is no thread “{thread_id}”. It may have been deleted, or the link is mistyped.")
        return view

    def history(self, view: ThreadView) -> pd.DataFrame:
        """Saved steps of a thread already loaded (`thread()`), newest first, in words, with the decisions taken at each."""
        if view.workflow not in self.graphs:
            return pd.DataFrame()
        return pd.DataFrame(history_table(self._steps(view), self._decisions_of(view.thread_id)))

    def workflow_picture(self, workflow: str | None, waiting: str | None) -> str | None:
        """The workflow's steps as Graphviz DOT, the waiting step lit; None when it cannot draw itself."""
        return workflow_dot(self.graphs.get(workflow or ""), waiting)

    def _steps(self, view: ThreadView) -> list:
        """The thread's saved steps behind its latest checkpoint: those never change, so they are
        shared by every session, per latest checkpoint (a fork makes a new latest one)."""
        key = (view.thread_id, view.checkpoint_id, tuple(p.node for p in view.interrupts))
        rows = self._histories.get(key)
        if rows is None:
            rows = self.bridge.run(self.time_travel.steps(view), self.settings.call_timeout_s)
            if rows and rows[0].checkpoint_id == view.checkpoint_id:  # not moved on since the view was read
                self._histories.put(key, rows)
        return rows

    def reopen_choices(self, view: ThreadView) -> dict[str, str]:
        """The saved steps an administrator may reopen this thread from: checkpoint id → a label in words."""
        if view.workflow not in self.graphs:
            return {}
        return choice_labels(self._steps(view))

    def reopen_plan(self, view: ThreadView, checkpoint_id: str) -> ReopenPlan:
        """Which steps a reopen from that saved step runs again (InvalidAnswer if it cannot be reopened)."""
        return self.bridge.run(self.time_travel.plan(view, checkpoint_id), self.settings.call_timeout_s)

    def reopen(self, request: ReopenRequest, reviewer: Reviewer) -> Iterator[Progress | Outcome]:
        """Reopen a thread from an earlier saved step (admins); yields live progress, then the Outcome."""
        return self._unwrap(self.bridge.stream(lambda emit: self.time_travel.reopen(request, reviewer, emit),
                                               self.settings.run_timeout_s))

    # The inbox reads the index directly (console/inbox.py): no bridge hop, no derive on
    # the way. The background deriver keeps the index within ~1 s of the saver's tables;
    # the console's own decisions and starts update their thread before returning.

    def inbox(self, query: InboxQuery = InboxQuery()) -> InboxPage:
        return self._read(lambda: self.reader.page(query))

    def counts(self) -> pd.DataFrame:
        """Threads per workflow and status, for the sidebar and the activity page."""
        return self._read(self.reader.counts)

    def index_version(self) -> tuple[int, int, int]:
        """A cheap check (three index seeks) that changes whenever inbox(), counts() or
        filter_choices() may answer differently, whichever replica changed the index; the
        pages key their shared caches on it. Ages ("waiting for") move with the clock, not with it."""
        return self._read(self.reader.version)

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
        rows = self._decisions_of(thread_id) if thread_id else self.bridge.run(self.store.decisions(thread_id), self.settings.call_timeout_s)
        return decision_frame(rows, reviewer)

    def _decisions_of(self, thread_id: str) -> list[dict]:
        """One thread's decisions, read once per change of the decision log (the thread page asks
        twice a rerun: its history and its log). Rows change only while pending, so the log's newest
        id and its pending count name every state of it (index_version's last two)."""
        key = (thread_id, *self.index_version()[1:])
        rows = self._decision_rows.get(key)
        if rows is None:
            rows = self.bridge.run(self.store.decisions(thread_id), self.settings.call_timeout_s)
            self._decision_rows.put(key, rows)
        return rows

    def activity(self, query: ActivityQuery, scope: Scope) -> Activity:
        """The Activity page's figures, from aggregates (console/insight.py)."""
        return insight.read(self.reader, query, scope, self.registry)

    def activity_choices(self, scope: Scope) -> tuple[dict[str, str], list[tuple[str, bool]]]:
        """The workflows and reviewers the Activity filters offer to this scope."""
        return insight.choices(self.reader, scope, self.registry)

    def filter_choices(self) -> dict[str, list[str]]:
        return self._read(self.reader.filter_choices)

    # ---- deciding and starting ----

    def role(self, reviewer: Reviewer | None, workflow: str | None) -> str:
        return self.decisions.role(reviewer, workflow)

    def allows(self, reviewer: Reviewer | None, workflow: str | None, action: str) -> bool:
        return self.decisions.allows(reviewer, workflow, action)

    def stopped_run(self, view: ThreadView) -> StoppedRun | None:
        """How the last decision's run stopped short at the step this thread waits at, if it did (crash, lock)."""
        if view.status != "waiting" or view.pause_kind != "paused":
            return None  # no read: only a static pause can be left by a run that stopped short
        return self.decisions.stopped_run(view, self._decisions_of(view.thread_id))

    def decide(self, request: DecisionRequest, reviewer: Reviewer) -> Iterator[Progress | Outcome]:
        """Apply one decision; yields live progress, then the Outcome. Raises InvalidAnswer before anything is claimed."""
        return self._unwrap(self.bridge.stream(lambda emit: self.decisions.decide(request, reviewer, emit),
                                               self.settings.run_timeout_s))

    def start(self, workflow: str, inputs: dict | str, reviewer: Reviewer, thread_id: str | None = None) -> Iterator[Progress | Outcome]:
        """Start a thread; `inputs` is the Start form's values by input key (start_input.input_fields), or one text."""
        if not self.allows(reviewer, workflow, "start"):
            record = {"thread_id": thread_id or "", "checkpoint_id": "", "interrupt_id": "start"}
            raise self.bridge.run(self.decisions.refuse(reviewer, record, workflow, "start"), self.settings.call_timeout_s)
        return self._unwrap(self.bridge.stream(lambda emit: start_thread(self.decisions, workflow, inputs, reviewer, thread_id, emit),
                                               self.settings.run_timeout_s))

    def start_fields(self, workflow: str) -> list[InputField]:
        """The Start form's fields for a workflow: its input keys, required ones marked."""
        return input_fields(self.registry[workflow], self.graphs[workflow])

    @staticmethod
    def _unwrap(items: Iterator) -> Iterator[Progress | Outcome]:
        for item in items:
            yield item.value if isinstance(item, StreamResult) else item

    # ---- the queue: the next thread in the inbox's order (who is on it, comments, bulk: self.team) ----

    def thread_position(self, query: InboxQuery, thread_id: str) -> tuple | None:
        return self._read(lambda: queue.position(self.reader, query, thread_id))

    def next_thread(self, query: InboxQuery, after: tuple | None, skip: tuple[str, ...] = (), reviewer: Reviewer | None = None) -> str | None:
        return self._read(lambda: queue.next_thread(self.reader, query, after, skip, reviewer.name if reviewer else ""))
