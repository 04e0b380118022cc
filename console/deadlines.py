"""Deadlines per workflow: when a waiting thread is due, the reminder before, and the default decision after.

Rules come from the policy file (REVIEW_CONSOLE_POLICY), as `[[deadline]]` tables:

    [[deadline]]
    workflows = ["content_approval"]     # or ["*"]: every workflow no other rule names
    due_hours = 4                        # due this long after the thread starts waiting
    remind_hours = 1                     # a reminder this long before it is due (0: none)
    default = { action = "reject", reason = "No reviewer answered within 4 hours." }   # optional

The timer (`DeadlineTimer.tick`) runs on the bridge loop every few seconds, from the
deriver's own loop in console/service.py; it takes `now` so tests need no clock.
"""

from __future__ import annotations

import logging
import math
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.decision_types import DEADLINE_REVIEWER, DecisionRequest, Outcome
from console.errors import InvalidAnswer
from console.notify import Notifier

log = logging.getLogger("review_console")

# Reminders and "started waiting" notices look back this far past a thread's window, so a
# console that was down for a while still sends them (the outbox keeps each one to once).
LOOKBACK_S = 86400.0


class DeadlineError(ValueError):
    pass


@dataclass(frozen=True)
class Deadline:
    workflows: tuple[str, ...]
    due_s: float
    remind_s: float = 0.0
    action: str | None = None  # the default decision's action, e.g. approve | reject | answer
    inputs: dict[str, Any] = field(default_factory=dict)  # its fields: reason, text, …

    def words(self, since: float, now: float) -> str:
        """"due in 2 h", "due in 20 min", "overdue": the inbox's column."""
        left = since + self.due_s - now
        if left <= 0:
            return "overdue"
        minutes = math.ceil(left / 60)
        if minutes < 60:
            return f"due in {minutes} min"
        if left < 2 * 86400:
            return f"due in {round(left / 3600)} h"
        return f"due in {round(left / 86400)} d"


@dataclass(frozen=True)
class Deadlines:
    rules: tuple[Deadline, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rules)

    def for_workflow(self, workflow: str | None) -> Deadline | None:
        for rule in self.rules:
            if workflow in rule.workflows:
                return rule
        return next((r for r in self.rules if "*" in r.workflows), None)

    def words(self, workflow: str | None, since: float | None, now: float) -> str:
        rule = self.for_workflow(workflow)
        return rule.words(since, now) if rule is not None and since is not None else ""

    def cutoffs(self, now: float) -> tuple[list[tuple[str, float]], float | None]:
        """(workflow, waiting_since at or before which it is overdue) per named workflow, and the "*" rule's."""
        named = [(w, now - r.due_s) for r in self.rules for w in r.workflows if w != "*"]
        star = next((now - r.due_s for r in self.rules if "*" in r.workflows), None)
        return named, star


def _rule(raw: dict, path: str) -> Deadline:
    try:
        due = float(raw["due_hours"]) * 3600
        remind = float(raw.get("remind_hours", 0)) * 3600
    except (KeyError, TypeError, ValueError) as exc:
        raise DeadlineError(f"A [[deadline]] in {path} needs due_hours (a number of hours).") from exc
    default = raw.get("default")
    if isinstance(default, str):
        default = {"action": default}
    if default is not None and not (isinstance(default, dict) and isinstance(default.get("action"), str)):
        raise DeadlineError(f"A [[deadline]] default in {path} is an action name, or a table with an action.")
    workflows = raw.get("workflows", ["*"])
    if isinstance(workflows, str):
        workflows = [workflows]
    inputs = {k: v for k, v in (default or {}).items() if k != "action"}
    return Deadline(tuple(workflows), due, min(remind, due), default["action"] if default else None, inputs)


def load_deadlines(path: str | Path | None) -> Deadlines:
    if not path:
        return Deadlines()
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DeadlineError(f"The policy file {path} cannot be read: {exc}") from exc
    return Deadlines(tuple(_rule(raw, str(path)) for raw in data.get("deadline", [])))


