"""Demo data: a full inbox on first start, and a reset that removes only what the demo seeded."""

from __future__ import annotations

import re
from dataclasses import dataclass

from langgraph.types import Command

from console.errors import DatabaseBusy, NotAllowed
from workflows.models import instant_tokens
from workflows.registry import DEMO_WORKFLOWS
from workflows.spec import WorkflowSpec

# On every checkpoint a seeding run writes (config metadata is copied to each of them):
# how a reset tells demo threads from a team's own, whatever their ids.
SEEDED_BY = "review-console-demo"
RESET_ACTION = "reset demo data"
RESET_THREAD = "demo-data"  # the decision log's thread id for reset records (no thread has it)
_ROUND = re.compile(r"^demo-r(\d+)-")


def demo_thread_id(n: int, round_: int = 1) -> str:
    """The n-th seeded thread: demo-0001 (the ids links and tests know); after a reset demo-r2-0001, …

    Plain numbers, not the workflow's id: a thread id is on every screen, and the reviewer reads the
    workflow's title next to it."""
    return f"demo-{n:04d}" if round_ == 1 else f"demo-r{round_}-{n:04d}"


def _seeds() -> list[tuple[WorkflowSpec, int, str]]:
    """(workflow, its n-th demo input, text) in seeding order (DEMO_WORKFLOWS' order, then each one's inputs)."""
    return [(spec, i, text) for spec in DEMO_WORKFLOWS for i, text in enumerate(spec.demo_inputs, start=1)]


def seeded_ids(round_: int = 1) -> list[str]:
    return [demo_thread_id(n, round_) for n in range(1, len(_seeds()) + 1)]


async def seed_demo(graphs: dict, round_: int = 1) -> list[str]:
    """A full inbox: every demo workflow, every kind of pause. Returns the thread ids written."""
    token = instant_tokens.set(True)
    written = []
    try:
        for n, (spec, i, text) in enumerate(_seeds(), start=1):
            graph = graphs[spec.name]
            thread_id = demo_thread_id(n, round_)
            config = {"configurable": {"thread_id": thread_id},
                      "metadata": {"workflow": spec.name, "workflow_version": spec.version, "started_by": "demo",
                                   "seeded_by": SEEDED_BY}}
            await graph.ainvoke(spec.make_input(text), config, durability="sync")
            written.append(thread_id)
            if i == 2 and spec.name in ("gated_publication", "two_stage_review"):  # a second pause further on
                snapshot = await graph.aget_state(config)
                answer = Command(resume={snapshot.interrupts[0].id: {"approved": False, "changes": "Make it friendlier."}}) if snapshot.interrupts else None
                await graph.ainvoke(answer, config, durability="sync")
    finally:
        instant_tokens.reset(token)
    return written


# ---- reset ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResetResult:
    removed: tuple[str, ...]
    seeded: tuple[str, ...]
    message: str


def may_reset(app, reviewer) -> bool:
    """Admins, or anyone named in demo sign-in mode (where every typed name is trusted alike)."""
    if reviewer is None or app.settings.server_url:  # a LangGraph Server's threads are not the console's demo data
        return False
    return app.settings.auth_mode == "demo" or app.role(reviewer, None) == "admin"


async def _input_checkpoints(saver, metadata: dict) -> dict[str, dict]:
    """Thread id → metadata of each thread's first checkpoint matching `metadata` (the saver filters)."""
    found: dict[str, dict] = {}
    # Nothing awaited inside the loop: alist holds the saver's lock while it yields.
    async for item in saver.alist(None, filter={"source": "input", **metadata}):
        found.setdefault(item.config["configurable"]["thread_id"], dict(item.metadata or {}))
    return found


async def find_demo_threads(app) -> list[str]:
    """The threads the demo seeded: marked `seeded_by`, or (seeded before the mark existed, under
    the ids of then) id demo-<demo workflow>-<n>, started_by "demo", and no start record: every
    thread the console starts for a person has one, so a team's thread named demo-… is never taken."""
    marked = await _input_checkpoints(app.saver, {"seeded_by": SEEDED_BY})
    found = {t for t in marked if t.startswith("demo-")}
    names = "|".join(re.escape(spec.name) for spec in DEMO_WORKFLOWS)
    legacy = re.compile(rf"^demo-(?:r\d+-)?(?:{names})-\d+$")
    for thread_id in await _input_checkpoints(app.saver, {"started_by": "demo"}):
        if thread_id in found or not legacy.match(thread_id):
            continue
        if not any(d["action"] == "start" for d in await app.store.decisions(thread_id)):
            found.add(thread_id)
    return sorted(found)


async def _free_round(app, removed: list[str]) -> int:
    """A round whose ids have no checkpoint and no logged decision: the old demo threads' decisions
    stay in the log, and must not show up on the new threads that would share their ids."""
    round_ = max([int(m.group(1)) for t in removed if (m := _ROUND.match(t))] + [1]) + 1
    while True:
        ids = seeded_ids(round_)
        taken = await _input_checkpoints(app.saver, {"seeded_by": SEEDED_BY})
        if not set(ids) & set(taken) and not any([await app.store.decisions(t, limit=1) for t in ids]):
            return round_
        round_ += 1


async def _reset(app, reviewer) -> ResetResult:
    removed = await find_demo_threads(app)
    busy = await app.store.pending_decision_threads(removed) if removed else set()
    if busy:
        raise DatabaseBusy("A decision on a demo thread is being applied right now. Try the reset again in a moment.")
    round_ = await _free_round(app, removed)
    for thread_id in removed:
        await app.saver.adelete_thread(thread_id)
    seeded = await seed_demo(app.graphs, round_)
    # The index follows now, not on the background pass: the inbox is right when the page reloads.
    await app.indexer.derive(only=removed + seeded)
    message = (f"Removed {len(removed)} demo threads and seeded {len(seeded)} new ones. "
               "Their earlier decisions stay in the decision log, which is never cleared.")
    await app.store.log_event(
        {"reviewer": reviewer.name, "reviewer_verified": reviewer.verified, "thread_id": RESET_THREAD,
         "workflow": None, "checkpoint_id": "", "interrupt_id": "", "action": RESET_ACTION,
         "answer": {"removed": removed, "seeded": seeded}},
        "applied", message)
    return ResetResult(tuple(removed), tuple(seeded), message)


def reset_demo_data(app, reviewer) -> ResetResult:
    """Remove the demo threads (checkpoints, writes, index rows), seed them anew, and log who did it.
    A team's own threads and every decision row stay as they are. `app` is the Console."""
    if not may_reset(app, reviewer):
        raise NotAllowed("Only an administrator can reset the demo data. Nothing was changed.")
    return app.bridge.run(_reset(app, reviewer), app.settings.run_timeout_s)
