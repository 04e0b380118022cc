"""ServerConsole: the pages' calls (console.backend.ConsoleBackend) over a LangGraph Server's threads; the
console's own claims and decision log stay in its own database, as with a local saver."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Iterator

import pandas as pd

from console.bridge import Bridge
from console.decision_types import DecisionRequest, Outcome, Reviewer, StoppedRun
from console.deadlines import DeadlineError, load_deadlines
from console.decisions import Decisions
from console.errors import ConfigurationError, ConsoleError, InvalidAnswer, ThreadNotFound
from console import insight
from console.inbox import InboxPage, InboxQuery, postgres_reader, sqlite_reader
from console.insight import Activity, ActivityQuery, Scope
from console.policy import PolicyError, load_policy
from console.runs import Progress
from console.server import client as sdk
from console.server.deadlines import ServerDeadlines
from console.server.decide import ServerDecisions
from console.server import insight as server_insight
from console.server.inbox import ServerInbox
from console.server.recovery import ServerRecovery
from console.server.reading import registry, thread_view, unknown_workflow_view
from console.server.picture import ServerPictures
from console.server.time_travel import ServerTimeTravel
from console.server.waiting import WaitingCache
from console.log_frame import decision_frame
from console.notify import Notifier
from console.opening import open_sqlite, patiently
from console.settings import Settings
from console.start_input import InputField, graph_input, input_fields
from console.store import open_postgres
from console.store.outbox import Outbox
from console.teamwork import TeamWork
from console.threads import ThreadView, check_thread_id
from console.time_travel import ReopenPlan, ReopenRequest, choice_labels, history_table

log = logging.getLogger("review_console")

_END = object()


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text.strip())
    except ValueError:
        return False
    return True


class _Schema:
    """The server's input schema behind the one call console.start_input makes (get_input_jsonschema)."""

    def __init__(self, schema: dict) -> None:
        self.schema = schema

    def get_input_jsonschema(self) -> dict:
        return self.schema


