"""Deadlines on a LangGraph Server's threads: the local rules, words and timer (console/deadlines.py), read against the
server's waiting list (threads.search: thread ids and when each began waiting), with the notices in the console's own
outbox and each default decision through the server decision path (claimed and logged in the console's database)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from console.deadlines import DeadlineTimer, Deadlines, TickReport
from console.server.waiting import SELECT, timer_row, walk

log = logging.getLogger("review_console")


class WaitingList:
    """The timer's two reads of the waiting threads (console/store/outbox.Outbox's, over the local index), answered
    from one walk of the server's list, taken at the start of each pass."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    async def waiting_between(self, workflow: str, after: float, before: float, limit: int = 500) -> list[dict]:
        return [r for r in self.rows if r["workflow"] == workflow and r["waiting_since"] is not None
                and after < r["waiting_since"] <= before][:limit]

    async def waiting_since(self, after: float, limit: int = 500) -> list[dict]:
        return [r for r in self.rows if r["waiting_since"] is not None and r["waiting_since"] > after][:limit]


class _Reader:
    """The timer's one thread read: the thread page's own (one get_state), only for a thread whose default is due."""

    def __init__(self, console) -> None:
        self.console = console

    async def load(self, thread_id: str, running: bool = False):
        return await asyncio.to_thread(self.console.load, thread_id, True)


class _Decider:
    """The timer's decision: the server decision path a person's click takes, off the bridge loop (it calls the
    console's store through the bridge, and follows the run on the server)."""

    def __init__(self, console) -> None:
        self.console = console

    async def decide(self, req, reviewer, emit):
        outcome = await asyncio.to_thread(self.console.decisions.decide, req, reviewer, emit)
        if outcome.status == "failed":  # said as locally (console/notify.Notifier.on_outcome): the default did not go through
            await self.console.notifier.failed(req.thread_id, outcome.view.workflow if outcome.view else None,
                                               reviewer.name, outcome.message)
        return outcome


def same_pause(view, row: dict) -> bool:
    """The thread still asks the questions the search row named (a refused answer's row names none: its question
    is the one still asked)."""
    return {i.id for i in view.interrupts} == set(row["interrupt_ids"]) if row["interrupt_ids"] else bool(view.interrupts)


def overdue_rows(client, metadata: dict, deadlines: Deadlines, workflows, now: float,
                 enough: int | None = None) -> list[dict]:
    """The waiting threads past their workflow's deadline, longest waiting first: one walk of the server's list from
    its oldest change, until the first thread too recent to be due under any rule (a cost of the overdue ones, not
    of all), or until `enough` were found (a page in the longest-waiting order needs no more)."""
    cutoffs = {w: now - rule.due_s for w in workflows if (rule := deadlines.for_workflow(w)) is not None}
    if not cutoffs:
        return []
    latest = max(cutoffs.values())
    where = {**metadata, "graph_id": next(iter(cutoffs))} if len(cutoffs) == 1 else metadata
    found = []
    for thread in walk(client, where, "interrupted", min(200, enough or 200), select=SELECT):
        row = timer_row(thread)
        if row["waiting_since"] is None:
            continue
        if row["waiting_since"] > latest or (enough and len(found) >= enough):
            break
        if row["waiting_since"] <= cutoffs.get(row["workflow"], -1.0):
            found.append(thread)
    return found


class ServerDeadlines:
    """One pass now (run) or every REVIEW_CONSOLE_DEADLINE_CHECK seconds on a daemon thread of its own: a default's
    run must not hold up the console's heartbeat (console/server/recovery.py)."""

    def __init__(self, console) -> None:
        self.console = console
        self.waiting = WaitingList()
        self.timer = DeadlineTimer(console.deadlines, self.waiting, _Reader(console), _Decider(console),
                                   console.notifier, console.registry, same_pause)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._one_pass = threading.Lock()

    def run(self, now: float | None = None) -> TickReport:
        c = self.console
        with self._one_pass:
            self.waiting.rows = c.waiting.rows()
            return c.bridge.run(self.timer.tick(now), c.settings.run_timeout_s)

    def start(self) -> None:
        c = self.console
        if not (c.deadlines or c.notifier.enabled):
            return
        self._thread = threading.Thread(target=self._passes, name="review-console-server-deadlines", daemon=True)
        self._thread.start()

    def _passes(self) -> None:
        while not self._stop.wait(self.console.settings.deadline_check_s):
            try:
                self.run(time.time())
            except Exception:  # the server or the database away now is fine at the next pass
                log.exception("server-mode deadline pass failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
