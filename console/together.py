"""Several interrupts of one thread answered together, in one resume: all are claimed, or none is sent."""

from __future__ import annotations

from langgraph.types import Command

from console.decision_types import DecisionRequest, Outcome, Reviewer
from console.errors import InvalidAnswer, ThreadNotFound
from console.store import Refusal
from console.threads import check_thread_id


async def decide_together(decisions, req: DecisionRequest, reviewer: Reviewer, emit) -> Outcome:
    """`decisions`: the console's Decisions (not imported here: it imports this module).

    Each interrupt id is claimed as its own decision-log row, in the order of the ids, so two
    consoles meet in the same order; if any is refused, the ones already taken are released."""
    thread_id = check_thread_id(req.thread_id)
    view = await decisions.reader.load(thread_id)
    if view is None:
        raise ThreadNotFound(f"There is no thread “{thread_id}”.")
    parts = [DecisionRequest(thread_id, req.checkpoint_id, iid, action, inputs)
             for iid, action, inputs in [(req.interrupt_id, req.action, req.inputs), *req.together]]
    if len({p.interrupt_id for p in parts}) != len(parts) or not all(p.interrupt_id for p in parts):
        raise InvalidAnswer("Each question can be answered once per decision.")
    resume, records = {}, []
    for part in parts:  # every answer is checked before anything is claimed
        record = decisions.record(reviewer, view, part)
        command, _ = decisions.prepare(view, part, record)
        if command is not None:
            resume.update(command.resume)
        records.append(record)
    if view.version_changed:
        for record in records:
            await decisions.store.log_refusal(record, "workflow changed")
        return Outcome("refused", f"This thread was started with version {view.thread_version} of the workflow, and the "
                       f"console now runs version {view.current_version}. Nothing was applied.", view)
    claims = []
    for record in sorted(records, key=lambda r: r["interrupt_id"]):
        # The answers sent together are one decision in flight: their claims do not refuse each other.
        claim = await decisions.claim({**record, "siblings": [c.decision_id for c in claims]}, view)
        if isinstance(claim, Refusal):
            for taken in claims:
                await decisions.store.finish(taken.decision_id, "not applied", "Another answer sent with it was refused.",
                                             release=True)
            now = await decisions.reader.load(thread_id)
            return Outcome("refused", decisions.refusal_sentence(claim, now), now)
        claims.append(claim)
    outcome = await decisions.run_claimed(view, claims[0], parts[0], Command(resume=resume), None, emit)
    first = next((d for d in await decisions.store.decisions(thread_id) if d["id"] == claims[0].decision_id), None)
    for taken in claims[1:]:  # the others end as the first did: one run answered them all
        final = first["outcome"] if first and first["outcome"] != "pending" else "failed"
        await decisions.store.finish(taken.decision_id, final, first["detail"] if first else None,
                                     result_checkpoint_id=first["result_checkpoint_id"] if first else None,
                                     release=final != "applied")
    return outcome
