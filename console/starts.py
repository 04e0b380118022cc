"""Starting a new thread of a workflow: the id reserved and logged first, then the run to its first pause."""

from __future__ import annotations

import logging
import uuid

from console.decision_types import Outcome, Reviewer
from console import wording
from console.decisions import Decisions
from console.errors import InvalidAnswer
from console.runs import run_with_progress
from console.start_input import graph_input
from console.store import Refusal
from console.threads import check_thread_id

log = logging.getLogger("review_console")


def new_thread_id() -> str:
    """A short random id with no workflow id in it: the id is on every screen, the workflow's title beside it."""
    return f"thread-{uuid.uuid4().hex[:10]}"


async def start_thread(parts: "Decisions", workflow: str, inputs: dict | str, reviewer: Reviewer, thread_id: str | None, emit) -> Outcome:
    """`parts`: the decision path's registry, graphs, saver, store, reader and indexer (a start is logged like a decision)."""
    spec = parts.registry.get(workflow)
    if spec is None:
        raise InvalidAnswer("Please choose a workflow.")
    start_input = graph_input(spec, parts.graphs[workflow], inputs)  # names a missing field before anything is logged
    if thread_id:
        thread_id = check_thread_id(thread_id)
    else:
        thread_id = new_thread_id()
    record = {"reviewer": reviewer.name, "reviewer_verified": reviewer.verified, "thread_id": thread_id,
              "workflow": workflow, "checkpoint_id": "", "interrupt_id": "start", "action": "start",
              "answer": {"input": inputs}}
    claim = await parts.store.claim_new_thread(record)
    if isinstance(claim, Refusal):
        raise InvalidAnswer(f"A thread with the id “{thread_id}” already exists. Choose another id, or leave it empty.", "thread_id")
    config = {"configurable": {"thread_id": thread_id},
              "metadata": {"workflow": workflow, "workflow_version": spec.version, "started_by": reviewer.name}}
    try:
        await run_with_progress(parts.graphs[workflow], start_input, config, emit)
    except Exception as exc:
        log.warning("start of %s failed: %r", thread_id, exc)
        await parts.store.finish(claim.decision_id, "failed", f"{type(exc).__name__}: {exc}")
        await parts.indexer.derive(only=[thread_id])
        return Outcome("failed", f"The workflow stopped with an error: {exc}", await parts.reader.load(thread_id))
    latest = await parts.saver.aget_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
    await parts.store.finish(claim.decision_id, "applied",
                            result_checkpoint_id=latest.config["configurable"]["checkpoint_id"] if latest else None)
    await parts.indexer.derive(only=[thread_id])
    after = await parts.reader.load(thread_id)
    return Outcome("started", wording.after_start(after), after)
