"""The console: every call a page makes, as a plain synchronous function over the bridge."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite
import pandas as pd
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.types import Command

from console import payloads
from console.bridge import Bridge, StreamResult
from console.errors import DatabaseUnavailable, InvalidAnswer, ThreadNotFound
from console.inbox import InboxPage, InboxQuery, page_of, page_sql
from console.jsonable import to_jsonable
from console.runs import Progress, run_with_progress
from console.settings import Settings, load_settings
from console.store import Claim, Refusal, Store, is_busy
from console.threads import ThreadView, history, load_view, workflow_from_checkpoint
from workflows.models import instant_tokens
from workflows.registry import DEMO_WORKFLOWS, load_registry

log = logging.getLogger("review_console")

THREAD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")
HEARTBEAT_S = 2.0
ORPHAN_AFTER_S = 10.0


@dataclass(frozen=True)
class Reviewer:
    name: str
    verified: bool = False

    @property
    def label(self) -> str:
        return self.name if self.verified else f"{self.name} (unverified)"


@dataclass(frozen=True)
class DecisionRequest:
    thread_id: str
    checkpoint_id: str  # the checkpoint the reviewer was shown
    interrupt_id: str | None  # the interrupt answered; None for a static pause or a retry
    action: str
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    status: str  # applied | refused | failed | started
    message: str
    view: ThreadView | None = None


def check_thread_id(thread_id: str) -> str:
    thread_id = (thread_id or "").strip()
    if not THREAD_ID.match(thread_id):
        raise ThreadNotFound(
            "That is not a valid thread id. Thread ids use letters, digits and . _ : @ - (at most 128 characters)."
        )
    return thread_id


def _check_database_file(path: Path) -> None:
    """Plain sentences for a path that cannot hold a checkpoint database."""
    if path.exists() and path.is_dir():
        raise DatabaseUnavailable(f"The database path {path} is a folder, not a file.")
    if path.exists():
        with open(path, "rb") as handle:
            head = handle.read(16)
        if head and head != b"SQLite format 3\x00":
            raise DatabaseUnavailable(f"The file {path} is not a SQLite database. Check REVIEW_CONSOLE_DB.")
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnavailable(f"The folder for the database ({path.parent}) cannot be created: {exc.strerror}.") from exc
    if not os.access(path.parent, os.W_OK):
        raise DatabaseUnavailable(f"The folder {path.parent} is read-only, so the database cannot be created there.")


class Console:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        try:
            self.registry = load_registry(self.settings.extra_workflows)
        except ValueError as exc:
            raise DatabaseUnavailable(f"A workflow named in REVIEW_CONSOLE_WORKFLOWS cannot be loaded: {exc}") from exc
        self.bridge = Bridge()
        self._derive_lock: asyncio.Lock | None = None
        self._background: asyncio.Task | None = None
        try:
            self.bridge.run(self._open(), timeout=max(60.0, self.settings.call_timeout_s))
        except BaseException:
            self.bridge.close(self._close_async)
            raise

    # ---- lifecycle (on the loop) ---------------------------------------------------------

    async def _open(self) -> None:
        path = Path(self.settings.db_path)
        _check_database_file(path)
        self._derive_lock = asyncio.Lock()
        self._saver_conn = None
        self.store = None
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
            raise DatabaseUnavailable(f"The database {path} cannot be used: {exc}.") from exc
        self.graphs = {
            name: spec.builder().compile(checkpointer=self.saver, **spec.compile_options)
            for name, spec in self.registry.items()
        }
        self._node_sets = {name: set(g.builder.nodes) for name, g in self.graphs.items()}
        await self._recover_orphans()
        if self.settings.seed_demo and await self.store.thread_count() == 0:
            await self._seed_demo()
        await self._derive()
        self._background = asyncio.get_running_loop().create_task(self._keep_fresh())

    async def _close_async(self) -> None:
        if self._background is not None:
            self._background.cancel()
        if self.store is not None:
            await self.store.close()
        if self._saver_conn is not None:
            await self._saver_conn.close()

    def close(self) -> None:
        self.bridge.close(self._close_async)

    async def _keep_fresh(self) -> None:
        """Heartbeat, index other processes' changes, release dead consoles' claims."""
        tick = 0
        while True:
            try:
                await asyncio.sleep(0.5)
                tick += 1
                await self._derive()
                if tick % int(HEARTBEAT_S / 0.5) == 0:
                    await self.store.heartbeat()
                if tick % 10 == 0:
                    await self._recover_orphans()
            except asyncio.CancelledError:
                raise
            except Exception:  # a busy database now is fine later
                log.exception("background refresh failed")

    # ---- reading threads -------------------------------------------------------------

    async def _load(self, thread_id: str) -> ThreadView | None:
        config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
        latest = await self.saver.aget_tuple(config)
        if latest is None:
            return None
        name, _ = workflow_from_checkpoint(latest, self._node_sets)
        running = await self.store.has_pending_decision(thread_id)
        if name not in self.graphs:
            return ThreadView(
                thread_id=thread_id, workflow=name, workflow_title=name or "Unknown workflow",
                thread_version=None, current_version=None, status="unknown", pause_kind=None, next_nodes=(),
                checkpoint_id=latest.config["configurable"]["checkpoint_id"], created_at=latest.checkpoint.get("ts"),
                values={}, error=f"This thread's workflow ({name or 'not recorded'}) is not registered in this console.",
            )
        return await load_view(self.graphs[name], self.registry[name], thread_id, running=running)

    async def _load_safely(self, thread_id: str) -> ThreadView | dict | None:
        try:
            return await self._load(thread_id)
        except Exception as exc:  # one unreadable thread must not stop the index
            log.warning("thread %s cannot be read: %r", thread_id, exc)
            return {
                "thread_id": thread_id, "status": "unreadable", "error": f"The console cannot read this thread: {exc}",
                "preview": "This thread cannot be read.", "interrupt_count": 0,
            }

    async def _derive(self, only: list[str] | None = None, limit: int = 500) -> int:
        """Recompute the index rows of threads whose saver rows changed."""
        async with self._derive_lock:
            marks = await self.store.marked_threads(limit)
            if only is not None:
                marks = [m for m in marks if m[0] in only]
            rows, gone = [], []
            for thread_id, _ in marks:
                view = await self._load_safely(thread_id)
                if view is None:
                    gone.append(thread_id)
                else:
                    rows.append(view if isinstance(view, dict) else view.index_row())
            if marks:
                await self.store.save_thread_rows(rows, gone, marks)
            return len(marks)

    def thread(self, thread_id: str) -> ThreadView:
        thread_id = check_thread_id(thread_id)
        view = self.bridge.run(self._load(thread_id), self.settings.call_timeout_s)
        if view is None:
            raise ThreadNotFound(f"There is no thread “{thread_id}”. It may have been deleted, or the link is mistyped.")
        return view

    def history(self, thread_id: str) -> pd.DataFrame:
        view = self.thread(thread_id)
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

    def inbox(self, query: InboxQuery = InboxQuery()) -> InboxPage:
        rows_sql, rows_params, count_sql, count_params = page_sql(query, time.time())

        async def fetch():
            await self._derive(limit=200)
            rows = await self.store.query(rows_sql, tuple(rows_params))
            total = (await self.store.query(count_sql, tuple(count_params)))[0]["n"]
            return rows, total

        rows, total = self.bridge.run(fetch(), self.settings.call_timeout_s)
        return page_of(rows, total, query)

    def counts(self) -> pd.DataFrame:
        """Threads per workflow and status, for the sidebar and the activity page."""
        rows = self.bridge.run(self.store.query(
            "SELECT workflow, status, COUNT(*) AS threads FROM rc_threads GROUP BY workflow, status ORDER BY workflow, status"
        ), self.settings.call_timeout_s)
        return pd.DataFrame(rows, columns=["workflow", "status", "threads"])

    def decision_log(self, thread_id: str | None = None) -> pd.DataFrame:
        rows = self.bridge.run(self.store.decisions(thread_id), self.settings.call_timeout_s)
        return pd.DataFrame(rows)

    def filter_choices(self) -> dict[str, list[str]]:
        rows = self.bridge.run(self.store.query(
            "SELECT DISTINCT workflow, waiting_node, pause_kind FROM rc_threads WHERE status = 'waiting'"
        ), self.settings.call_timeout_s)
        return {
            "workflows": sorted({r["workflow"] for r in rows if r["workflow"]}),
            "nodes": sorted({r["waiting_node"] for r in rows if r["waiting_node"]}),
            "kinds": sorted({r["pause_kind"] for r in rows if r["pause_kind"]}),
        }

    # ---- deciding ------------------------------------------------------------------------

    def decide(self, request: DecisionRequest, reviewer: Reviewer) -> Iterator[Progress | Outcome]:
        """Apply one decision; yields live progress, then the Outcome. Raises InvalidAnswer before anything is claimed."""
        return self._unwrap(self.bridge.stream(lambda emit: self._decide(request, reviewer, emit), self.settings.run_timeout_s))

    def start(self, workflow: str, text: str, reviewer: Reviewer, thread_id: str | None = None) -> Iterator[Progress | Outcome]:
        return self._unwrap(self.bridge.stream(lambda emit: self._start(workflow, text, reviewer, thread_id, emit), self.settings.run_timeout_s))

    @staticmethod
    def _unwrap(items: Iterator) -> Iterator[Progress | Outcome]:
        for item in items:
            yield item.value if isinstance(item, StreamResult) else item

    def _config(self, view: ThreadView) -> dict:
        return {
            "configurable": {"thread_id": view.thread_id},
            "metadata": {"workflow": view.workflow, "workflow_version": view.thread_version or self.registry[view.workflow].version},
        }

    async def _decide(self, req: DecisionRequest, reviewer: Reviewer, emit) -> Outcome:
        thread_id = check_thread_id(req.thread_id)
        view = await self._load(thread_id)
        if view is None:
            raise ThreadNotFound(f"There is no thread “{thread_id}”.")
        record = {
            "reviewer": reviewer.name, "reviewer_verified": reviewer.verified, "thread_id": thread_id,
            "workflow": view.workflow, "checkpoint_id": req.checkpoint_id, "interrupt_id": req.interrupt_id,
            "action": req.action,
        }
        graph_input, state_update = self._prepare(view, req, record)
        if view.version_changed:
            reason = (f"This thread was started with version {view.thread_version} of the workflow, and the console now runs "
                      f"version {view.current_version}. It needs a second look by an administrator; nothing was applied.")
            await self.store.log_refusal(record, "workflow changed")
            return Outcome("refused", reason, view)
        claim = await self._claim(record)
        if isinstance(claim, Refusal):
            return Outcome("refused", self._refusal_sentence(claim), await self._load(thread_id))
        return await self._run_claimed(view, claim, req, graph_input, state_update, emit)

    def _prepare(self, view: ThreadView, req: DecisionRequest, record: dict) -> tuple[Any, dict | None]:
        """Check the input against what the reviewer saw; returns the graph input and any state edit."""
        if req.interrupt_id:
            pending = next((i for i in view.interrupts if i.id == req.interrupt_id), None)
            if pending is None:
                # Answered already (maybe outside the console): the claim step gives the refusal.
                record["checkpoint_id"] = req.checkpoint_id
                return None, None
            answer = payloads.build_answer(pending.value, req.action, req.inputs)
            record["answer"] = to_jsonable(answer)
            if isinstance(pending.request.draft, str) and isinstance(answer, dict) and "draft" in answer:
                record["text_before"], record["text_after"] = pending.request.draft, answer["draft"]
            return Command(resume={pending.id: answer}), None
        if req.action == "continue":
            return None, None
        if req.action == "retry":
            if view.status != "failed":
                raise InvalidAnswer("This thread has no failed step to retry.")
            return None, None
        if req.action == "edit_state":
            update = payloads.build_state_update(to_jsonable(view.values), req.inputs)
            record["answer"] = to_jsonable(update)
            before = {k: to_jsonable(view.values.get(k)) for k in update}
            record["text_before"], record["text_after"] = payloads.dumps(before), payloads.dumps(update)
            return None, update
        raise InvalidAnswer("That action is not offered for this thread.")

    async def _claim(self, record: dict) -> Claim | Refusal:
        view = await self._load(record["thread_id"])
        # The pause must still be open: same checkpoint and, for interrupt(), the same question.
        if view is not None and record.get("interrupt_id") and view.checkpoint_id == record["checkpoint_id"]:
            if not any(i.id == record["interrupt_id"] for i in view.interrupts):
                await self.store.log_refusal(record, "moved on")
                return Refusal("moved on")
        if view is not None and not record.get("interrupt_id") and record["action"] in ("continue", "edit_state"):
            if view.status != "waiting" or view.interrupts:
                await self.store.log_refusal(record, "moved on")
                return Refusal("moved on")
        return await self.store.claim(record)

    @staticmethod
    def _refusal_sentence(refusal: Refusal) -> str:
        who = f" by {refusal.by}" if refusal.by else ""
        when = f" at {refusal.at[:19].replace('T', ' ')} UTC" if refusal.at else ""
        if refusal.reason == "already answered":
            return f"Someone else already answered this{who}{when}. Your decision was not applied. Reload to see where the thread is now."
        if refusal.reason == "thread not found":
            return "This thread no longer exists. Your decision was not applied."
        return (f"This thread has moved on since you opened it (last decision{who}{when}). "
                "Your decision was not applied. Reload to see where it is now.")

    async def _run_claimed(self, view: ThreadView, claim: Claim, req: DecisionRequest, graph_input, state_update, emit) -> Outcome:
        graph = self.graphs[view.workflow]
        config = self._config(view)
        try:
            if state_update is not None:
                await graph.aupdate_state(config, state_update)
            await run_with_progress(graph, graph_input, config, emit)
        except Exception as exc:
            return await self._after_failure(view, claim, req, exc)
        after = await self._load(view.thread_id)
        await self.store.finish(claim.decision_id, "applied", result_checkpoint_id=after.checkpoint_id if after else None)
        await self._derive(only=[view.thread_id])
        after = await self._load(view.thread_id)
        return Outcome("applied", _where_now(after), after)

    async def _after_failure(self, view: ThreadView, claim: Claim, req: DecisionRequest, exc: Exception) -> Outcome:
        log.warning("run of thread %s failed: %r", view.thread_id, exc)
        after = await self._load(view.thread_id)
        busy = is_busy(exc)
        answer_not_taken = after is not None and after.checkpoint_id == view.checkpoint_id
        if answer_not_taken and req.interrupt_id:
            await self.store.drop_failed_answer(self.saver.serde, view.thread_id, view.checkpoint_id)
        detail = "database busy" if busy else f"{type(exc).__name__}: {exc}"
        if answer_not_taken:
            await self.store.finish(claim.decision_id, "failed", detail, release=True)
        else:
            await self.store.finish(claim.decision_id, "applied", f"then the workflow stopped: {detail}",
                                    result_checkpoint_id=after.checkpoint_id if after else None)
        await self._derive(only=[view.thread_id])
        after = await self._load(view.thread_id)
        if busy:
            message = "The database was busy with another change, so your decision was not applied. Please try again."
        elif answer_not_taken:
            message = (f"The workflow could not use this answer: {exc}. Nothing was applied; "
                       "you can change your answer and try again.")
        else:
            message = (f"Your decision was applied, then the workflow stopped with an error in “{after.error_node if after else '?'}”: "
                       f"{exc}. An administrator can retry it.")
        return Outcome("failed", message, after)

    # ---- starting threads -----------------------------------------------------------------

    async def _start(self, workflow: str, text: str, reviewer: Reviewer, thread_id: str | None, emit) -> Outcome:
        spec = self.registry.get(workflow)
        if spec is None:
            raise InvalidAnswer("Please choose a workflow.")
        if not (text or "").strip():
            raise InvalidAnswer(f"Please fill in “{spec.input_label}”.", "input")
        if thread_id:
            thread_id = check_thread_id(thread_id)
        else:
            thread_id = f"{workflow}-{uuid.uuid4().hex[:10]}"
        record = {"reviewer": reviewer.name, "reviewer_verified": reviewer.verified, "thread_id": thread_id,
                  "workflow": workflow, "checkpoint_id": "", "interrupt_id": "start", "action": "start",
                  "answer": {"input": text}}
        claim = await self.store.claim_new_thread(record)
        if isinstance(claim, Refusal):
            raise InvalidAnswer(f"A thread with the id “{thread_id}” already exists. Choose another id, or leave it empty.", "thread_id")
        config = {"configurable": {"thread_id": thread_id},
                  "metadata": {"workflow": workflow, "workflow_version": spec.version, "started_by": reviewer.name}}
        try:
            await run_with_progress(self.graphs[workflow], spec.make_input(text.strip()), config, emit)
        except Exception as exc:
            log.warning("start of %s failed: %r", thread_id, exc)
            await self.store.finish(claim.decision_id, "failed", f"{type(exc).__name__}: {exc}")
            await self._derive(only=[thread_id])
            return Outcome("failed", f"The workflow stopped with an error: {exc}", await self._load(thread_id))
        after = await self._load(thread_id)
        await self.store.finish(claim.decision_id, "applied", result_checkpoint_id=after.checkpoint_id if after else None)
        await self._derive(only=[thread_id])
        return Outcome("started", _where_now(after), await self._load(thread_id))

    async def _seed_demo(self) -> None:
        """A full inbox on first start: every demo workflow, every kind of pause."""
        token = instant_tokens.set(True)
        try:
            for spec in DEMO_WORKFLOWS:
                graph = self.graphs[spec.name]
                for i, text in enumerate(spec.demo_inputs, start=1):
                    config = {"configurable": {"thread_id": f"demo-{spec.name}-{i}"},
                              "metadata": {"workflow": spec.name, "workflow_version": spec.version, "started_by": "demo"}}
                    await graph.ainvoke(spec.make_input(text), config, durability="sync")
                    if i == 2:  # a second pause further on: before publishing, or the final approval
                        snapshot = await graph.aget_state(config)
                        answer = Command(resume={snapshot.interrupts[0].id: {"approved": False, "changes": "Make it friendlier."}}) if snapshot.interrupts else None
                        if spec.name != "content_approval":
                            await graph.ainvoke(answer, config, durability="sync")
        finally:
            instant_tokens.reset(token)

    # ---- crash recovery --------------------------------------------------------------------

    async def _recover_orphans(self) -> None:
        """Decisions left pending by a console that died: finish or release them."""
        now = time.time()
        for d in await self.store.others_pending_decisions():
            host, pid = _owner_host_pid(d["owner"])
            dead_here = host == socket.gethostname() and pid is not None and not _alive(pid)
            silent = d["heartbeat_at"] is None or now - d["heartbeat_at"] > ORPHAN_AFTER_S
            if dead_here or silent:
                await self._recover_one(d)
        await self.store.forget_dead_processes(ORPHAN_AFTER_S * 6)

    async def _recover_one(self, d: dict) -> None:
        view = await self._load(d["thread_id"])
        if view is None or d["action"] == "start":
            await self.store.finish(d["id"], "not applied", "The console stopped before this was applied.", release=True)
            return
        same_place = view.checkpoint_id == d["checkpoint_id"]
        still_asked = any(i.id == d["interrupt_id"] for i in view.interrupts) if d["interrupt_id"] else view.status == "waiting" and view.pause_kind in ("before", "after")
        if same_place and still_asked:
            await self.store.finish(d["id"], "not applied", "The console stopped before this decision was applied; the thread waits for an answer again.", release=True)
        else:
            if view.status == "waiting" and view.pause_kind == "paused" and view.workflow in self.graphs:
                # The answer is saved but the run stopped half-way: finish it, so the decision is not lost.
                try:
                    await self.graphs[view.workflow].ainvoke(None, self._config(view), durability="sync")
                except Exception as exc:
                    log.warning("recovery run of %s failed: %r", view.thread_id, exc)
            after = await self._load(d["thread_id"])
            await self.store.finish(d["id"], "applied", "Recovered after the console stopped mid-run.",
                                    result_checkpoint_id=after.checkpoint_id if after else None)
        await self._derive(only=[d["thread_id"]])


def _owner_host_pid(owner: str | None) -> tuple[str, int | None]:
    host, _, rest = (owner or "").partition(":")
    pid = rest.split(":")[0]
    return host, int(pid) if pid.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _where_now(view: ThreadView | None) -> str:
    if view is None:
        return "Done."
    if view.status == "finished":
        status = view.values.get("status") if isinstance(view.values, dict) else None
        return f"Done. The workflow finished{f' ({status})' if status else ''}."
    if view.status == "waiting":
        if view.interrupts and view.interrupts[0].request.step:
            r = view.interrupts[0].request
            return f"Done. The workflow now waits for step {r.step}{f' of {r.steps}' if r.steps else ''}."
        return f"Done. The workflow now waits at “{view.waiting_node}”."
    if view.status == "failed":
        return f"The workflow stopped with an error in “{view.error_node}”: {view.error}"
    return "Done."
