"""A decision on a server thread, exactly once: check where the thread stands, claim it in the console's own
database, resume by interrupt id on the checkpoint the reviewer saw (multitask_strategy="reject"), follow
runs.stream, settle the log with what the server says happened."""

from __future__ import annotations

import logging
from typing import Any

from console import formats as payloads
from console import wording
from console.decision_types import DecisionRequest, Outcome, Reviewer
from console.decisions import Decisions, _refuse_non_finite
from console.errors import ConsoleError, InvalidAnswer
from console.jsonable import to_jsonable
from console.runs import Progress
from console.server import race
from console.server.claims import claim, moved_refusal
from console.server.client import RunRefused, sentence
from console.server.reading import refused_answer
from console.store import Refusal
from console.threads import ThreadView

log = logging.getLogger("review_console")

# "tasks": a step's start (the local run shows "▶ … started" from astream_events; a server says it only here).
STREAM_MODES = ["updates", "messages-tuple", "tasks"]
PUSHED = "__pregel_push"  # a @task called inside a step: not a step of its own


def resume_map(view: ThreadView, req: DecisionRequest, record: dict) -> dict[str, Any] | None:
    """{interrupt id: answer} for every question this decision answers (one, or all sent together);
    None when a question is no longer pending (answered meanwhile: the check below refuses it)."""
    answers: dict[str, Any] = {}
    for interrupt_id, action, inputs in ((req.interrupt_id, req.action, req.inputs), *req.together):
        pending = next((i for i in view.interrupts if i.id == interrupt_id), None)
        if pending is None:
            return None
        answer = payloads.build_answer(pending.value, action, inputs, pending.response_schema)
        _refuse_non_finite(inputs, answer)
        answers[pending.id] = to_jsonable(answer)
        if isinstance(pending.request.draft, str) and isinstance(answer, dict) and "draft" in answer:
            record["text_before"], record["text_after"] = pending.request.draft, answer["draft"]
    record["answer"] = answers if req.together else next(iter(answers.values()))
    return answers


def moved_on(view: ThreadView | None, req: DecisionRequest) -> str | None:
    """Why the thread no longer stands where the reviewer saw it, or None."""
    if view is None:
        return "thread not found"
    if view.status == "running":
        return "in progress"
    if view.checkpoint_id != req.checkpoint_id:
        return "moved on"
    asked = [req.interrupt_id, *(t[0] for t in req.together)] if req.interrupt_id else []
    if any(i not in {p.id for p in view.interrupts} for i in asked):
        return "moved on"
    if not asked and req.action in ("continue", "edit_state") and (view.interrupts or view.status != "waiting"):
        return "moved on"
    return None


def _by_step(interrupts) -> dict[tuple[str, int], str]:
    """(step, position among that step's questions) → interrupt id: how one pause's questions match another's."""
    seen: dict[str, int] = {}
    found = {}
    for item in interrupts:
        found[(item.node, seen.setdefault(item.node, 0))] = item.id
        seen[item.node] += 1
    return found


def progress_of(part) -> list[Progress]:
    """runs.stream parts → the console's progress events (a step's end, the model's words)."""
    event, data = getattr(part, "event", ""), getattr(part, "data", None)
    if event == "tasks" and isinstance(data, dict) and "triggers" in data and isinstance(data.get("name"), str):
        return [] if PUSHED in (data.get("triggers") or ()) else [Progress("started", data["name"])]
    if event == "updates" and isinstance(data, dict):
        return [Progress("finished", node) for node in data if not node.startswith("__")]
    if event.startswith("messages") and isinstance(data, list) and len(data) == 2 and isinstance(data[0], dict):
        text = data[0].get("content")
        node = (data[1] or {}).get("langgraph_node") if isinstance(data[1], dict) else None
        return [Progress("token", node, text)] if isinstance(text, str) and text else []
    return []


