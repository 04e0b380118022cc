"""Time travel: a thread's saved steps in words, and an administrator's reopen of one (LangGraph's fork, then a resume), applied once."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console import wording
from console.decision_types import Outcome, Reviewer
from console.errors import InvalidAnswer, ThreadNotFound
from console.runs import run_with_progress
from console.store import LATEST, Refusal
from console.threads import ThreadView, check_thread_id

if TYPE_CHECKING:  # type hints only: the decision path imports nothing from here
    from console.decisions import Decisions

log = logging.getLogger("review_console")

# The fork's own checkpoint carries where it came from (checkpoint metadata), so History can say so
# after the decision log has been cleaned, and from another console.
REOPENED_FROM = "reopened_from"
HISTORY_LIMIT = 200
NOT_REOPENABLE = ("That saved step is not one this thread can be reopened from: it is not in the thread's history, "
                  "or nothing would run again from it. Nothing was changed.")
SIDE_EFFECTS = ("Anything these steps did outside the console (an email sent, a post published, a payment made) "
                "may happen again.")


@dataclass(frozen=True)
class SavedStep:
    """One checkpoint, as History shows it."""
    checkpoint_id: str
    parent_id: str | None
    step: int | None
    what: str  # what produced it, in words
    waits: str  # what it waits for, in words ("—": nothing)
    time: str | None
    current: bool  # on the thread's current branch (False: a branch a reopen replaced)
    reopenable: bool
    next_nodes: tuple[str, ...]
    ran: tuple[str, ...]  # the nodes whose run produced it (empty for input, edits and forks)


@dataclass(frozen=True)
class ReopenPlan:
    """What a reopen from one saved step runs again, for the page to say before the admin confirms."""
    checkpoint_id: str
    step: int | None
    first: tuple[str, ...]  # the steps that run at once (the checkpoint's `next`), in words
    then: tuple[str, ...]  # the steps the graph may go on to after them, in order, in words
    ran_since: tuple[str, ...]  # of those, the ones that already ran on this thread after that step, in words

    @property
    def sentence(self) -> str:
        first = _quoted(self.first)
        text = f"Reopening from step {self.step} runs {first} again"
        if self.then:
            text += f", then, depending on the answers, {_quoted(self.then)}"
        text += ", until the workflow next stops for a review."
        if self.ran_since:
            text += f" Already run on this thread since then: {_quoted(self.ran_since)}. {SIDE_EFFECTS}"
        return text


@dataclass(frozen=True)
class ReopenRequest:
    thread_id: str
    checkpoint_id: str  # the saved step to reopen from, as History showed it
    seen_checkpoint_id: str  # the thread's latest checkpoint when History was shown: the thread must still stand there


def _quoted(labels: tuple[str, ...]) -> str:
    return ", ".join(f"“{label}”" for label in labels) if labels else "no step"


def drawn_edges(graph) -> list[tuple[str, str]]:
    """A local graph's edges as (source, target): the drawn graph, subgraphs as one step."""
    try:
        return [(edge.source, edge.target) for edge in graph.get_graph().edges]
    except Exception as exc:  # a graph that cannot be drawn still reopens; the page then names only the first steps
        log.warning("graph cannot be drawn for the reopen plan: %r", exc)
        return []


def _onward(edges: list[tuple[str, str]], start: tuple[str, ...]) -> list[str]:
    """The nodes the edges lead to from `start`, breadth first."""
    onward: dict[str, list[str]] = {}
    for source, target in edges:
        onward.setdefault(source, []).append(target)
    seen, order, queue = set(start), [], deque(start)
    while queue:
        for target in onward.get(queue.popleft(), []):
            if target not in seen and target not in ("__end__", "__start__"):
                seen.add(target)
                order.append(target)
                queue.append(target)
    return order


