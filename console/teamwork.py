"""Reviewers working together: who is on which thread, comments, and bulk approval; the same for both backends."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from console import bulk
from console.comments import Comments, comments_frame
from console.decision_types import Reviewer
from console.errors import ConsoleError, NotAllowed
from console.queue import Assignments, Holder
from console.threads import ThreadView, check_thread_id


class TeamWork:
    """Kept in the console's own database (rc_assignments, rc_comments), beside its decision log: a local
    saver's console and a LangGraph Server's console hold one each. Claims here are advice to other
    reviewers, never a guard: decisions stay guarded by rc_claims."""

    def __init__(self, console) -> None:
        # The console's bridge, settings, store, role(), thread() and decide(): whichever backend it is.
        self._console = console
        self.assignments, self.comments = Assignments(console.store), Comments(console.store)
        self.changes = 0  # this process's claims, releases and assignments: the pages' shared holders read is keyed on it

    async def setup(self) -> None:
        await self.assignments.setup()  # rc_assignments and rc_comments (console/store/queue_sql.py)

    def _run(self, coro):
        return self._console.bridge.run(coro, self._console.settings.call_timeout_s)

    def claim(self, thread_id: str, reviewer: Reviewer, minutes: float) -> Holder:
        """"I'm on it" for `minutes` (again: longer)."""
        try:
            return self._run(self.assignments.claim(check_thread_id(thread_id), reviewer.name, minutes))
        finally:
            self.changes += 1

    def release(self, thread_id: str, reviewer: Reviewer) -> None:
        try:
            self._run(self.assignments.release(thread_id, reviewer.name))
        finally:
            self.changes += 1

    def assign(self, scope: str, target: str, name: str, admin: Reviewer, workflow: str | None) -> None:
        """An admin gives a thread (or every thread of `workflow`) to a reviewer; an empty name takes it back."""
        if self._console.role(admin, workflow) != "admin":
            raise NotAllowed("Only an administrator can assign threads. Nothing was changed.")
        try:
            self._run(self.assignments.assign(scope, target, name, admin.name))
        finally:
            self.changes += 1

    def holder(self, thread_id: str, workflow: str | None) -> Holder | None:
        return self._run(self.assignments.holder(thread_id, workflow))

    def holders(self) -> list[Holder]:
        return self._run(self.assignments.live())

    def add_comment(self, thread_id: str, reviewer: Reviewer, text: str) -> None:
        self._run(self.comments.add(check_thread_id(thread_id), reviewer.name, reviewer.verified, text))

    def comment_log(self, thread_id: str) -> pd.DataFrame:
        return comments_frame(self._run(self.comments.of_thread(thread_id)))

    def _thread_or_none(self, thread_id: str) -> tuple[ThreadView | None, str]:
        try:
            return self._console.thread(thread_id), ""
        except ConsoleError as exc:
            return None, str(exc)

    def bulk_plan(self, thread_ids: list[str]) -> list[bulk.BulkItem]:
        """What approving each thread would do, as it stands now (the reviewer checks this list, then confirms)."""
        return [bulk.plan_item(t, *self._thread_or_none(t)) for t in thread_ids[:bulk.MAX_THREADS]]

    def bulk_approve(self, items: list[bulk.BulkItem], reviewer: Reviewer) -> list[bulk.BulkResult]:
        """One by one: each checked against what the reviewer saw, then claimed and applied by decide()."""
        decide: Callable = self._console.decide
        return [bulk.approve_one(item, self._thread_or_none(item.thread_id)[0] if item.action else None, decide, reviewer)
                for item in items]
