"""Safe bulk approval: which threads a plain approval can answer, and approving them one by one through the decision path."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from console import formats
from console.decision_types import DecisionRequest, Outcome, Reviewer
from console.errors import ConsoleError
from console.jsonable import to_jsonable
from console.threads import ThreadView

# The actions that mean "yes, as proposed" in each format (draft, HITL, Agent Inbox, tool call, static pause).
APPROVALS = ("approve", "accept", "continue")
MAX_THREADS = 50  # one click, one summary a person can read


@dataclass(frozen=True)
class BulkItem:
    """One selected thread as the reviewer was shown it: what approving it sends, or why it cannot be."""

    thread_id: str
    title: str
    checkpoint_id: str | None
    interrupt_id: str | None
    action: str | None  # None: not approvable in bulk (see `why_not`)
    fingerprint: str
    preview: str = ""
    why_not: str = ""


@dataclass(frozen=True)
class BulkResult:
    thread_id: str
    applied: bool
    why: str  # plain words: what happened, or why nothing was applied


def fingerprint(view: ThreadView) -> str:
    """What the reviewer saw, in one digest: the checkpoint and every pending payload (or the state, at a static pause)."""
    seen = [[i.id, to_jsonable(i.value)] for i in view.interrupts] if view.interrupts else to_jsonable(view.values)
    return hashlib.sha256(json.dumps([view.checkpoint_id, seen], sort_keys=True, default=str).encode()).hexdigest()


def _approval(view: ThreadView) -> tuple[str | None, str | None, str]:
    """(interrupt id, action key, "") when one plain approval answers the thread, else (None, None, why not)."""
    if view.status != "waiting":
        return None, None, "It is not waiting for a decision any more."
    if view.version_changed:
        return None, None, "Its workflow changed since it paused: it needs a look on its own page."
    if len(view.interrupts) > 1:
        return None, None, "Several questions wait in it: answer them on its page."
    pending = view.interrupts[0] if view.interrupts else None
    request = pending.request if pending else view.static_request
    if request is None:
        return None, None, "It asks nothing the console can answer."
    if request.items:
        return None, None, "It holds several requests, each with its own decision: open it to decide each."
    action = next((a for a in request.actions if a.key in APPROVALS), None)
    if action is None:
        return None, None, "It asks for an answer, not an approval."
    if action.fields or action.edits or action.confirm:
        return None, None, "Approving it needs input from you: open it."
    if pending is not None:
        try:  # the answer must build with no input at all (a response schema may still want fields)
            if formats.confirmation(pending.value, action.key, {}, pending.response_schema) is not None:
                return None, None, "Approving it needs a check of what is sent: open it."
        except ConsoleError:
            return None, None, "Approving it needs input from you: open it."
    return pending.id if pending else None, action.key, ""


def plan_item(thread_id: str, view: ThreadView | None, problem: str = "") -> BulkItem:
    if view is None:
        return BulkItem(thread_id, thread_id, None, None, None, "", why_not=problem or "It could not be read.")
    interrupt_id, action, why_not = _approval(view)
    pending = view.interrupts[0] if view.interrupts else None
    request = pending.request if pending else view.static_request
    return BulkItem(thread_id, request.title if request else view.workflow_title, view.checkpoint_id, interrupt_id,
                    action, fingerprint(view), request.preview if request else "", why_not)


def approve_one(item: BulkItem, now: ThreadView | None, decide, reviewer: Reviewer) -> BulkResult:
    """Check the thread against what the reviewer saw, then apply through the normal decision path
    (`decide`: Console.decide), whose claim makes it apply exactly once whoever else answers."""
    if item.action is None:
        return BulkResult(item.thread_id, False, f"Not offered for approval: {item.why_not}")
    if now is None:
        return BulkResult(item.thread_id, False, "It no longer exists.")
    if now.checkpoint_id != item.checkpoint_id or fingerprint(now) != item.fingerprint:
        return BulkResult(item.thread_id, False, "It changed after you checked it (someone answered it, or the workflow "
                                                 "moved on). Nothing was applied; open it to look again.")
    outcome = None
    try:
        for step in decide(DecisionRequest(item.thread_id, item.checkpoint_id, item.interrupt_id, item.action), reviewer):
            if isinstance(step, Outcome):
                outcome = step
    except ConsoleError as exc:
        return BulkResult(item.thread_id, False, str(exc))
    if outcome is None:
        return BulkResult(item.thread_id, False, "The decision did not finish. Open the thread to see where it stands.")
    return BulkResult(item.thread_id, outcome.status == "applied", outcome.message)
