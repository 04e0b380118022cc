"""Working through the queue: the next waiting thread in the inbox's order, and who is on a thread ("I'm on it", assignments)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from console.errors import InvalidAnswer
from console.inbox import IN_DECISION, SORTS, IndexReader, InboxQuery, _where
from console.queue_filter import not_others_clause, not_others_params
from console.store import queue_sql

CLAIM_MINUTES = 30  # how long "I'm on it" lasts (again to keep it longer); a claim is advice, so it always ends
MAX_CLAIM_MINUTES = 8 * 60


@dataclass(frozen=True)
class Holder:
    """Who has a thread or a workflow: `until` None is an admin's assignment, else a claim that ends then."""

    scope: str  # thread | workflow
    target: str
    reviewer: str
    assigned_by: str
    since: float
    until: float | None

    @property
    def assigned(self) -> bool:
        return self.until is None

    def sentence(self, now: float | None = None) -> str:
        """Plain words for the thread page: who has it, and until when."""
        if self.assigned:
            by = "" if self.assigned_by == self.reviewer else f" by {self.assigned_by}"
            what = "this workflow" if self.scope == "workflow" else "this thread"
            return f"{self.reviewer} is assigned {what}{by}."
        left = max(0, int(((self.until or 0) - (time.time() if now is None else now)) // 60))
        return f"{self.reviewer} is on it until {time.strftime('%H:%M', time.localtime(self.until))} ({left} min left)."


def _holder(row) -> Holder | None:
    return None if row is None else Holder(*(row[i] for i in range(6)))


class Assignments:
    """rc_assignments on the store's connection (console/store/queue_sql.py holds the statements)."""

    def __init__(self, store) -> None:
        self.store, self.sql = store, queue_sql.for_store(store)

    async def setup(self) -> None:
        await queue_sql.setup(self.store)

    async def claim(self, thread_id: str, reviewer: str, minutes: float) -> Holder:
        """"I'm on it" for `minutes`; returns who has the thread afterwards (someone else when theirs is still on)."""
        if not 0 < minutes <= MAX_CLAIM_MINUTES:
            raise InvalidAnswer(f"A claim lasts between 1 minute and {MAX_CLAIM_MINUTES // 60} hours.")
        now = time.time()

        async def body():
            await self.store.db.run(self.sql.FORGET_ENDED, {"now": now})
            await self.store.db.run(self.sql.CLAIM, {"target": thread_id, "reviewer": reviewer, "now": now,
                                                     "until": now + minutes * 60})
            return _holder(await self.store.db.one(self.sql.HOLDER, {"scope": "thread", "target": thread_id, "now": now}))

        return await self.store.db.write(body)

    async def release(self, thread_id: str, reviewer: str) -> None:
        await self.store.db.write(self.store.db.run, self.sql.RELEASE, {"target": thread_id, "reviewer": reviewer})

    async def assign(self, scope: str, target: str, reviewer: str, by: str) -> None:
        """An admin's assignment of a thread or a whole workflow; an empty `reviewer` removes it."""
        if scope not in ("thread", "workflow"):
            raise InvalidAnswer("Assign a thread or a workflow.")
        if not reviewer.strip():
            await self.store.db.write(self.store.db.run, self.sql.UNASSIGN, {"scope": scope, "target": target})
            return
        await self.store.db.write(self.store.db.run, self.sql.ASSIGN, {"scope": scope, "target": target,
                                                                       "reviewer": reviewer.strip(), "by": by, "now": time.time()})

    async def holder(self, thread_id: str, workflow: str | None) -> Holder | None:
        """Who has the thread: its own claim or assignment first, else its workflow's assignment."""
        now = time.time()
        row = await self.store.db.one(self.sql.HOLDER, {"scope": "thread", "target": thread_id, "now": now})
        if row is None and workflow:
            row = await self.store.db.one(self.sql.HOLDER, {"scope": "workflow", "target": workflow, "now": now})
        return _holder(row)

    async def live(self) -> list[Holder]:
        """Every claim not yet ended and every assignment (a few rows: one per thread someone is on)."""
        return [_holder(r) for r in await self.store.db.all(self.sql.LIVE, {"now": time.time()})]


def holders_by_thread(holders: list[Holder], rows: list[tuple[str, str]]) -> dict[str, Holder]:
    """For inbox rows (thread id, workflow): who has each, thread holders before workflow assignments."""
    threads = {h.target: h for h in holders if h.scope == "thread"}
    workflows = {h.target: h for h in holders if h.scope == "workflow"}
    out = {}
    for thread_id, workflow in rows:
        found = threads.get(thread_id) or workflows.get(workflow)
        if found is not None:
            out[thread_id] = found
    return out


# ---- the next thread ------------------------------------------------------------------------

POSITION_SQL = "SELECT {cols} FROM rc_threads WHERE thread_id = {p}"


def position(reader: IndexReader, query: InboxQuery, thread_id: str) -> tuple | None:
    """The thread's place in the inbox's order (its sort columns), read while the reviewer looks at it:
    after a decision the thread moves (it finishes, or waits again later), so Next starts from here."""
    cols = SORTS.get(query.sort, SORTS["waiting time"])
    with reader.snapshot() as conn:
        row = conn.execute(POSITION_SQL.format(cols=", ".join(cols), p=reader.dialect.P), [thread_id]).fetchone()
    return None if row is None else tuple(row)


def next_thread(reader: IndexReader, query: InboxQuery, after: tuple | None, skip: tuple[str, ...] = (),
                reviewer: str = "", now: float | None = None) -> str | None:
    """The first waiting thread after `after` in the inbox's filters and order; from the start when none is
    after it. Threads someone else is on are passed over (advice: they can still be opened from the inbox)."""
    now = time.time() if now is None else now
    p = reader.dialect.P
    query = replace(query, page=1)
    cols = SORTS.get(query.sort, SORTS["waiting time"])
    where, params = _where(query, now, reader.dialect)
    where += f" AND thread_id NOT IN ({IN_DECISION}) AND {not_others_clause(p)}"
    params += not_others_params(reviewer, now)
    if skip:
        where += f" AND thread_id NOT IN ({', '.join(p for _ in skip)})"
        params += list(skip)
    direction = "ASC" if query.oldest_first else "DESC"
    order = ", ".join(f"{c} {direction}" for c in cols)
    base = f"SELECT thread_id FROM rc_threads WHERE {where}"
    with reader.snapshot() as conn:
        if after is not None and len(after) == len(cols) and None not in after:
            # Row values compare column by column, as ORDER BY sorts them (every column one direction).
            later = f" AND ({', '.join(cols)}) {'>' if query.oldest_first else '<'} ({', '.join(p for _ in cols)})"
            row = conn.execute(f"{base}{later} ORDER BY {order} LIMIT 1", params + list(after)).fetchone()
            if row is not None:
                return row[0]
        row = conn.execute(f"{base} ORDER BY {order} LIMIT 1", params).fetchone()
    return None if row is None else row[0]