@dataclass
class TickReport:
    applied: int = 0
    refused: int = 0
    failed: int = 0
    reminded: int = 0
    outcomes: list[Outcome] = field(default_factory=list)


class DeadlineTimer:
    """One pass: reminders, overdue notices and default decisions, then the outbox. Cheap when nothing is due:
    one index seek per workflow with a deadline, one for threads that began waiting."""

    def __init__(self, deadlines: Deadlines, outbox, reader, decisions, notifier: Notifier, registry: dict,
                 same_pause=None) -> None:
        self.deadlines, self.outbox, self.reader = deadlines, outbox, reader
        self.decisions, self.notifier, self.registry = decisions, notifier, registry
        # Whether the thread still stands at the row's pause: an index row names its checkpoint; a LangGraph
        # Server's search row names its pending interrupts instead (console/server/deadlines.py).
        self.same_pause = same_pause or (lambda view, row: view.checkpoint_id == row["checkpoint_id"])
        self._seen_until: float | None = None  # waiting_since up to which "started waiting" was noticed

    async def tick(self, now: float | None = None) -> TickReport:
        now = time.time() if now is None else now
        report = TickReport()
        if self.notifier.enabled:
            await self._notice_new(now)
        for workflow in self.registry:
            rule = self.deadlines.for_workflow(workflow)
            if rule is not None:
                await self._one_workflow(workflow, rule, now, report)
        await self.notifier.settled()  # failed decisions noted meanwhile go out in this pass
        await self.notifier.deliver(now)
        return report

    async def _notice_new(self, now: float) -> None:
        after = (now - LOOKBACK_S) if self._seen_until is None else self._seen_until - 600  # late-indexed rows too
        rows = await self.outbox.waiting_since(after)
        await self.notifier.events("waiting", rows, now)
        if rows:
            self._seen_until = max(self._seen_until or 0.0, max(r["waiting_since"] for r in rows))
        elif self._seen_until is None:
            self._seen_until = now - LOOKBACK_S

    async def _one_workflow(self, workflow: str, rule: Deadline, now: float, report: TickReport) -> None:
        due_by = now - rule.due_s  # waiting since then or earlier: overdue
        if self.notifier.enabled and rule.remind_s:
            soon = await self.outbox.waiting_between(workflow, due_by, due_by + rule.remind_s)
            await self.notifier.events("reminder", soon, now, rule)
            report.reminded += len(soon)
        # With a default, every overdue thread is taken (they leave the list as they are answered);
        # without one, only the recent ones are noticed (the others were noticed before).
        overdue = await self.outbox.waiting_between(workflow, -1.0 if rule.action else due_by - LOOKBACK_S, due_by)
        if self.notifier.enabled:
            await self.notifier.events("overdue", overdue, now, rule)
        if rule.action:
            for row in overdue:
                await self._apply_default(row, rule, report)

    async def _apply_default(self, row: dict, rule: Deadline, report: TickReport) -> None:
        """The default, through the decision path a person's click takes (policy, claim guard, log)."""
        view = await self.reader.load(row["thread_id"], running=False)
        if view is None or view.status != "waiting" or not self.same_pause(view, row) or not view.interrupts:
            return  # answered meanwhile, or a static pause (no default for those)
        pending = view.interrupts[0]
        if rule.action not in {a.key for a in pending.request.actions}:
            log.warning("deadline default %r is not offered by thread %s; left for a reviewer", rule.action, view.thread_id)
            return
        req = DecisionRequest(view.thread_id, view.checkpoint_id, pending.id, rule.action, dict(rule.inputs))
        try:
            outcome = await self.decisions.decide(req, DEADLINE_REVIEWER, lambda _item: None)
        except InvalidAnswer as exc:
            log.warning("deadline default for thread %s cannot be built: %s", view.thread_id, exc)
            await self.notifier.failed(view.thread_id, view.workflow, DEADLINE_REVIEWER.name, str(exc))
            report.failed += 1
            return
        report.outcomes.append(outcome)
        if outcome.status == "applied":
            report.applied += 1
        elif outcome.status == "refused":
            report.refused += 1
        else:
            report.failed += 1
