"""The thread index room: marks of changed threads, derived rows (with their counts and search), sizes."""

from __future__ import annotations

import json
import math
import time
from types import ModuleType

from console.store.db import Db
from console.store.records import THREAD_COLUMNS

DERIVE_CLAIM_S = 60.0  # a derive claim this old is its dead replica's: another takes the thread over


class Index:
    """rc_threads and rc_marks. Derived data only: it can be dropped and rebuilt from the saver's tables."""

    def __init__(self, db: Db, sql: ModuleType, schema: ModuleType, owner: str = "") -> None:
        self.db, self.sql, self.schema, self.owner = db, sql, schema, owner
        self.bulk = False  # this process dropped the sort indexes (begin_bulk) and has not built them again

    async def setup(self, mark_all: bool = False) -> None:
        """Create or upgrade the index; `mark_all` re-derives every thread."""
        await self.schema.setup_index(self.db, mark_all)

    async def check_triggers(self) -> bool:
        """Put the mark triggers back if another program dropped them (e.g. by recreating
        the saver's tables); every thread is then re-derived, since changes went unseen."""
        if not self.bulk and self.sql.MARK_SPAN is not None:
            # Sort indexes a process that died in a bulk indexing left dropped (a restart builds them too).
            if await self.schema.sort_indexes_missing(self.db):
                await self.end_bulk()
        if await self.schema.triggers_present(self.db):
            return True
        await self.setup(mark_all=True)
        return False

    async def claim_marked(self, limit: int, scan: int = 8) -> tuple[int, list[str]]:
        """As `marked_batch`, but only threads this replica claimed (rc_derive_claims): with several
        replicas each change is derived by one of them. `save_thread_rows` releases the claims."""
        if self.sql.CLAIM_DERIVE is None:
            return await self.marked_batch(limit, scan)
        bound, candidates = await self.marked_batch(limit * 4, scan)
        if not candidates:
            return bound, []
        now = time.time()
        ids = json.dumps(candidates)
        won = {r[0] for r in await self.db.all(self.sql.CLAIM_DERIVE, {"thread_ids": ids, "owner": self.owner,
                                                                        "now": now, "stale": now - DERIVE_CLAIM_S})}
        # Another replica may have derived a thread and released it between our mark read and our
        # claim: a fresh read of the marks (after the claim, so after that release) drops it.
        still = {r[0] for r in await self.db.all(self.sql.STILL_MARKED, {"thread_ids": json.dumps(sorted(won))})} if won else set()
        mine = [t for t in candidates if t in still][:limit]
        await self.release(sorted(won - set(mine)))
        return bound, mine

    async def release(self, thread_ids: list[str]) -> None:
        if self.sql.RELEASE_DERIVE is None:
            return
        await self.db.run_many(self.sql.RELEASE_DERIVE, [{"thread_id": t, "owner": self.owner} for t in thread_ids])

    async def marked_batch(self, limit: int, scan: int = 8) -> tuple[int, list[str]]:
        """The oldest marked threads, and the newest mark id at the time of reading.

        Marks up to that id may be cleared once the threads are derived from a read made
        after this one: a change committed later carries a larger id, so it is never lost.
        Reads by primary key only: cheap even with a million marks waiting.
        """
        bound = await self.last_mark()
        if bound == 0:
            return 0, []
        rows = await self.db.all(self.sql.MARKED, {"limit": limit * scan})  # `scan` marks a thread, at most
        return bound, list(dict.fromkeys(r[0] for r in rows))[:limit]

    async def last_mark(self) -> int:
        """The newest mark id ever given (never falls back when marks are cleared)."""
        row = await self.db.one(self.sql.LAST_MARK)
        return int(row[0]) if row and row[0] is not None else 0

    async def mark(self, thread_id: str) -> None:
        """Have the thread derived again (inside the caller's transaction, if any)."""
        await self.db.run(self.sql.MARK_THREAD, {"thread_id": thread_id})

    async def begin_bulk(self, min_backlog: int) -> bool:
        """A first indexing (or one far behind): drop the sort indexes, if this dialect can and at least
        `min_backlog` marks wait; True: dropped, the caller's last save passes `rebuild`."""
        if self.sql.MARK_SPAN is None:
            return False
        row = await self.db.one(self.sql.MARK_SPAN)
        if int(row[0] or 0) < min_backlog:
            return False
        await self.schema.drop_sort_indexes(self.db)
        self.bulk = True
        return True

    async def end_bulk(self) -> None:
        """Build the sort indexes again (an indexing whose last batch was full ends with no rows to save)."""
        await self.db.write(self._build_sort_indexes, lock=None)
        self.bulk = False

    async def _build_sort_indexes(self) -> None:
        for statement in self.schema.SORT_INDEXES:
            await self.db.run(statement)

    async def save_thread_rows(self, rows: list[dict], gone: list[str], answered: list[str], bound: int,
                               rebuild: bool = False) -> None:
        """Store derived rows and clear the marks they answer, in one transaction.
        A row is kept only if it was read at a mark bound at least as new as the stored one's.
        `rebuild`: the end of a bulk indexing, the sort indexes are built in the same transaction,
        so no reader sees the marks gone before the indexes are back."""
        now = time.time()
        values = [{c: row.get(c) for c in THREAD_COLUMNS} for row in rows]
        one_go, each = _json_safe(values, self.sql.SAVE_THREADS_JSON is not None)
        saved = [{**row, "updated_at": now, "derived_mark": bound} for row in each]
        cleared, each_mark = _json_safe([{"thread_id": t} for t in answered], self.sql.CLEAR_MARKS_JSON is not None)

        async def body():
            if one_go:
                await self.db.run(self.sql.SAVE_THREADS_JSON, {"rows": json.dumps(one_go, ensure_ascii=False),
                                                               "updated_at": now, "derived_mark": bound})
            await self.db.run_many(self.sql.SAVE_THREAD, saved)
            await self.db.run_many(self.sql.DELETE_THREAD, [{"thread_id": t} for t in gone])
            if rebuild:
                await self._build_sort_indexes()
            if cleared:
                await self.db.run(self.sql.CLEAR_MARKS_JSON, {"thread_ids": json.dumps([m["thread_id"] for m in cleared],
                                                                                       ensure_ascii=False), "bound": bound})
            await self.db.run_many(self.sql.CLEAR_MARKS, [{**m, "bound": bound} for m in each_mark])
            await self.release(answered)
            if one_go or saved or gone:
                await self.db.run(self.sql.BUMP_INDEX_CHANGES)
        await self.db.write(body, lock=None)  # row-level upserts: no console-wide turn needed
        if rebuild:
            self.bulk = False

    async def thread_bytes(self, thread_id: str) -> int:
        """Bytes aget_state would decode for the thread: its latest checkpoint and that checkpoint's writes.
        Read from the row sizes, without decoding anything."""
        row = await self.db.one(self.sql.THREAD_BYTES, {"thread_id": thread_id})
        return int(row[0] or 0) if row else 0

    async def thread_stamp(self, thread_id: str) -> str:
        """Changes whenever anything a thread's view is read from changes (a cache key, not a version order)."""
        row = await self.db.one(self.sql.THREAD_STAMP, {"thread_id": thread_id})
        return str(row[0])

    async def thread_row(self, thread_id: str) -> dict | None:
        row = await self.db.one(self.sql.THREAD_ROW, {"thread_id": thread_id})
        return dict(row) if row else None

    async def latest_rows(self, thread_ids: list[str]) -> dict[str, tuple[tuple, list[tuple]]] | None:
        """Each thread's latest root checkpoint row and its write rows, in two statements, undecoded
        (for console/preloaded_saver.py); threads without one are absent. None: not in this dialect."""
        if self.sql.LATEST_CHECKPOINTS is None:
            return None
        if not thread_ids:
            return {}
        checkpoints = await self.db.all(self.sql.LATEST_CHECKPOINTS, {"thread_ids": json.dumps(thread_ids)})
        rows = {r[0]: (tuple(r[1:]), []) for r in checkpoints}
        await self._add_writes(rows, {t: row[0] for t, (row, _) in rows.items()})
        return rows

    async def checkpoint_rows(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[tuple, list[tuple]]]:
        """As `latest_rows`, for (thread id, checkpoint id) pairs, one per thread (a batch's parents)."""
        if self.sql.CHECKPOINTS_BY_ID is None or not pairs:
            return {}
        found = await self.db.all(self.sql.CHECKPOINTS_BY_ID, {"pairs": json.dumps([list(p) for p in pairs])})
        by_thread = {r[0]: (tuple(r[1:]), []) for r in found}
        await self._add_writes(by_thread, {t: row[0] for t, (row, _) in by_thread.items()})
        return {(t, row[0]): (row, writes) for t, (row, writes) in by_thread.items()}

    async def _add_writes(self, rows: dict, checkpoint_of: dict[str, str]) -> None:
        """Append each thread's write rows of the named checkpoint to rows[thread][1]."""
        pairs = json.dumps([[t, c] for t, c in checkpoint_of.items()])
        for w in await self.db.all(self.sql.LATEST_WRITES, {"pairs": pairs}):
            rows[w[0]][1].append(tuple(w[1:]))

    async def thread_count(self) -> int:
        row = await self.db.one(self.sql.THREAD_COUNT)
        return int(row[0])


def _json_safe(rows: list[dict], wanted: bool) -> tuple[list[dict], list[dict]]:
    """Rows a one-statement JSON write stores exactly as executemany would, and the others: text with
    NUL (SQLite's JSON text ends there), numbers JSON spells otherwise (NaN, huge integers), other types."""
    if not wanted:
        return [], rows
    safe, rest = [], []
    for row in rows:
        (safe if all(_json_exact(v) for v in row.values()) else rest).append(row)
    return safe, rest


def _json_exact(value) -> bool:
    if value is None:
        return True
    if type(value) is str:
        return "\x00" not in value
    if type(value) is int:
        return -2**63 <= value < 2**63
    if type(value) is float:
        return math.isfinite(value)
    return False
