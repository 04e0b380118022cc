"""Applying a reviewer's decision: bound to what they saw, applied once, logged, never lost.

Order of a decision: check the input (nothing claimed yet) → claim the pause in
one write transaction that also logs the decision → resume the graph with
durability="sync" → record the outcome. A console that dies mid-way leaves a
pending log row; any console on the database later finishes or releases it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from langgraph.errors import is_invalid_resume
from langgraph.types import Command

from console import payloads, schema_form
from console.errors import InvalidAnswer, ThreadNotFound
from console.threads import ThreadView, check_thread_id
from console.jsonable import to_jsonable
from console.runs import run_with_progress
from console.store import Claim, Refusal, is_busy

log = logging.getLogger("review_console")

ORPHAN_AFTER_S = 10.0


@dataclass(frozen=True)
class Reviewer:
    name: str
    verified: bool = False  # True when the identity comes from a sign-in, not a typed name
    email: str | None = None
    groups: tuple[str, ...] = ()

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
    # Further interrupts of the same thread answered in the same resume: (interrupt_id, action, inputs).
    together: tuple[tuple[str, str, dict[str, Any]], ...] = ()


@dataclass
class Outcome:
    status: str  # applied | refused | failed | started
    message: str
    view: ThreadView | None = None


class DecisionsMixin:
    """The decision half of Console; expects self.graphs, self.registry, self.store, self.saver, self._load, self._derive."""

    def _config(self, view: ThreadView) -> dict:
        return {
            "configurable": {"thread_id": view.thread_id},
            "metadata": {"workflow": view.workflow, "workflow_version": view.thread_version or self.registry[view.workflow].version},
        }

    async def _decide(self, req: DecisionRequest, reviewer: Reviewer, emit) -> Outcome:
        if req.together:
            return await self._decide_together(req, reviewer, emit)
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
            answer = payloads.build_answer(pending.value, req.action, req.inputs, pending.response_schema)
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
            return f"This was already answered{who}{when}. Your decision was not applied. Reload to see where the thread is now."
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
        return Outcome("applied", where_now(after), after)

    async def _after_failure(self, view: ThreadView, claim: Claim, req: DecisionRequest, exc: Exception) -> Outcome:
        log.warning("run of thread %s failed: %r", view.thread_id, exc)
        after = await self._load(view.thread_id)
        busy = is_busy(exc)
        answer_not_taken = after is not None and after.checkpoint_id == view.checkpoint_id
        if answer_not_taken and req.interrupt_id:
            # A typed answer refused by its response_schema was never saved: only its error goes.
            await self.store.drop_failed_answer(self.saver.serde, view.thread_id, view.checkpoint_id,
                                                errors_only=is_invalid_resume(exc))
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
            message = (f"The workflow could not use this answer: {str(schema_form.refusal_sentence(exc) or exc).rstrip('.')}. "
                       "Nothing was applied; you can change your answer and try again.")
        else:
            message = (f"Your decision was applied, then the workflow stopped with an error in “{after.error_node if after else '?'}”: "
                       f"{exc}. An administrator can retry it.")
        return Outcome("failed", message, after)

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


    # ---- several interrupts answered together (one resume) -----------------------------
    # Kept apart from the single-answer path above. Claims: each interrupt id is claimed
    # as its own decision-log row (sorted by id, so two consoles meet in the same order);
    # if any is refused, the ones already taken are released, and nothing is sent.

    async def _decide_together(self, req: DecisionRequest, reviewer: Reviewer, emit) -> Outcome:
        thread_id = check_thread_id(req.thread_id)
        view = await self._load(thread_id)
        if view is None:
            raise ThreadNotFound(f"There is no thread “{thread_id}”.")
        parts = [DecisionRequest(thread_id, req.checkpoint_id, iid, action, inputs)
                 for iid, action, inputs in [(req.interrupt_id, req.action, req.inputs), *req.together]]
        if len({p.interrupt_id for p in parts}) != len(parts) or not all(p.interrupt_id for p in parts):
            raise InvalidAnswer("Each question can be answered once per decision.")
        resume, records = {}, []
        for part in parts:  # every answer is checked before anything is claimed
            record = {
                "reviewer": reviewer.name, "reviewer_verified": reviewer.verified, "thread_id": thread_id,
                "workflow": view.workflow, "checkpoint_id": req.checkpoint_id, "interrupt_id": part.interrupt_id,
                "action": part.action,
            }
            command, _ = self._prepare(view, part, record)
            if command is not None:
                resume.update(command.resume)
            records.append(record)
        if view.version_changed:
            for record in records:
                await self.store.log_refusal(record, "workflow changed")
            return Outcome("refused", f"This thread was started with version {view.thread_version} of the workflow, and the "
                           f"console now runs version {view.current_version}. Nothing was applied.", view)
        claims = []
        for record in sorted(records, key=lambda r: r["interrupt_id"]):
            claim = await self._claim(record)
            if isinstance(claim, Refusal):
                for taken in claims:
                    await self.store.finish(taken.decision_id, "not applied", "Another answer sent with it was refused.", release=True)
                return Outcome("refused", self._refusal_sentence(claim), await self._load(thread_id))
            claims.append(claim)
        outcome = await self._run_claimed(view, claims[0], parts[0], Command(resume=resume), None, emit)
        first = next((d for d in await self.store.decisions(thread_id) if d["id"] == claims[0].decision_id), None)
        for taken in claims[1:]:  # the others end as the first did: one run answered them all
            final = first["outcome"] if first and first["outcome"] != "pending" else "failed"
            await self.store.finish(taken.decision_id, final, first["detail"] if first else None,
                                    result_checkpoint_id=first["result_checkpoint_id"] if first else None,
                                    release=final != "applied")
        return outcome


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



def where_now(view: ThreadView | None) -> str:
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