def saved_steps(snapshots: list, view: ThreadView) -> list[SavedStep]:
    """Saved steps in words from state snapshots (newest first; anything with config, parent_config, metadata,
    next and created_at like LangGraph's StateSnapshot), across branches: shared by the local store and a server."""
    by_id = {s.config["configurable"]["checkpoint_id"]: s for s in snapshots}
    head = snapshots[0].config["configurable"]["checkpoint_id"] if snapshots else None
    current, at = set(), head
    while at in by_id and at not in current:
        current.add(at)
        at = _parent_id(by_id[at])
    first_child: dict[str | None, str] = {}
    for cid in sorted(by_id):  # checkpoint ids sort by time: a parent's first child is the branch as it ran
        first_child.setdefault(_parent_id(by_id[cid]), cid)
    titles = view.step_titles
    rows = []
    for snap in snapshots:
        cid = snap.config["configurable"]["checkpoint_id"]
        meta = snap.metadata or {}
        parent = by_id.get(_parent_id(snap))
        source = meta.get("source")
        before = tuple(parent.next) if parent is not None else ()
        what, waits = wording.saved_step(source, before, tuple(snap.next), titles)
        # A fork names where it came from: in its metadata (the local store), or, where a server keeps no such
        # metadata, by being a state update that branches off beside its parent's first child.
        origin_id = meta.get(REOPENED_FROM) if isinstance(meta.get(REOPENED_FROM), str) else (
            _parent_id(snap) if source == "update" and parent is not None and first_child.get(_parent_id(snap)) != cid else None)
        reopened = source != "input" and origin_id is not None
        if reopened:
            origin = by_id.get(origin_id)
            step = (origin.metadata or {}).get("step") if origin is not None else None
            what = f"Reopened from step {step}" if step is not None else "Reopened"
        # The steps whose run produced it (none for input, edits and forks).
        ran = () if reopened or source in ("input", "update") or before == (wording.START_NODE,) else before
        if cid == head and view.interrupts and cid == view.checkpoint_id:
            waits = wording.steps_list(dict.fromkeys(p.node for p in view.interrupts), titles)  # the step inside a subgraph
        rows.append(SavedStep(
            checkpoint_id=cid, parent_id=_parent_id(snap), step=meta.get("step"), what=what, waits=waits,
            time=snap.created_at, current=cid in current,
            # Not the input checkpoint (a fork of it loses the input), not the thread's own position
            # (that is a decision, not a reopen), not a finished one (nothing would run).
            reopenable=bool(snap.next) and tuple(snap.next) != ("__start__",) and cid != head,
            next_nodes=tuple(snap.next), ran=ran,
        ))
    return rows


def make_plan(rows: list[SavedStep], checkpoint_id: str, titles: dict, edges: list[tuple[str, str]]) -> ReopenPlan:
    """Which steps a reopen from `checkpoint_id` runs again (the graph's edges give what follows);
    InvalidAnswer for a step that cannot be reopened."""
    source = next((r for r in rows if r.checkpoint_id == checkpoint_id), None)
    if source is None or not source.reopenable:
        raise InvalidAnswer(NOT_REOPENABLE)
    by_id = {r.checkpoint_id: r for r in rows}
    ran_since: dict[str, None] = {}
    for row in reversed(rows):  # oldest first: the order they ran in
        if row.ran and _descends_from(row, checkpoint_id, by_id):
            ran_since.update(dict.fromkeys(row.ran))
    return ReopenPlan(
        checkpoint_id=checkpoint_id, step=source.step,
        first=tuple(wording.step_label(n, titles) for n in source.next_nodes),
        then=tuple(wording.step_label(n, titles) for n in _onward(edges, source.next_nodes)),
        ran_since=tuple(wording.step_label(n, titles) for n in ran_since),
    )


def choice_labels(rows: list[SavedStep]) -> dict[str, str]:
    """The saved steps an administrator may reopen from: checkpoint id → a label in words."""
    return {r.checkpoint_id: f"Step {r.step}: {r.what}; then waited for {r.waits}"
            + ("" if r.current else " (an earlier branch)") for r in rows if r.reopenable}


