"""Applying a reviewer's decision: bound to what they saw, applied once, logged, never lost.

Order of a decision: check the input (nothing claimed yet) → claim the pause in
one write transaction that also logs the decision → resume the graph with
durability="sync" → record the outcome. A console that dies mid-way leaves a
pending log row; any console on the database later finishes or releases it
(console/recovery.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from typing import Any

from langgraph.errors import is_invalid_resume
from langgraph.types import Command

from console import formats, wording
from console.formats import response_schema
from console.decision_types import DEADLINE_REVIEWER, DecisionRequest, Outcome, Reviewer, StoppedRun
from console.errors import DatabaseBusy, InvalidAnswer, NotAllowed, ThreadNotFound
from console.indexer import Indexer
from console.jsonable import to_jsonable
from console.policy import needed_role
from console.recovery import LOCKED_MID_RUN, STEP_RAN_UNSAVED, STOPPED_MID_RUN, Recovery
from console.runs import Progress, run_with_progress
from console.store import LATEST, Claim, Refusal, is_busy
from console.threads import ThreadView, check_thread_id
from console.threads_reader import ThreadReader
from console.together import decide_together

log = logging.getLogger("review_console")

__all__ = ["Decisions", "DecisionRequest", "Outcome", "Reviewer", "StoppedRun", "STOPPED_MID_RUN"]


class Decisions:
    """The decision path. Owns the policy check and the decisions it is running (for double clicks)."""

    def __init__(self, registry: dict, graphs: dict, saver, store, reader: ThreadReader, indexer: Indexer,
                 recovery: Recovery, policy) -> None:
        self.registry = registry
        self.graphs = graphs
        self.saver = saver
        self.store = store
        self.reader = reader
        self.indexer = indexer
        self.recovery = recovery
        self.policy = policy
        # The same reviewer's same answer, sent again while the first is running (a double click):
        # it waits for the first and is told its outcome. Made and read on the bridge loop only.
        self._in_flight: dict[tuple, asyncio.Future] = {}
        # Told of every outcome (the notifier: a failed decision). Called, never awaited: a listener
        # schedules its own work, so it can never hold a decision up.
        self.listeners: list = []

    # ---- who may do what ------------------------------------------------------------------

    def role(self, reviewer: Reviewer | None, workflow: str | None) -> str:
        if reviewer is None:
            return "none"
        return self.policy.role(reviewer.email, reviewer.groups, workflow)

    def allows(self, reviewer: Reviewer | None, workflow: str | None, action: str) -> bool:
        if reviewer is DEADLINE_REVIEWER:  # the policy file's own default decision: a reviewer's actions, no admin's
            return needed_role(action) == "reviewer"
        return reviewer is not None and self.policy.allows(reviewer.email, reviewer.groups, workflow, action)

    async def refuse(self, reviewer: Reviewer, record: dict, workflow: str | None, action: str) -> NotAllowed:
        """Log a refused attempt (README: refused attempts are logged) and return the error to raise."""
        role = self.role(reviewer, workflow)
        await self.store.log_refusal({"reviewer": reviewer.name, "reviewer_verified": reviewer.verified,
                                      "workflow": workflow, "action": action, **record}, f"not allowed (role: {role})")
        if action == "start":
            return NotAllowed("You may look at this workflow's threads, but not start new ones. Nothing was started.")
        return NotAllowed(
            f"You are signed in as a {role} of this workflow, so you cannot {action.replace('_', ' ')} here. "
            "Nothing was applied. Ask an administrator if you need to decide."
        )

    # ---- deciding ---------------------------------------------------------------------------

    async def decide(self, req: DecisionRequest, reviewer: Reviewer, emit) -> Outcome:
        """The permission check lives here, on the server: hiding buttons is not a guard."""
        # running=False: the claim itself refuses while another decision is in flight.
        view = await self.reader.load(check_thread_id(req.thread_id), running=False)
        workflow = view.workflow if view else None
        if not self.allows(reviewer, workflow, req.action):
            raise await self.refuse(reviewer, {"thread_id": req.thread_id, "checkpoint_id": req.checkpoint_id,
                                               "interrupt_id": req.interrupt_id}, workflow, req.action)
        if req.together:  # the several-answers path, kept apart
            outcome = await decide_together(self, req, reviewer, emit)
        else:
            outcome = await self._decide(req, reviewer, emit, view)  # read once: it is part of every click's time
        for listener in self.listeners:
            try:
                listener(req, reviewer, workflow, outcome)
            except Exception:  # a listener's fault is logged, never the decision's
                log.exception("an outcome listener failed")
        return outcome

    def record(self, reviewer: Reviewer, view: ThreadView, req: DecisionRequest) -> dict:
        return {"reviewer": reviewer.name, "reviewer_verified": reviewer.verified, "thread_id": view.thread_id,
                "workflow": view.workflow, "checkpoint_id": req.checkpoint_id, "interrupt_id": req.interrupt_id,
                "action": req.action}

    async def _decide(self, req: DecisionRequest, reviewer: Reviewer, emit, view: ThreadView | None) -> Outcome:
        if view is None:
            raise ThreadNotFound(f"There is no thread “{check_thread_id(req.thread_id)}”.")
        record = self.record(reviewer, view, req)
        graph_input, state_update = self.prepare(view, req, record)
        if view.version_changed:
            reason = (f"This thread was started with version {view.thread_version} of the workflow, and the console now runs "
                      f"version {view.current_version}. It needs a second look by an administrator; nothing was applied.")
            await self.store.log_refusal(record, "workflow changed")
            return Outcome("refused", reason, view)
        if req.action in ("continue", "edit_state"):
            stopped = self.stopped_run(view, await self.store.decisions(view.thread_id))  # read afresh: this guards a run
            if stopped is not None and stopped.step_ran:  # the page offers no Continue; a direct call is refused too
                await self.store.log_refusal(record, "step ran, result not saved")
                return Outcome("refused", f"{stopped.sentence} Nothing was run.", view)
        key = (record["thread_id"], record["checkpoint_id"], record["interrupt_id"] or "", reviewer.name,
               record["action"], json.dumps(record.get("answer"), sort_keys=True, default=str))
        if key in self._in_flight:  # the same click again: one run, one outcome for both
            return await asyncio.shield(self._in_flight[key])
        self._in_flight[key] = asyncio.get_running_loop().create_future()
        try:
            outcome = await self._claim_and_run(view, req, record, graph_input, state_update, emit)
        except BaseException as exc:
            self._in_flight.pop(key).set_exception(exc)
            raise
        self._in_flight.pop(key).set_result(outcome)
        return outcome

    async def _claim_and_run(self, view: ThreadView, req: DecisionRequest, record: dict, graph_input, state_update,
                             emit) -> Outcome:
        claim = await self.claim(record, view)
        if isinstance(claim, Refusal):
            now = await self.reader.load(view.thread_id)
            return Outcome("refused", self.refusal_sentence(claim, now), now)
        return await self.run_claimed(view, claim, req, graph_input, state_update, emit)

    def prepare(self, view: ThreadView, req: DecisionRequest, record: dict) -> tuple[Any, dict | None]:
        """Check the input against what the reviewer saw; returns the graph input and any state edit."""
        if req.interrupt_id:
            pending = next((i for i in view.interrupts if i.id == req.interrupt_id), None)
            if pending is None:
                # Answered already (maybe outside the console): the claim step gives the refusal.
                record["checkpoint_id"] = req.checkpoint_id
                return None, None
            answer = formats.build_answer(pending.value, req.action, req.inputs, pending.response_schema)
            _refuse_non_finite(req.inputs, answer)
            record["answer"] = to_jsonable(answer)
            # The diff the reviewer confirmed, kept in the log (None: this answer edits nothing).
            record["changes"] = formats.edit_changes(pending.value, req.action, req.inputs, pending.response_schema)
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
            update = formats.build_state_update(to_jsonable(view.values), req.inputs)
            _refuse_non_finite(req.inputs, update)
            record["answer"] = to_jsonable(update)
            record["changes"] = formats.state_edit_changes(to_jsonable(view.values), req.inputs)
            before = {k: to_jsonable(view.values.get(k)) for k in update}
            record["text_before"], record["text_after"] = formats.dumps(before), formats.dumps(update)
            return None, update
        raise InvalidAnswer("That action is not offered for this thread.")

    async def claim(self, record: dict, view: ThreadView | None) -> Claim | Refusal:
        # `view` was read just now; the claim's transaction re-checks the checkpoint atomically.
        # The pause must still be open: for interrupt(), the same question is still asked (a node
        # asking twice stays on one checkpoint); for a static pause, no question is pending.
        if view is not None and record.get("interrupt_id"):
            open_now = any(i.id == record["interrupt_id"] for i in view.interrupts)
        elif view is not None and record["action"] in ("continue", "edit_state"):
            open_now = view.status in ("waiting", "running") and not view.interrupts
        else:
            open_now = True
        try:
            return await self.store.claim({**record, "question_open": open_now})
        except Exception as exc:  # PostgreSQL's lock_timeout strikes inside the transaction, not at its start
            if is_busy(exc):
                raise DatabaseBusy("The database is busy with another change. Please try again in a moment.") from exc
            raise

    @staticmethod
    def refusal_sentence(refusal: Refusal, now: ThreadView | None = None) -> str:
        who = f" by {refusal.by}" if refusal.by else ""
        when = f" at {refusal.at[:19].replace('T', ' ')} UTC" if refusal.at else ""
        where = f" {wording.where_is(now)}" if now is not None else ""
        if refusal.reason == "already answered":
            return f"This was already answered{who}{when}. Your decision was not applied.{where} Reload to see the thread as it is now."
        if refusal.reason == "in progress":
            return (f"Another decision on this thread{who}{when} is being applied right now. Your decision was not applied."
                    f"{where} Reload in a moment to see the result.")
        if refusal.reason == "thread not found":
            return "This thread no longer exists. Your decision was not applied."
        return (f"This thread has moved on since you opened it (last decision{who}{when}). "
                f"Your decision was not applied.{where} Reload to see where it is now.")

    def config(self, view: ThreadView) -> dict:
        return {
            "configurable": {"thread_id": view.thread_id},
            "metadata": {"workflow": view.workflow, "workflow_version": view.thread_version or self.registry[view.workflow].version},
        }

    async def run_claimed(self, view: ThreadView, claim: Claim, req: DecisionRequest, graph_input, state_update, emit) -> Outcome:
        graph = self.graphs[view.workflow]
        config = self.config(view)
        finished: set[str] = set()  # steps that ran to their end in this run (whether or not their result was saved)

        def watch(item) -> None:
            if isinstance(item, Progress) and item.kind == "finished":
                finished.add(item.node)
            emit(item)

        try:
            if state_update is not None:
                await graph.aupdate_state(config, state_update)
            await run_with_progress(graph, graph_input, config, watch)
        except Exception as exc:
            return await self._after_failure(view, claim, req, exc, finished)
        try:
            await self.store.finish(claim.decision_id, "applied", result_checkpoint_id=LATEST)
        except Exception as exc:
            if not is_busy(exc):
                raise
            # The run is done but the log is not: the background recovery settles it from the checkpoints.
            self.recovery.later(claim.decision_id, "The outcome could not be written at first: the database was "
                                "locked by another program.")
            after = await self.reader.load(view.thread_id)
            return Outcome("applied", f"{wording.where_now(after, _action(req))} The database was busy, so the decision log shows it "
                           "in a few seconds.", after)
        # The inbox reads the index directly: bring this thread's row up to date before answering,
        # from the view read after the outcome was written (nothing of this decision is pending).
        after = await self.reader.load(view.thread_id)
        await self.indexer.derive(only=[view.thread_id], fresh={view.thread_id: after} if after else None)
        return Outcome("applied", wording.where_now(after, _action(req)), after)

    async def _locked_story(self, thread_id: str, finished: set[str]) -> tuple[str, str | None]:
        """What a lock in the middle of the run did: the sentence for the log, and the step that ran unsaved."""
        now = await self.reader.load(thread_id, running=False)  # this run is the decision in flight
        if now is not None and now.status == "waiting" and not now.interrupts and now.waiting_node in finished:
            return f"{LOCKED_MID_RUN} “{now.waiting_node}” {STEP_RAN_UNSAVED}.", now.waiting_node
        return LOCKED_MID_RUN, None

    async def _after_failure(self, view: ThreadView, claim: Claim, req: DecisionRequest, exc: Exception,
                             finished: set[str]) -> Outcome:
        log.warning("run of thread %s failed: %r", view.thread_id, exc)
        await self.recovery.heal_saver()
        busy = is_busy(exc)
        invalid = _invalid_answer_sentence(exc)
        ran_unsaved = None
        if busy:
            detail, ran_unsaved = await self._locked_story(view.thread_id, finished)
        else:
            detail = invalid or f"{type(exc).__name__}: {exc}"
        try:
            taken, after = await self.recovery.settle(claim.decision_id, view.thread_id, view.checkpoint_id,
                                                      req.interrupt_id, detail, "failed")
        except Exception as settle_exc:  # the background recovery settles it once the database answers
            self.recovery.later(claim.decision_id, detail)
            log.warning("could not record the outcome of decision %s yet: %r", claim.decision_id, settle_exc)
            return Outcome("failed", "The database was busy, so the console could not finish this decision. It is "
                           "checked again in a few seconds; reload the thread then.", view)
        if taken and busy:
            node = after.waiting_node if after else None
            rest = (f"“{wording.step_label(ran_unsaved, view.step_titles)}” ran to its end, but its result could not be saved; running it again would repeat "
                    "its work, so the console does not offer it." if ran_unsaved else
                    f"Check “{wording.step_label(node, view.step_titles)}” before you continue: it may have partly run.")
            return Outcome("failed", "Your decision was applied, but another program locked the database during the run, "
                           f"so the workflow stopped. {rest}", after)
        if taken:
            return Outcome("failed", f"Your decision was applied, then the workflow stopped with an error "
                           f"{wording.stopped_in(after)}: {_plain(exc)} You can retry that step.", after)
        if busy:
            return Outcome("failed", "The database was busy with another change, so your decision was not applied. "
                           "Please try again.", after)
        if invalid:
            return Outcome("failed", f"The workflow did not accept this answer: {invalid}. Nothing was applied; "
                           "correct it and try again.", after)
        if not req.interrupt_id:  # continue, retry: no answer to blame, the step itself failed
            where = wording.stopped_in(after) if after and after.error_node else wording.at_step(view.waiting_node, view.step_titles)
            return Outcome("failed", f"The workflow stopped with an error {where}: {_plain(exc)} The thread did not move on; "
                           "you can retry it.", after)
        return Outcome("failed", f"The workflow could not use this answer: {_plain(exc)} Nothing was applied; "
                       "you can change your answer and try again.", after)

    def stopped_run(self, view: ThreadView, rows: list[dict]) -> StoppedRun | None:
        """Did the last decision's run stop short at the step this thread waits at (a crash, a lock)?
        `rows`: the thread's decisions, newest first (the page has read them already)."""
        if view.status != "waiting" or view.pause_kind != "paused" or not rows:
            return None
        last = rows[0]
        detail = str(last["detail"] or "")
        if last["outcome"] != "applied" or last["result_checkpoint_id"] != view.checkpoint_id:
            return None
        if STOPPED_MID_RUN in detail:
            cause, step_ran = "crash", False
        elif LOCKED_MID_RUN in detail:
            cause, step_ran = "lock", STEP_RAN_UNSAVED in detail
        else:
            return None
        who = last["reviewer"] if last["reviewer_verified"] else f"{last['reviewer']} (unverified)"
        return StoppedRun(who, wording.step_label(view.waiting_node, view.step_titles), cause, step_ran)

