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

from console import formats as payloads
from console.formats import response_schema as schema_form
from console.errors import InvalidAnswer, ThreadNotFound
from console.threads import ThreadView, check_thread_id
from console.jsonable import to_jsonable
from console.runs import run_with_progress
from console.store import LATEST, Claim, Refusal, is_busy

log = logging.getLogger("review_console")

ORPHAN_AFTER_S = 10.0
# Logged on a decision a crashed console left half-way; the thread page warns about it.
STOPPED_MID_RUN = "The console stopped while applying this decision."


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

    async def _decide(self, req: DecisionRequest, reviewer: Reviewer, emit, view: ThreadView | None = None) -> Outcome:
        if req.together:
            return await self._decide_together(req, reviewer, emit)
        thread_id = check_thread_id(req.thread_id)
        if view is None or view.thread_id != thread_id:
            view = await self._load(thread_id, running=False)  # the claim refuses if one is in flight
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
        claim = await self._claim(record, view)
        if isinstance(claim, Refusal):
            now = await self._load(thread_id)
            return Outcome("refused", self._refusal_sentence(claim, now), now)
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

    async def _claim(self, record: dict, view: ThreadView | None) -> Claim | Refusal:
        # `view` was read just now; the claim's transaction re-checks the checkpoint atomically.
        # The pause must still be open: for interrupt(), the same question is still asked (a node
        # asking twice stays on one checkpoint); for a static pause, no question is pending.
        if view is not None and record.get("interrupt_id"):
            open_now = any(i.id == record["interrupt_id"] for i in view.interrupts)
        elif view is not None and record["action"] in ("continue", "edit_state"):
            open_now = view.status in ("waiting", "running") and not view.interrupts
        else:
            open_now = True
        return await self.store.claim({**record, "question_open": open_now})

    @staticmethod
    def _refusal_sentence(refusal: Refusal, now: ThreadView | None = None) -> str:
        who = f" by {refusal.by}" if refusal.by else ""
        when = f" at {refusal.at[:19].replace('T', ' ')} UTC" if refusal.at else ""
        where = f" {where_is(now)}" if now is not None else ""
        if refusal.reason == "already answered":
            return f"This was already answered{who}{when}. Your decision was not applied.{where} Reload to see the thread as it is now."
        if refusal.reason == "in progress":
            return (f"Another decision on this thread{who}{when} is being applied right now. Your decision was not applied."
                    f"{where} Reload in a moment to see the result.")
        if refusal.reason == "thread not found":
            return "This thread no longer exists. Your decision was not applied."
        return (f"This thread has moved on since you opened it (last decision{who}{when}). "
                f"Your decision was not applied.{where} Reload to see where it is now.")

    async def _run_claimed(self, view: ThreadView, claim: Claim, req: DecisionRequest, graph_input, state_update, emit) -> Outcome:
        graph = self.graphs[view.workflow]
        config = self._config(view)
        try:
            if state_update is not None:
                await graph.aupdate_state(config, state_update)
            await run_with_progress(graph, graph_input, config, emit)
        except Exception as exc:
            return await self._after_failure(view, claim, req, exc)
        try:
            await self.store.finish(claim.decision_id, "applied", result_checkpoint_id=LATEST)
        except Exception:
            # The run is done but the log is not: the background recovery settles it from the checkpoints.
            self._unsettled.add(claim.decision_id)
            raise
        # The inbox reads the index directly: bring this thread's row up to date before answering,
        # from the view read after the outcome was written (nothing of this decision is pending).
        after = await self._load(view.thread_id)
        await self._derive(only=[view.thread_id], fresh={view.thread_id: after} if after else None)
        return Outcome("applied", where_now(after), after)

    async def _answer_taken(self, thread_id: str, checkpoint_id: str, interrupt_id: str | None,
                            decision_id: int | None = None) -> tuple[bool, ThreadView | None]:
        """Did the graph take the decision? The checkpoint moved on, or a node finished with it at that
        checkpoint, or (two interrupts in one node) the node went on to its next question."""
        view = await self._load(thread_id)
        if view is None:
            return False, None
        if view.checkpoint_id != checkpoint_id or await self.store.answer_taken(thread_id, checkpoint_id, decision_id):
            return True, view
        if interrupt_id and view.interrupts and all(i.id != interrupt_id for i in view.interrupts):
            return True, view
        return False, view

    async def _settle(self, decision_id: int, thread_id: str, checkpoint_id: str, interrupt_id: str | None,
                      error: str | None, not_taken_outcome: str) -> tuple[bool, ThreadView | None]:
        """Make the log agree with the checkpoints: applied if the graph took the answer; otherwise
        forget any answer it saved and release the claim, so the pause can be answered again."""
        taken, view = await self._answer_taken(thread_id, checkpoint_id, interrupt_id, decision_id)
        if taken:
            await self.store.finish(decision_id, "applied", f"then: {error}" if error else None,
                                    result_checkpoint_id=view.checkpoint_id if view else None)
        else:
            if interrupt_id and view is not None:
                await self.store.drop_failed_answer(self.saver.serde, thread_id, checkpoint_id, decision_id)
            await self.store.finish(decision_id, not_taken_outcome, error, release=True)
        await self._derive(only=[thread_id])
        return taken, await self._load(thread_id)

    async def _heal_saver(self) -> None:
        """AsyncSqliteSaver does not roll back when a write fails ("database is locked"): its
        connection stays in a transaction on a stale snapshot, and every later write fails too."""
        if not hasattr(self.saver.conn, "in_transaction"):
            return  # PostgreSQL: the saver's pooled connections are autocommit; psycopg rolls back a failed pipeline
        async with self.saver.lock:
            if self.saver.conn.in_transaction:
                await self.saver.conn.rollback()

    async def _after_failure(self, view: ThreadView, claim: Claim, req: DecisionRequest, exc: Exception) -> Outcome:
        log.warning("run of thread %s failed: %r", view.thread_id, exc)
        await self._heal_saver()
        busy = is_busy(exc)
        invalid = _invalid_answer_sentence(exc)
        detail = "database busy" if busy else invalid or f"{type(exc).__name__}: {exc}"
        try:
            taken, after = await self._settle(claim.decision_id, view.thread_id, view.checkpoint_id, req.interrupt_id,
                                              detail, "failed")
        except Exception as settle_exc:  # the background recovery settles it once the database answers
            self._unsettled.add(claim.decision_id)
            log.warning("could not record the outcome of decision %s yet: %r", claim.decision_id, settle_exc)
            return Outcome("failed", "The database was busy, so the console could not finish this decision. It is "
                           "checked again in a few seconds; reload the thread then.", view)
        if taken:
            return Outcome("failed", f"Your decision was applied, then the workflow stopped with an error in "
                           f"“{after.error_node if after and after.error_node else '?'}”: {_plain(exc)} You can retry that step.", after)
        if busy:
            return Outcome("failed", "The database was busy with another change, so your decision was not applied. "
                           "Please try again.", after)
        if invalid:
            return Outcome("failed", f"The workflow did not accept this answer: {invalid}. Nothing was applied; "
                           "correct it and try again.", after)
        if not req.interrupt_id:  # continue, retry: no answer to blame, the step itself failed
            node = after.error_node if after and after.error_node else view.waiting_node
            return Outcome("failed", f"The step “{node}” stopped with an error: {_plain(exc)} The thread did not move on; "
                           "you can retry it.", after)
        return Outcome("failed", f"The workflow could not use this answer: {_plain(exc)} Nothing was applied; "
                       "you can change your answer and try again.", after)

    # ---- crash recovery --------------------------------------------------------------------

    async def _recover_orphans(self) -> None:
        """Decisions left pending by a console that died (or by this one, when finishing failed): settle them."""
        now = time.time()
        for d in await self.store.pending_decisions():
            if d["owner"] == self.store.owner:
                orphan = d["id"] in self._unsettled  # never one still running here
            else:
                host, pid = _owner_host_pid(d["owner"])
                dead_here = host == socket.gethostname() and pid is not None and not _alive(pid)
                silent = d["heartbeat_at"] is None or now - d["heartbeat_at"] > ORPHAN_AFTER_S
                orphan = dead_here or silent
            if orphan and (d["owner"] == self.store.owner or await self.store.adopt(d["id"], d["owner"])):
                try:
                    await self._recover_one(d)
                    self._unsettled.discard(d["id"])
                except Exception as exc:  # tried again on the next pass
                    log.warning("could not recover decision %s: %r", d["id"], exc)
        await self.store.forget_dead_processes(ORPHAN_AFTER_S * 6)

    async def _recover_one(self, d: dict) -> None:
        """Never re-runs the graph: a node that may have had its side effect is left for a person to continue."""
        await self._heal_saver()
        if d["action"] == "start":
            view = await self._load(d["thread_id"])
            if view is None:
                await self.store.finish(d["id"], "not applied", "The console stopped before this thread was started.",
                                        release=True)
            else:  # it exists and stands where the run stopped; the claim stays, as the id is taken
                await self.store.finish(d["id"], "applied", STOPPED_MID_RUN, result_checkpoint_id=view.checkpoint_id)
            await self._derive(only=[d["thread_id"]])
            return
        taken, view = await self._settle(
            d["id"], d["thread_id"], d["checkpoint_id"], d["interrupt_id"] or None,
            STOPPED_MID_RUN, "not applied")
        if taken and view is not None and view.status == "waiting":
            log.info("thread %s was recovered at %s; a reviewer decides whether it goes on", d["thread_id"], view.waiting_node)

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
            # The answers sent together are one decision in flight: their claims do not refuse each other.
            claim = await self._claim({**record, "siblings": [c.decision_id for c in claims]}, view)
            if isinstance(claim, Refusal):
                for taken in claims:
                    await self.store.finish(taken.decision_id, "not applied", "Another answer sent with it was refused.", release=True)
                now = await self._load(thread_id)
                return Outcome("refused", self._refusal_sentence(claim, now), now)
            claims.append(claim)
        outcome = await self._run_claimed(view, claims[0], parts[0], Command(resume=resume), None, emit)
        first = next((d for d in await self.store.decisions(thread_id) if d["id"] == claims[0].decision_id), None)
        for taken in claims[1:]:  # the others end as the first did: one run answered them all
            final = first["outcome"] if first and first["outcome"] != "pending" else "failed"
            await self.store.finish(taken.decision_id, final, first["detail"] if first else None,
                                    result_checkpoint_id=first["result_checkpoint_id"] if first else None,
                                    release=final != "applied")
        return outcome