def reopen_record(reviewer: Reviewer, req: ReopenRequest, workflow: str | None) -> dict:
    """The log row of a reopen: `checkpoint_id` is where the thread stood (the old branch), the answer names the
    step reopened from, and `result_checkpoint_id` (set when it settles) the new branch's latest checkpoint."""
    return {"reviewer": reviewer.name, "reviewer_verified": reviewer.verified, "thread_id": req.thread_id,
            "workflow": workflow, "checkpoint_id": req.seen_checkpoint_id, "interrupt_id": None,
            "action": "reopen", "answer": {REOPENED_FROM: req.checkpoint_id}}


class TimeTravel:
    """History and reopen over the decision path's parts: its policy, claims, recovery and log."""

    def __init__(self, decisions: "Decisions") -> None:
        self.decisions = decisions

    # ---- history ------------------------------------------------------------------------

    async def steps(self, view: ThreadView, limit: int = HISTORY_LIMIT) -> list[SavedStep]:
        """Every saved step of the thread, newest first, across branches (a fork keeps the old one)."""
        graph = self.decisions.graphs[view.workflow]
        config = {"configurable": {"thread_id": view.thread_id}}
        return saved_steps([s async for s in graph.aget_state_history(config, limit=limit)], view)

    async def plan(self, view: ThreadView, checkpoint_id: str, rows: list[SavedStep] | None = None) -> ReopenPlan:
        """Which steps a reopen from `checkpoint_id` runs again; InvalidAnswer for a step that cannot be reopened."""
        rows = rows if rows is not None else await self.steps(view)
        return make_plan(rows, checkpoint_id, view.step_titles, drawn_edges(self.decisions.graphs[view.workflow]))

    # ---- reopening ----------------------------------------------------------------------

    async def reopen(self, req: ReopenRequest, reviewer: Reviewer, emit) -> Outcome:
        """Guarded like a decision: admins only, from a step in this thread's history, while the thread
        still stands where the admin saw it; claimed and logged in one transaction, so two admins give one fork."""
        d = self.decisions
        thread_id = check_thread_id(req.thread_id)
        view = await d.reader.load(thread_id, running=False)  # the claim itself refuses while a decision runs
        workflow = view.workflow if view else None
        record = reopen_record(reviewer, ReopenRequest(thread_id, req.checkpoint_id, req.seen_checkpoint_id), workflow)
        if not d.allows(reviewer, workflow, "reopen"):
            raise await d.refuse(reviewer, record, workflow, "reopen")
        if view is None or workflow not in d.graphs:
            raise ThreadNotFound(f"There is no thread “{thread_id}” this console can reopen.")
        if view.version_changed:
            await d.store.log_refusal(record, "workflow changed")
            return Outcome("refused", f"This thread was started with version {view.thread_version} of the workflow, and the "
                           f"console now runs version {view.current_version}, so it cannot be reopened here. Nothing was changed.", view)
        rows = await self.steps(view)
        try:
            plan = await self.plan(view, req.checkpoint_id, rows)
        except InvalidAnswer:
            await d.store.log_refusal(record, "not a saved step of this thread that can be reopened")
            return Outcome("refused", NOT_REOPENABLE, view)
        claim = await d.claim(record, view)
        if isinstance(claim, Refusal):
            now = await d.reader.load(thread_id)
            return Outcome("refused", refusal_sentence(claim, now), now)
        return await self._run(view, claim.decision_id, req, plan, emit)

    async def _run(self, view: ThreadView, decision_id: int, req: ReopenRequest, plan: ReopenPlan, emit) -> Outcome:
        d = self.decisions
        graph = d.graphs[view.workflow]
        config = d.config(view)
        source = {"configurable": {"thread_id": view.thread_id, "checkpoint_ns": "", "checkpoint_id": req.checkpoint_id},
                  "metadata": {**config["metadata"], REOPENED_FROM: req.checkpoint_id}}
        fork_id = None
        try:
            # LangGraph's fork: a new checkpoint whose parent is the chosen one, with its state and its next
            # steps; the old branch stays in the history. Then a resume with no input runs on from the fork.
            forked = await graph.aupdate_state(source, None)
            fork_id = forked["configurable"]["checkpoint_id"]
            await run_with_progress(graph, None, {**config, "configurable": forked["configurable"]}, emit)
        except Exception as exc:
            log.warning("reopen of thread %s from %s failed: %r", view.thread_id, req.checkpoint_id, exc)
            await d.recovery.heal_saver()
            detail = reopen_detail(plan, fork_id) + f" Then: {type(exc).__name__}: {exc}"
            taken, after = await d.recovery.settle(decision_id, view.thread_id, req.seen_checkpoint_id, None, detail, "failed")
            if taken:
                return Outcome("failed", f"Reopened from step {plan.step}, then the workflow stopped with an error "
                               f"{wording.stopped_in(after)}. An administrator can retry that step.", after)
            return Outcome("failed", "The thread could not be reopened from that step; nothing was changed. "
                           "The server log has the details.", after)
        await d.store.finish(decision_id, "applied", reopen_detail(plan, fork_id), result_checkpoint_id=LATEST)
        after = await d.reader.load(view.thread_id)
        await d.indexer.derive(only=[view.thread_id], fresh={view.thread_id: after} if after else None)
        return Outcome("applied", applied_sentence(plan, after), after)