def _loads(text: str | None) -> Any:
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text


def _refuse_non_finite(inputs: dict[str, Any], built: Any) -> None:
    """NaN and Infinity are not JSON: Python's json reads them, so an answer holding one is refused here, by field."""
    def bad(value: Any) -> bool:
        if isinstance(value, float):
            return not math.isfinite(value)
        if isinstance(value, dict):
            return any(bad(v) for v in value.values())
        if isinstance(value, (list, tuple)):
            return any(bad(v) for v in value)
        return False

    if not bad(built):
        return
    for name, raw in inputs.items():
        if bad(raw) or (isinstance(raw, str) and bad(_loads(raw))):
            raise InvalidAnswer(f"“{name}” holds NaN or Infinity, which is not a number JSON can carry. "
                                "Write a number, or leave the value out.", name)
    raise InvalidAnswer("The answer holds NaN or Infinity, which is not a number JSON can carry. Write a number instead.")


def _action(req: DecisionRequest) -> str | None:
    """What the reviewer did, for the first word of the sentence after it (None: they answered a question)."""
    return None if req.interrupt_id else req.action


def _plain(exc: BaseException, limit: int = 300) -> str:
    """An error as one short sentence for the page (the full error goes to the server log)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _invalid_answer_sentence(exc: BaseException) -> str | None:
    """An answer refused by the interrupt's response_schema (or its validators), naming the field."""
    if not is_invalid_resume(exc):
        return None
    sentence = response_schema.refusal_sentence(exc)
    return sentence.rstrip(".") if sentence else None
