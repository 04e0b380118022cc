"""Time travel on a LangGraph Server's thread: its checkpoint history in words (threads.get_history), the plan of
what runs again, and an administrator's reopen (the server's fork, then a run from it), claimed and logged in the
console's own database, applied once."""

from __future__ import annotations

from types import SimpleNamespace

from console.decision_types import Outcome, Reviewer
from console.errors import InvalidAnswer, ThreadNotFound
from console.read_cache import ReadCache
from console.server import client as sdk
from console.server import race
from console.server.claims import claim
from console.server.client import RunRefused
from console.server.decide import settle_call_failure
from console.store import Refusal
from console.threads import ThreadView, check_thread_id
from console.time_travel import (HISTORY_LIMIT, NOT_REOPENABLE, ReopenPlan, ReopenRequest, SavedStep, applied_sentence,
                                 make_plan, refusal_sentence, reopen_detail, reopen_record, saved_steps)


HISTORIES_KEPT = 64


def snapshot(state: dict) -> SimpleNamespace:
    """One get_history state as the few StateSnapshot fields console.time_travel.saved_steps reads."""
    parent = (state.get("parent_checkpoint") or {}).get("checkpoint_id")
    return SimpleNamespace(
        config={"configurable": {"checkpoint_id": (state.get("checkpoint") or {}).get("checkpoint_id")}},
        parent_config={"configurable": {"checkpoint_id": parent}} if parent else None,
        metadata=state.get("metadata") or {}, next=tuple(state.get("next") or ()), created_at=state.get("created_at"))


class ServerTimeTravel:
    """History and reopen over the server console's parts: its client, its store, its policy, its runs."""

    def __init__(self, console) -> None:
        self.console = console
        self._histories = ReadCache(HISTORIES_KEPT)

    # ---- history --------------------------------------------------------------------------------

    def steps(self, view: ThreadView) -> list[SavedStep]:
        """Every saved step, newest first, across branches. Kept per latest checkpoint: the steps behind one never
        change, and History, the reopen box and its plan read them on every rerun of the page."""
        key = (view.thread_id, view.checkpoint_id, tuple(p.node for p in view.interrupts))
        rows = self._histories.get(key)
        if rows is None:
            c = self.console
            with sdk.plain(c.settings.server_url, view.thread_id):
                states = c.client.threads.get_history(view.thread_id, limit=HISTORY_LIMIT)
            rows = saved_steps([snapshot(s) for s in states], view)
            if rows and rows[0].checkpoint_id == view.checkpoint_id:  # not moved on since the view was read
                self._histories.put(key, rows)
        return rows

    def edges(self, workflow: str) -> list[tuple[str, str]]:
        """The assistant's drawn graph as (source, target): what the plan says may follow (none when it cannot
        be read: the plan then names only the first steps, as for a local graph not drawn)."""
        graph = self.console.pictures.graph(workflow, xray=False)
        return [(arrow.source, arrow.target) for arrow in graph.edges] if graph is not None else []

    def plan(self, view: ThreadView, checkpoint_id: str, rows: list[SavedStep] | None = None) -> ReopenPlan:
        rows = rows if rows is not None else self.steps(view)
        return make_plan(rows, checkpoint_id, view.step_titles, self.edges(view.workflow))

    # ---- reopening --------------------------------------------------------------------------------

    def reopen(self, req: ReopenRequest, reviewer: Reviewer, emit) -> Outcome:
        """As locally: admins only, from a step of this thread's history, while the thread still stands where the
        admin saw it; the claim and the log row in one transaction, so two admins give one fork."""
        c = self.console
        thread_id = check_thread_id(req.thread_id)
        view = c.load(thread_id, missing_ok=True)
        workflow = view.workflow if view else None
        record = reopen_record(reviewer, ReopenRequest(thread_id, req.checkpoint_id, req.seen_checkpoint_id), workflow)
        if not c.allows(reviewer, workflow, "reopen"):
            raise c.store_call(c.parts.refuse(reviewer, record, workflow, "reopen"))
        if view is None or workflow not in c.registry:
            raise ThreadNotFound(f"There is no thread “{thread_id}” this console can reopen.")
        reason = "in progress" if view.status == "running" else (
            "moved on" if view.checkpoint_id != req.seen_checkpoint_id else None)
        if reason is not None:
            c.store_call(c.store.log_refusal(record, reason))
            return Outcome("refused", refusal_sentence(Refusal(reason), view), view)
        try:
            plan = self.plan(view, req.checkpoint_id)
        except InvalidAnswer:
            c.store_call(c.store.log_refusal(record, "not a saved step of this thread that can be reopened"))
            return Outcome("refused", NOT_REOPENABLE, view)
        got = c.store_call(claim(c.store, record))
        if isinstance(got, Refusal):
            return Outcome("refused", refusal_sentence(got, view), view)
        return self._run(view, got.decision_id, req, plan, emit)

    def _run(self, view: ThreadView, decision_id: int, req: ReopenRequest, plan: ReopenPlan, emit) -> Outcome:
        c = self.console
        fork_id, run_ids = None, set()
        try:
            if race.moved_from(c, view.thread_id, req.seen_checkpoint_id):  # the last look, just before the fork
                c.store_call(c.store.finish(decision_id, "refused", "moved on", release=True))
                now = c.load(view.thread_id, missing_ok=True)
                return Outcome("refused", refusal_sentence(Refusal("moved on"), now), now)
            # The server's fork: a new latest checkpoint whose parent is the chosen one, with its state and next
            # steps (the old branch stays in the history); then a run with no input from the fork.
            with sdk.plain(c.settings.server_url, view.thread_id):
                forked = c.client.threads.update_state(view.thread_id, None, checkpoint_id=req.checkpoint_id)
            fork_id = (forked.get("checkpoint") or {}).get("checkpoint_id")
            failure = c.decisions.run_on_server(view.thread_id, view.workflow, emit, run_ids,
                                                checkpoint_id=fork_id, input=None)
        except Exception as exc:  # refused only before the fork: after it, the thread has changed
            return settle_call_failure(c, decision_id, exc, view, isinstance(exc, RunRefused) and fork_id is None,
                                       reopen_detail(plan, fork_id) + " Then: ")
        after = c.load(view.thread_id, missing_ok=True)
        c.forget_reads()
        if failure is not None:
            # The fork stands (the thread is back at that step); the claim is released, so it can be answered again.
            c.store_call(c.store.finish(decision_id, "failed", reopen_detail(plan, fork_id) + f" Then: {failure}",
                                        release=True))
            return Outcome("failed", f"Reopened from step {plan.step}, then the run on the LangGraph Server stopped "
                           f"with an error: {' '.join(failure.split())[:300].rstrip('.')}. An administrator can retry "
                           "that step.", after)
        # A run sent past the console between the last look and the fork moved the old branch on: say so.
        others = race.check_after(c, view.thread_id, req.seen_checkpoint_id, run_ids)
        text = reopen_detail(plan, fork_id) + (f" Meanwhile run {', '.join(others.runs)}, sent to the server outside "
                                              "this console, moved the old branch on." if others.runs else "")
        c.store_call(c.store.finish(decision_id, "applied", text, result_checkpoint_id=after.checkpoint_id if after else None))
        said = applied_sentence(plan, after)
        return Outcome("applied", f"{said} {MOVED_MEANWHILE}" if others.runs else said, after)


MOVED_MEANWHILE = ("Just before the reopen, an answer sent to the LangGraph Server from outside this console (for "
                   "example from Agent Inbox) moved the thread on, and the server ran it: that run is on the earlier "
                   "branch now, with the steps it ran.")