def settle_call_failure(c, decision_id: int, exc: Exception, view: ThreadView, refused: bool, context: str = "") -> Outcome:
    """A server call that raised, after the claim: logged as refused (the server refused the run) or failed, with the
    claim released, so the thread can be answered again; an Outcome for a refusal, else the plain sentence raised."""
    said = str(exc) if isinstance(exc, ConsoleError) else f"{type(exc).__name__}: {exc}"
    c.store_call(c.store.finish(decision_id, "refused" if refused else "failed", context + said, release=True))
    if refused:
        return Outcome("refused", str(exc), view)
    if isinstance(exc, ConsoleError):
        raise exc
    raise sentence(exc, c.settings.server_url, view.thread_id) from exc


class ServerDecisions:
    """Owns nothing but its parts: the client, the console's store (through the bridge), the policy's checks."""

    def __init__(self, console) -> None:
        self.console = console

    def run_on_server(self, thread_id: str, graph: str, emit, run_ids: set | None = None, **run) -> str | None:
        """Stream one run; returns the server's error message when the run failed, else None. The run's id goes
        into `run_ids` (race.check_after tells the console's runs from others by it)."""
        c = self.console
        try:
            for part in c.client.runs.stream(thread_id, graph, stream_mode=STREAM_MODES, multitask_strategy="reject",
                                             on_disconnect="continue", durability="sync", **run):
                if getattr(part, "event", "") == "metadata" and run_ids is not None and isinstance(part.data, dict):
                    run_ids.add(str(part.data.get("run_id")))
                if getattr(part, "event", "") == "error":
                    data = part.data if isinstance(part.data, dict) else {"message": str(part.data)}
                    return str(data.get("message") or data.get("error") or "the run failed")
                for item in progress_of(part):
                    emit(item)
        except Exception as exc:
            raise sentence(exc, c.settings.server_url, thread_id) from exc
        return None

    def ask_again(self, view: ThreadView, answers: dict, emit, run_ids: set) -> tuple[str | None, str, dict]:
        """(failure, checkpoint, answers) for a new answer to a thread whose run failed after the last one. The
        server keeps that run's answer on the checkpoint and replays it on every resume there (langgraph-api
        0.16.7), so the new one would never be used: fork the checkpoint (as_node="__copy__": the same next steps,
        none of the failed run's writes), run the fork up to its questions again, and send the answers to the new
        questions' ids (the same step, the same order)."""
        c = self.console
        fork = c.client.threads.update_state(view.thread_id, None, checkpoint_id=view.checkpoint_id, as_node="__copy__")
        checkpoint_id = (fork.get("checkpoint") or {}).get("checkpoint_id") or view.checkpoint_id
        failure = self.run_on_server(view.thread_id, view.workflow, emit, run_ids, checkpoint_id=checkpoint_id, input=None)
        again = c.load(view.thread_id, missing_ok=True)
        if failure is not None or again is None:
            return failure or "the thread was deleted meanwhile", checkpoint_id, answers
        old, new = _by_step(view.interrupts), _by_step(again.interrupts)
        moved = {new[key]: answers[old_id] for key, old_id in old.items() if old_id in answers and key in new}
        if len(moved) != len(answers):
            return ("the workflow asked other questions when it ran again; reload the thread and answer them",
                    again.checkpoint_id, answers)
        return None, again.checkpoint_id, moved

    def decide(self, req: DecisionRequest, reviewer: Reviewer, emit) -> Outcome:
        c = self.console
        view = c.load(req.thread_id, missing_ok=True)
        workflow = view.workflow if view else None
        record = {"reviewer": reviewer.name, "reviewer_verified": reviewer.verified, "thread_id": req.thread_id,
                  "workflow": workflow, "checkpoint_id": req.checkpoint_id, "interrupt_id": req.interrupt_id,
                  "action": req.action}
        if not c.allows(reviewer, workflow, req.action):
            raise c.store_call(c.parts.refuse(reviewer, record, workflow, req.action))
        answers = None
        if view is not None and req.interrupt_id:
            answers = resume_map(view, req, record)  # InvalidAnswer: nothing is logged, nothing claimed
        elif view is not None and req.action == "edit_state":
            update = payloads.build_state_update(to_jsonable(view.values), req.inputs)
            record["answer"] = to_jsonable(update)
        elif view is not None and req.action not in ("continue", "retry"):
            raise InvalidAnswer("That action is not offered for this thread.")
        reason = moved_on(view, req)
        if reason is None and req.action == "retry" and view.status != "failed":
            reason = "moved on"
        if reason is not None:
            # Who moved it, when this console did: "already answered by Ann", as on the local store.
            refusal = (c.store_call(moved_refusal(c.store, record, reason)) if reason in ("moved on", "in progress")
                       else Refusal(reason))
            c.store_call(c.store.log_refusal(record, refusal.reason))
            return Outcome("refused", Decisions.refusal_sentence(refusal, view), view)
        got = c.store_call(claim(c.store, record))
        if isinstance(got, Refusal):
            return Outcome("refused", Decisions.refusal_sentence(got, view), view)
        return self._run_claimed(view, req, record, got.decision_id, answers, emit)

    def _run_claimed(self, view: ThreadView, req: DecisionRequest, record: dict, decision_id: int,
                     answers: dict | None, emit) -> Outcome:
        c = self.console
        run_ids: set[str] = set()
        try:
            if race.moved_from(c, view.thread_id, req.checkpoint_id):  # the last look, just before sending
                c.store_call(c.store.finish(decision_id, "refused", "moved on", release=True))
                now = c.load(view.thread_id, missing_ok=True)
                return Outcome("refused", Decisions.refusal_sentence(Refusal("moved on"), now), now)
            checkpoint_id = req.checkpoint_id
            if req.action == "edit_state":
                done = c.client.threads.update_state(view.thread_id, record["answer"], checkpoint_id=checkpoint_id)
                checkpoint_id = (done.get("checkpoint") or {}).get("checkpoint_id") or checkpoint_id
            failure = None
            if answers and (view.status == "failed" or view.error_node):  # the last run failed here: fork first
                failure, checkpoint_id, answers = self.ask_again(view, answers, emit, run_ids)
            run = {"command": {"resume": answers}} if answers else {"input": None}
            if failure is None:
                failure = self.run_on_server(view.thread_id, view.workflow, emit, run_ids, checkpoint_id=checkpoint_id, **run)
        except Exception as exc:
            return settle_call_failure(c, decision_id, exc, view, isinstance(exc, RunRefused))
        after = c.load(view.thread_id, missing_ok=True)
        if failure is not None:
            # Nothing is logged as applied: the claim is released, so the thread can be answered again.
            c.store_call(c.store.finish(decision_id, "failed", failure, release=True))
            refused = refused_answer(failure) if answers else None
            if refused is not None:
                return Outcome("failed", f"The workflow did not accept this answer: {refused}. Nothing was applied; "
                               "correct it and try again.", after)
            where = f" {wording.stopped_in(after)}" if after is not None and after.error_node else ""
            return Outcome("failed", f"The run on the LangGraph Server stopped with an error{where}: "
                           f"{' '.join(failure.split())[:300].rstrip('.')}. Your decision was not recorded as applied; "
                           "you can answer again.", after)
        c.forget_reads()
        others = race.check_after(c, view.thread_id, req.checkpoint_id, run_ids)
        # An edit runs from a checkpoint of its own, so it is never replayed over; an answer or a continue is.
        used = not others.before_ours or req.action == "edit_state"
        c.store_call(c.store.finish(decision_id, "applied" if used else "refused",
                                    race.detail(req.checkpoint_id, others, used) if others.runs else None,
                                    result_checkpoint_id=after.checkpoint_id if after else None))
        if not used:
            return Outcome("refused", race.NOT_USED, after)
        said = wording.where_now(after, None if req.interrupt_id else req.action)
        return Outcome("applied", f"{said} {race.TWO_RUNS}" if others.runs else said, after)