def reopen_detail(plan: ReopenPlan, fork_id: str | None) -> str:
    """The log's words for the link between the branches (both checkpoint ids: the log is for audits)."""
    fork = f"; the new branch starts at checkpoint {fork_id}" if fork_id else ""
    return f"Reopened from step {plan.step} (checkpoint {plan.checkpoint_id}){fork}."


def applied_sentence(plan: ReopenPlan, after: ThreadView | None) -> str:
    return f"Reopened from step {plan.step}. " + wording.where_now(after, "reopen").removeprefix("Answered. ")


def _parent_id(snapshot) -> str | None:
    parent = snapshot.parent_config or {}
    return parent.get("configurable", {}).get("checkpoint_id")


def _descends_from(row: SavedStep, ancestor: str, by_id: dict[str, SavedStep]) -> bool:
    at, hops = row.parent_id, 0
    while at is not None and hops <= len(by_id):
        if at == ancestor:
            return True
        parent = by_id.get(at)
        at, hops = (parent.parent_id if parent else None), hops + 1
    return False


def refusal_sentence(refusal: Refusal, now: ThreadView | None) -> str:
    who = f" by {refusal.by}" if refusal.by else ""
    when = f" at {refusal.at[:19].replace('T', ' ')} UTC" if refusal.at else ""
    if refusal.reason == "in progress":
        return (f"Another decision on this thread{who}{when} is being applied right now, so it was not reopened. "
                "Reload in a moment and look at its history again.")
    if refusal.reason == "thread not found":
        return "This thread no longer exists. Nothing was reopened."
    where = f" {wording.where_is(now)}" if now is not None else ""
    last = f" (last change{who}{when})" if who or when else ""  # a server's thread moved by someone outside the console
    return (f"This thread has moved on since its history was shown to you{last}, so it was not "
            f"reopened.{where} Look at its history again before you choose a step.")


def history_table(rows: list[SavedStep], decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """History as table rows for the page: words first, the checkpoint id last (the page shows it to
    administrators only, on request; the reopen uses it)."""
    by_checkpoint: dict[str, str] = {}
    for d in decisions:
        if d["outcome"] == "applied" and d["result_checkpoint_id"]:
            by_checkpoint.setdefault(d["checkpoint_id"], f"{wording.done_words(d['action']).capitalize()} by {d['reviewer']}")
    return [{"step": wording.step_number(r.step), "what happened": r.what, "waits for": r.waits, "decision": by_checkpoint.get(r.checkpoint_id, ""),
             "branch": "current" if r.current else "earlier",
             "time (UTC)": (r.time or "")[:19].replace("T", " "), "checkpoint_id": r.checkpoint_id} for r in rows]
