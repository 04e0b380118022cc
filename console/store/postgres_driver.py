"""The store's PostgreSQL connection: one autocommit psycopg 3 connection, explicit transactions, one write turn.

Statements arrive written for PostgreSQL (postgres_sql.py, postgres_schema.py)
and are sent as they are. What this adds: rows readable by position and by
name, a new connection after a server restart, the advisory write turn, and
lock timeouts reported as "busy, try again".
"""

from __future__ import annotations

from typing import Any, Iterable
from urllib.parse import urlsplit

import psycopg
from psycopg import errors as pg_errors

from console.store.db import EVERY_THREAD, Params
from console.store.records import Busy

# pg_advisory_xact_lock key shared by every console's write transactions ("rc" + "wr"): like
# SQLite's write lock on a file, it makes every console write transaction take its turn across
# all replicas (the claim's check-then-insert needs that).
WRITE_LOCK = 0x7263_7772
# The class (first int) of per-thread turns, pg_advisory_xact_lock(THREAD_LOCKS, hashtext(thread_id)):
# a decision on one thread no longer waits for decisions on others, on any replica. Two threads whose
# ids hash alike share a turn, which is only slower, never wrong.
THREAD_LOCKS = 0x7274  # "rt"

# Lock waits that ran out, and conflicts PostgreSQL resolved by failing us: "busy, try again".
BUSY_ERRORS = (pg_errors.LockNotAvailable, pg_errors.DeadlockDetected, pg_errors.SerializationFailure)


def describe_url(url: str) -> str:
    """host:port/database, never the password: for messages and the sidebar."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    return f"{host}:{parts.port or 5432}{parts.path or '/'}"


def server_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


def busy_from(exc: Exception) -> Busy:
    return Busy(f"database is locked ({exc.sqlstate}: {str(exc).strip()})")


class Row(tuple):
    """A row readable like aiosqlite.Row: by position, by column name, and as dict(row)."""

    def __new__(cls, values: Iterable, names: tuple[str, ...], index: dict[str, int]):
        row = super().__new__(cls, values)
        row._names, row._index = names, index
        return row

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> tuple[str, ...]:
        return self._names


def row_factory(cursor):
    names = tuple(c.name for c in cursor.description or ())
    index = {n: i for i, n in enumerate(names)}
    return lambda values: Row(values, names, index)


class PostgresDriver:
    def __init__(self, conn: psycopg.AsyncConnection, url: str = "", busy_timeout_s: float = 2.0) -> None:
        self.raw = conn
        self._url, self._busy_timeout_s = url, busy_timeout_s

    @classmethod
    async def connect(cls, url: str, busy_timeout_s: float) -> "PostgresDriver":
        return cls(await cls._open(url, busy_timeout_s), url, busy_timeout_s)

    @staticmethod
    async def _open(url: str, busy_timeout_s: float) -> psycopg.AsyncConnection:
        conn = await psycopg.AsyncConnection.connect(
            url, autocommit=True, prepare_threshold=0, row_factory=row_factory,
            connect_timeout=max(2, int(busy_timeout_s * 5)), application_name="review-console",
        )
        # A lock waited for longer than this is "busy, try again", like SQLite's busy timeout.
        await conn.execute(f"SET lock_timeout = '{int(busy_timeout_s * 1000)}ms'")
        return conn

    async def _alive(self) -> None:
        """After the server restarted (or a network cut), the next statement gets a new connection."""
        if self.raw.closed and self._url:
            self.raw = await self._open(self._url, self._busy_timeout_s)

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    async def _execute(self, sql: str, params: Params):
        await self._alive()
        try:
            return await self.raw.execute(sql, params)
        except BUSY_ERRORS as exc:
            raise busy_from(exc) from exc

    async def one(self, sql: str, params: Params) -> Any:
        cur = await self._execute(sql, params)
        return await cur.fetchone() if cur.description else None

    async def all(self, sql: str, params: Params) -> list:
        cur = await self._execute(sql, params)
        return await cur.fetchall() if cur.description else []

    async def run(self, sql: str, params: Params) -> int:
        return (await self._execute(sql, params)).rowcount

    async def run_many(self, sql: str, seq: list[dict[str, Any]]) -> None:
        await self._alive()
        async with self.raw.cursor() as cur:
            try:
                await cur.executemany(sql, seq)
            except BUSY_ERRORS as exc:
                raise busy_from(exc) from exc

    async def script(self, sql: str) -> None:
        # Several statements (and PL/pgSQL bodies) in one string need the simple query protocol.
        async with psycopg.AsyncClientCursor(self.raw) as cur:
            await cur.execute(sql)

    async def begin_write(self, lock=EVERY_THREAD) -> None:
        await self._execute("BEGIN", None)
        try:
            if lock is EVERY_THREAD:
                await self._execute("SELECT pg_advisory_xact_lock(%(key)s)", {"key": WRITE_LOCK})
            elif lock is not None:
                # One thread's turn: the console-wide turn shared (a write that takes it whole still
                # waits for every thread's), and the thread's own key exclusive. Two-int keys are
                # their own key space, apart from WRITE_LOCK's bigint one.
                await self._execute("SELECT pg_advisory_xact_lock_shared(%(key)s), pg_advisory_xact_lock(%(cls)s, hashtext(%(thread)s))",
                                    {"key": WRITE_LOCK, "cls": THREAD_LOCKS, "thread": lock})
        except BaseException:
            await self.rollback()  # a lock wait that ran out leaves the transaction aborted
            raise

    async def commit(self) -> None:
        await self.raw.execute("COMMIT")

    async def rollback(self) -> None:
        if not self.raw.closed:
            await self.raw.execute("ROLLBACK")

    async def close(self) -> None:
        await self.raw.close()