def _plain(exc: BaseException, limit: int = 300) -> str:
    """An error as one short sentence for the page (the full error goes to the server log)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _invalid_answer_sentence(exc: BaseException) -> str | None:
    """An answer refused by the interrupt's response_schema (or its validators), naming the field."""
    if not is_invalid_resume(exc):
        return None
    sentence = schema_form.refusal_sentence(exc)
    return sentence.rstrip(".") if sentence else None


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


def _waits(view: ThreadView) -> str:
    """What a waiting thread waits for: "waits for step 2 of 2" or "waits at “node”"."""
    if view.interrupts and view.interrupts[0].request.step:
        r = view.interrupts[0].request
        return f"waits for step {r.step}{f' of {r.steps}' if r.steps else ''}"
    return f"waits at “{view.waiting_node}”"


def where_now(view: ThreadView | None) -> str:
    """Where a thread stands after the reviewer's own decision."""
    if view is None:
        return "Done."
    if view.status == "finished":
        status = view.values.get("status") if isinstance(view.values, dict) else None
        return f"Done. The workflow finished{f' ({status})' if status else ''}."
    if view.status == "waiting":
        return f"Done. The workflow now {_waits(view)}."
    if view.status == "failed":
        return f"The workflow stopped with an error in “{view.error_node}”: {view.error}"
    return "Done."


def where_is(view: ThreadView | None) -> str:
    """Where a thread stands, as a sentence for a refusal."""
    if view is None:
        return "The thread no longer exists."
    if view.status == "finished":
        return "The thread has finished."
    if view.status == "running":
        return "A decision on it is being applied now."
    if view.status == "failed":
        return f"The thread stopped with an error in “{view.error_node}”."
    if view.status == "waiting":
        return f"It now {_waits(view)}."
    return ""
