"""The notification outbox room (rc_outbox) and the deadline timer's reads of the index, in both dialects.

Each dialect's statements are written out in full (no rewriting). A new table needs
no SCHEMA_VERSION bump: it is made with CREATE TABLE IF NOT EXISTS on every start.
"""

from __future__ import annotations

from console.store.db import Db

_TABLE = """
CREATE TABLE IF NOT EXISTS rc_outbox (
    id {id_type},
    event_key TEXT NOT NULL UNIQUE,   -- kind, thread, checkpoint, target: each event is sent once across processes
    kind TEXT NOT NULL,               -- waiting | reminder | overdue | failed
    thread_id TEXT NOT NULL,
    target TEXT NOT NULL,             -- a hash of the URL: the URL itself may hold a token
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at {real} NOT NULL,
    next_at {real} NOT NULL,          -- when it may be (re)tried; pushed ahead while a process sends it
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'waiting',  -- waiting | sent | given up
    last_error TEXT,
    sent_at {real}
);
CREATE INDEX IF NOT EXISTS rc_outbox_due ON rc_outbox(next_at) WHERE state = 'waiting';
"""

SQLITE = {
    "table": _TABLE.format(id_type="INTEGER PRIMARY KEY AUTOINCREMENT", real="REAL"),
    "enqueue": ("INSERT INTO rc_outbox (event_key, kind, thread_id, target, title, body, created_at, next_at) "
                "VALUES (:event_key, :kind, :thread_id, :target, :title, :body, :now, :now) ON CONFLICT (event_key) DO NOTHING"),
    "due": ("SELECT id, target, title, body, attempts FROM rc_outbox WHERE state = 'waiting' AND next_at <= :now "
            "ORDER BY next_at, id LIMIT :limit"),
    "lease": "UPDATE rc_outbox SET next_at = :until WHERE id = :id",
    "sent": "UPDATE rc_outbox SET state = 'sent', sent_at = :now, attempts = attempts + 1, last_error = NULL WHERE id = :id",
    "failed": ("UPDATE rc_outbox SET state = :state, next_at = :next_at, attempts = attempts + 1, last_error = :error "
               "WHERE id = :id"),
    "rows": "SELECT * FROM rc_outbox ORDER BY id",
    # The timer's reads of the index: waiting threads of one workflow in a window of waiting_since
    # (the (status, workflow, waiting_since) index), and threads that began waiting lately.
    "waiting_between": ("SELECT thread_id, workflow, checkpoint_id, waiting_since FROM rc_threads "
                        "WHERE status = 'waiting' AND workflow = :workflow AND waiting_since > :after "
                        "AND waiting_since <= :before ORDER BY waiting_since LIMIT :limit"),
    "waiting_since": ("SELECT thread_id, workflow, checkpoint_id, waiting_since FROM rc_threads "
                      "WHERE status = 'waiting' AND waiting_since > :after ORDER BY waiting_since LIMIT :limit"),
}

POSTGRES = {
    "table": _TABLE.format(id_type="BIGSERIAL PRIMARY KEY", real="DOUBLE PRECISION"),
    "enqueue": ("INSERT INTO rc_outbox (event_key, kind, thread_id, target, title, body, created_at, next_at) "
                "VALUES (%(event_key)s, %(kind)s, %(thread_id)s, %(target)s, %(title)s, %(body)s, %(now)s, %(now)s) "
                "ON CONFLICT (event_key) DO NOTHING"),
    "due": ("SELECT id, target, title, body, attempts FROM rc_outbox WHERE state = 'waiting' AND next_at <= %(now)s "
            "ORDER BY next_at, id LIMIT %(limit)s"),
    "lease": "UPDATE rc_outbox SET next_at = %(until)s WHERE id = %(id)s",
    "sent": ("UPDATE rc_outbox SET state = 'sent', sent_at = %(now)s, attempts = attempts + 1, last_error = NULL "
             "WHERE id = %(id)s"),
    "failed": ("UPDATE rc_outbox SET state = %(state)s, next_at = %(next_at)s, attempts = attempts + 1, "
               "last_error = %(error)s WHERE id = %(id)s"),
    "rows": "SELECT * FROM rc_outbox ORDER BY id",
    "waiting_between": ("SELECT thread_id, workflow, checkpoint_id, waiting_since FROM rc_threads "
                        "WHERE status = 'waiting' AND workflow = %(workflow)s AND waiting_since > %(after)s "
                        "AND waiting_since <= %(before)s ORDER BY waiting_since LIMIT %(limit)s"),
    "waiting_since": ("SELECT thread_id, workflow, checkpoint_id, waiting_since FROM rc_threads "
                      "WHERE status = 'waiting' AND waiting_since > %(after)s ORDER BY waiting_since LIMIT %(limit)s"),
}

LEASE_S = 300.0  # a process that died while sending leaves its rows to others after this long


class Outbox:
    """Notifications to send, one row per event and target; taken under a lease, so one process sends each."""

    def __init__(self, db: Db, postgres: bool) -> None:
        self.db, self.postgres = db, postgres
        self.sql = POSTGRES if postgres else SQLITE

    async def setup(self) -> None:
        if self.postgres:
            from console.store.postgres_schema import setup_turn  # one replica at a time creates tables
            async with setup_turn(self.db.driver.raw), self.db.turn():
                await self.db.driver.script(self.sql["table"])
        else:
            async with self.db.turn():
                await self.db.driver.script(self.sql["table"])

    async def enqueue(self, rows: list[dict], now: float) -> None:
        """Add events; one already there (from this or another process) is left as it is."""
        if rows:
            await self.db.write(lambda: self.db.run_many(self.sql["enqueue"], [{**r, "now": now} for r in rows]))

    async def take(self, now: float, limit: int = 10) -> list[dict]:
        """Rows due now, leased to this process in one write transaction (others skip them meanwhile)."""
        async def body():
            rows = await self.db.dicts(self.sql["due"], {"now": now, "limit": limit})
            await self.db.run_many(self.sql["lease"], [{"id": r["id"], "until": now + LEASE_S} for r in rows])
            return rows
        return await self.db.write(body)

    async def sent(self, row_id: int, now: float) -> None:
        await self.db.write(lambda: self.db.run(self.sql["sent"], {"id": row_id, "now": now}))

    async def failed(self, row_id: int, next_at: float | None, error: str) -> None:
        """A failed attempt: tried again at `next_at`, or given up (None)."""
        params = {"id": row_id, "state": "waiting" if next_at is not None else "given up",
                  "next_at": next_at if next_at is not None else 0.0, "error": error[:500]}
        await self.db.write(lambda: self.db.run(self.sql["failed"], params))

    async def rows(self) -> list[dict]:
        return await self.db.dicts(self.sql["rows"])

    async def waiting_between(self, workflow: str, after: float, before: float, limit: int = 500) -> list[dict]:
        return await self.db.dicts(self.sql["waiting_between"],
                                   {"workflow": workflow, "after": after, "before": before, "limit": limit})

    async def waiting_since(self, after: float, limit: int = 500) -> list[dict]:
        return await self.db.dicts(self.sql["waiting_since"], {"after": after, "limit": limit})