class ServerConsole:
    """One per process and settings (ui/runtime.py), like Console."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.workflow_problems: list = []
        try:
            self.policy = load_policy(settings.policy_path, "admin" if settings.auth_mode == "demo" else "viewer")
            self.deadlines = load_deadlines(settings.policy_path)  # the same rules and words as locally
            self.scope = json.loads(settings.server_metadata) if settings.server_metadata else {}
        except (PolicyError, DeadlineError, ValueError) as exc:
            raise ConfigurationError(f"The console's settings are not valid: {exc}") from exc
        if not isinstance(self.scope, dict):
            raise ConfigurationError("REVIEW_CONSOLE_SERVER_METADATA must be a JSON object, like {\"team\": \"billing\"}.")
        self.client = sdk.connect(settings.server_url, settings.server_api_key, settings.server_header,
                                  settings.call_timeout_s)
        with sdk.plain(settings.server_url):
            self.registry, self.assistant_ids = registry(self.client.assistants.search(limit=1000))
        self.bridge = Bridge("review-console-store")
        self._conn = self._pool = self.store = None
        try:
            self.bridge.run(self._open(), max(60.0, settings.call_timeout_s))
        except BaseException:
            self.bridge.close(self._close_async)
            raise
        self.parts = Decisions(self.registry, {}, None, self.store, None, None, None, self.policy)
        # The Activity page's figures come from the console's own decision log (its index stays empty here).
        self.reader = (postgres_reader(settings.database_url, settings.busy_timeout_s) if settings.database_url
                       else sqlite_reader(settings.db_path, settings.busy_timeout_s))
        self.decisions = ServerDecisions(self)
        self.reads = ServerInbox(self)
        self.recovery = ServerRecovery(self)
        self.time_travel = ServerTimeTravel(self)
        self.pictures = ServerPictures(self.client, self.assistant_ids)
        self.waiting = WaitingCache(self)  # the whole waiting list, for the deadline timer and the Activity page
        self.timer = ServerDeadlines(self)
        self.recovery.recover_orphans()
        self.recovery.start()
        self.timer.start()

    async def _open(self) -> None:
        if self.settings.database_url:
            self._pool, _saver, self.store = await open_postgres(self.settings.database_url, self.settings.busy_timeout_s)
        else:
            # The local store's own open: the file's checks, the quick check, patient while another console writes.
            # The store's triggers and claim statements name the saver's tables: they exist here, and stay empty.
            self._conn, _saver, self.store = await open_sqlite(self.settings)
        await self._open_team()

    async def _open_team(self) -> None:
        self.team = TeamWork(self)  # claims-as-advice, comments, bulk: in the console's own database
        await patiently(self.team.setup)
        # Deadline notices, as locally: the outbox in the console's own database (made on this loop, as its lock).
        self.outbox = Outbox(self.store.db, bool(self.settings.database_url))
        await patiently(self.outbox.setup)
        self.notifier = Notifier(self.settings.notify_urls, self.settings.base_url, self.outbox, self.registry)

    async def _close_async(self) -> None:
        for closing in (self.store, self._conn, self._pool):
            if closing is not None:
                await closing.close()

    def close(self) -> None:
        if getattr(self, "timer", None) is not None:
            self.timer.stop()
        if getattr(self, "recovery", None) is not None:
            self.recovery.stop()
        if getattr(self, "reader", None) is not None:
            self.reader.close()
        self.bridge.close(self._close_async)

    def run_deadlines(self, now: float | None = None):
        """One pass of the deadline timer now (tests and tools; the console runs it by itself every few seconds)."""
        return self.timer.run(now)

    def notifications(self) -> list[dict]:
        """The outbox's rows, oldest first (tests and tools)."""
        return self.store_call(self.outbox.rows())

    def store_call(self, coro):
        return self.bridge.run(coro, self.settings.call_timeout_s)

    def forget_reads(self) -> None:
        self.reads.forget()

    # ---- reading -----------------------------------------------------------------------------

    def load(self, thread_id: str, missing_ok: bool = False) -> ThreadView | None:
        thread_id = check_thread_id(thread_id)
        thread = graph = None
        try:
            if not _is_uuid(thread_id):  # the server answers any other id with a 422, not a 404
                raise sdk.not_found(thread_id)
            with sdk.plain(self.settings.server_url, thread_id):
                thread = self.client.threads.get(thread_id)
                graph = (thread.get("metadata") or {}).get("graph_id")
                state = self.client.threads.get_state(thread_id)
        except ThreadNotFound:
            if thread is not None and graph not in self.registry:  # a graph the server does not serve: its state 404s
                return unknown_workflow_view(thread)
            if missing_ok:
                return None
            raise
        return thread_view(thread, state, self.registry.get(graph))

    def thread(self, thread_id: str, load_large: bool = False) -> ThreadView:
        return self.load(thread_id)

    def workflow_picture(self, workflow: str | None, waiting: str | None) -> str | None:
        """The assistant's own drawn graph (xray), as the local backend draws its graphs."""
        return self.pictures.dot(workflow, waiting)

    def history(self, view: ThreadView) -> pd.DataFrame:
        """Saved steps in words, newest first, across branches, with the decisions taken at each (as locally)."""
        return pd.DataFrame(history_table(self.time_travel.steps(view), self.store_call(self.store.decisions(view.thread_id))))

    def inbox(self, query: InboxQuery = InboxQuery()) -> InboxPage:
        return self.reads.page(query)

    def counts(self) -> pd.DataFrame:
        return self.reads.counts()

    def index_version(self) -> tuple:
        return self.reads.version()

    def index_backlog(self) -> int:
        return 0  # nothing to index: the server answers each search itself

    def activity(self, query: ActivityQuery, scope: Scope) -> Activity:
        return server_insight.read(self, query, scope)

    def activity_choices(self, scope: Scope) -> tuple[dict[str, str], list[tuple[str, bool]]]:
        return insight.choices(self.reader, scope, self.registry)

    def thread_position(self, query: InboxQuery, thread_id: str) -> tuple | None:
        return None  # the server's search has no position to go on from: Next takes the first other waiting thread

    def next_thread(self, query: InboxQuery, after: tuple | None, skip: tuple[str, ...] = (), reviewer: Reviewer | None = None) -> str | None:
        """The first waiting thread of the inbox's first page (its filters, its order) not in `skip`."""
        rows = self.inbox(InboxQuery(**{**query.__dict__, "page": 1})).rows
        return next((t for t in rows["thread_id"] if t not in skip), None) if not rows.empty else None

    def filter_choices(self) -> dict[str, list[str]]:
        return {"workflows": sorted(self.registry), "kinds": ["interrupt", "paused"], "nodes": []}

    def decision_log(self, thread_id: str | None = None, reviewer: Reviewer | None = None) -> pd.DataFrame:
        return decision_frame(self.store_call(self.store.decisions(thread_id)), reviewer)

    # ---- deciding and starting --------------------------------------------------------------

    def role(self, reviewer: Reviewer | None, workflow: str | None) -> str:
        return self.parts.role(reviewer, workflow)

    def allows(self, reviewer: Reviewer | None, workflow: str | None, action: str) -> bool:
        return self.parts.allows(reviewer, workflow, action)

    def stopped_run(self, view: ThreadView) -> StoppedRun | None:
        """The server runs and retries the steps itself, so a run never stops short here; but a decision whose console
        died is settled "unknown" when the thread moved on meanwhile (console/server/recovery.py): the page says so."""
        rows = self.store_call(self.store.decisions(view.thread_id))  # newest first
        if not rows or rows[0]["outcome"] != "unknown":
            return None
        last = rows[0]
        who = last["reviewer"] if last["reviewer_verified"] else f"{last['reviewer']} (unverified)"
        return StoppedRun(who, None, "unknown", False)

    # Time travel: the server forks its own threads (console/server/time_travel.py); claims and log are ours.
    def reopen_choices(self, view: ThreadView) -> dict[str, str]:
        return choice_labels(self.time_travel.steps(view))

    def reopen_plan(self, view: ThreadView, checkpoint_id: str) -> ReopenPlan:
        return self.time_travel.plan(view, checkpoint_id)

    def reopen(self, request: ReopenRequest, reviewer: Reviewer) -> Iterator[Progress | Outcome]:
        return self._in_background(lambda emit: self.time_travel.reopen(request, reviewer, emit))

    def _in_background(self, work) -> Iterator[Progress | Outcome]:
        """Run `work(emit)` on a thread of its own and yield what it emits, then its Outcome: a reviewer who
        leaves the page stops listening, never the decision (its log row is always settled)."""
        items: queue.Queue = queue.Queue()

        def runner() -> None:
            try:
                items.put(work(items.put))
            except BaseException as exc:
                items.put(exc)
            finally:
                items.put(_END)

        threading.Thread(target=runner, name="review-console-server-run", daemon=True).start()
        while True:
            try:
                item = items.get(timeout=self.settings.run_timeout_s)
            except queue.Empty:
                raise ConsoleError("The workflow is taking longer than expected on the LangGraph Server. It goes on "
                                   "there; reload the thread later.") from None
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def decide(self, request: DecisionRequest, reviewer: Reviewer) -> Iterator[Progress | Outcome]:
        return self._in_background(lambda emit: self.decisions.decide(request, reviewer, emit))

    def start_fields(self, workflow: str) -> list[InputField]:
        return input_fields(self.registry[workflow], _Schema(self._input_schema(workflow)))

    def _input_schema(self, workflow: str) -> dict:
        with sdk.plain(self.settings.server_url):
            schemas = self.client.assistants.get_schemas(self.assistant_ids[workflow])
        # A TypedDict input on Python < 3.12 gives no input schema on the server: its state schema names the same keys.
        return schemas.get("input_schema") or schemas.get("state_schema") or {}

    def start(self, workflow: str, inputs: dict | str, reviewer: Reviewer, thread_id: str | None = None) -> Iterator[Progress | Outcome]:
        if workflow not in self.registry:
            raise InvalidAnswer("Please choose a workflow.")
        if not self.allows(reviewer, workflow, "start"):
            record = {"thread_id": thread_id or "", "checkpoint_id": "", "interrupt_id": "start"}
            raise self.store_call(self.parts.refuse(reviewer, record, workflow, "start"))
        start_input = graph_input(self.registry[workflow], _Schema(self._input_schema(workflow)), inputs)
        return self._in_background(lambda emit: self._start(workflow, start_input, inputs, reviewer, thread_id, emit))

    def _start(self, workflow: str, start_input, inputs, reviewer: Reviewer, thread_id: str | None, emit) -> Outcome:
        if thread_id and not _is_uuid(thread_id):
            raise InvalidAnswer("A LangGraph Server names its threads with UUIDs (like 1f0a…-…). Leave the thread id "
                                "empty to get one, or paste a UUID.", "thread_id")
        with sdk.plain(self.settings.server_url):
            try:
                thread = self.client.threads.create(thread_id=check_thread_id(thread_id) if thread_id else None,
                                                    metadata={**self.scope, "started_by": reviewer.name},
                                                    if_exists="raise")
            except Exception as exc:
                if getattr(getattr(exc, "response", None), "status_code", None) == 409:
                    raise InvalidAnswer(f"A thread with the id “{thread_id}” already exists. Choose another id, or "
                                        "leave it empty.", "thread_id") from exc
                raise
        thread_id = thread["thread_id"]
        record = {"reviewer": reviewer.name, "reviewer_verified": reviewer.verified, "thread_id": thread_id,
                  "workflow": workflow, "checkpoint_id": "", "interrupt_id": "start", "action": "start",
                  "answer": {"input": inputs}}
        decision_id = self.store_call(self.store.log_event(record, "pending"))
        failure = None
        try:
            failure = self.decisions.run_on_server(thread_id, workflow, emit, input=start_input)
        except ConsoleError as exc:
            failure = str(exc)
        after = self.load(thread_id, missing_ok=True)
        self.store_call(self.store.finish(decision_id, "failed" if failure else "applied", failure,
                                          result_checkpoint_id=after.checkpoint_id if after else None))
        self.forget_reads()
        if failure:
            return Outcome("failed", f"The workflow stopped with an error on the LangGraph Server: {failure}", after)
        from console import wording
        return Outcome("started", wording.after_start(after), after)
