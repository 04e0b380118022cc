"""PostgreSQL behind the Store's aiosqlite-shaped calls: one connection, SQLite SQL translated once.

The Store (console/store.py) is written against aiosqlite: `execute` (awaited or
used as `async with`), `executemany`, `BEGIN IMMEDIATE … COMMIT`, rows readable
by index and by name, `cursor.lastrowid`, and `sqlite3.OperationalError("database
is locked")` when another writer holds the lock. `PgConnection` offers exactly
that over one psycopg 3 connection, so the Store's methods (and the branches
that keep changing them) run unchanged on both databases. Only what differs in
kind lives in console/store_pg.py: the schema, its triggers, and catalog checks.

Translation (cached per statement): `?` → `%s`; `INSERT OR REPLACE/IGNORE` →
`ON CONFLICT`; `BEGIN IMMEDIATE` → `BEGIN` + one advisory transaction lock,
which, like SQLite's write lock, makes every console write transaction take its
turn across all replicas (the claim's check-then-insert needs that); the saver's
`writes` table → `checkpoint_writes` (its `value` column is `blob`); LIKE →
ILIKE (SQLite's LIKE ignores ASCII case).
"""

from __future__ import annotations

import functools
import re
import sqlite3
from typing import Any, Iterable
from urllib.parse import urlsplit

import psycopg
from psycopg import errors as pg_errors

# pg_advisory_xact_lock key shared by every console's write transactions ("rc" + "wr").
WRITE_LOCK = 0x7263_7772

# Conflict keys of the tables the Store writes with INSERT OR REPLACE.
PRIMARY_KEYS = {"rc_meta": ("key",), "rc_processes": ("owner",), "rc_threads": ("thread_id",),
                "rc_claims": ("thread_id", "checkpoint_id", "interrupt_id")}
# Tables whose INSERTs report the new id (aiosqlite's cursor.lastrowid).
RETURNING_ID = ("rc_decisions",)


def is_postgres_url(value: str | None) -> bool:
    return bool(value) and str(value).split(":", 1)[0].lower() in ("postgres", "postgresql")


def describe_url(url: str) -> str:
    """host:port/database, never the password: for messages and the sidebar."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    return f"{host}:{parts.port or 5432}{parts.path or '/'}"


def server_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


class Busy(sqlite3.OperationalError):
    """A PostgreSQL lock wait ran out: the Store's busy handling treats it as SQLite's "database is locked"."""


_INSERT_OR = re.compile(r"^\s*INSERT\s+OR\s+(REPLACE|IGNORE)\s+INTO\s+(\w+)\s*\(([^)]*)\)", re.I | re.S)
_WRITES = re.compile(r"\b(FROM|INTO|UPDATE|JOIN)\s+writes\b", re.I)
_SUBQUERY_NO_ALIAS = re.compile(r"FROM \((SELECT DISTINCT thread_id FROM checkpoints|SELECT 1)\)(?!\s*AS\b)", re.I)
# SQLite's json_each over a JSON array of ids (the values are compared with bigint ids).
_JSON_EACH = re.compile(r"SELECT value FROM json_each\((%\(p\d+\)s|%s)\)", re.I)
_NUMBERED = re.compile(r"\?(\d+)")


def numbered(sql: str) -> bool:
    """SQLite's ?1 ?2 … placeholders (one value used several times): sent as a dict to psycopg."""
    return bool(_NUMBERED.search(sql))


@functools.lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    out = _NUMBERED.sub(lambda m: f"%(p{m.group(1)})s", sql.replace("%", "%%")).replace("?", "%s")
    out = _JSON_EACH.sub(lambda m: f"SELECT value::bigint FROM json_array_elements_text({m.group(1)}::json) AS value", out)
    if _WRITES.search(out):
        out = _WRITES.sub(lambda m: f"{m.group(1)} checkpoint_writes", out)
        out = re.sub(r"\bvalue\b", "blob", out)
        out = re.sub(r"\browid\b", "rc_seq", out)
    out = re.sub(r"\bIS %s", "IS NOT DISTINCT FROM %s", out)
    out = re.sub(r"\bNOT LIKE\b", "NOT ILIKE", out)
    out = re.sub(r"(?<!NOT )\bLIKE\b", "ILIKE", out)
    out = _SUBQUERY_NO_ALIAS.sub(r"FROM (\1) AS sub", out)
    m = _INSERT_OR.match(out)
    if m:
        kind, table, cols = m.group(1).upper(), m.group(2), [c.strip() for c in m.group(3).split(",")]
        out = re.sub(r"^\s*INSERT\s+OR\s+(REPLACE|IGNORE)\s+INTO", "INSERT INTO", out, count=1, flags=re.I)
        if kind == "IGNORE":
            out += " ON CONFLICT DO NOTHING"
        else:
            keys = PRIMARY_KEYS[table]
            sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c not in keys)
            out += f" ON CONFLICT ({', '.join(keys)}) DO " + (f"UPDATE SET {sets}" if sets else "NOTHING")
    if re.match(r"^\s*INSERT\s+INTO\s+(" + "|".join(RETURNING_ID) + r")\b", out, re.I) and "RETURNING" not in out.upper():
        out += " RETURNING id"
    return out


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


class Cursor:
    def __init__(self, rows: list | None, rowcount: int, lastrowid: int | None) -> None:
        self._rows = rows or []
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    async def fetchone(self):
        return self._rows[0] if self._rows else None

    async def fetchall(self):
        return list(self._rows)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


class _Pending:
    """What `execute` returns: awaitable, or usable as `async with … as cursor` (like aiosqlite)."""

    def __init__(self, run) -> None:
        self._run = run
        self._cursor: Cursor | None = None

    def __await__(self):
        return self._run().__await__()

    async def __aenter__(self) -> Cursor:
        self._cursor = await self._run()
        return self._cursor

    async def __aexit__(self, *exc):
        return False


class PgConnection:
    """One autocommit psycopg connection; transactions are explicit, as on the Store's aiosqlite one."""

    def __init__(self, conn: psycopg.AsyncConnection, url: str = "", busy_timeout_s: float = 2.0) -> None:
        self.raw = conn
        self._url, self._busy_timeout_s = url, busy_timeout_s

    @classmethod
    async def connect(cls, url: str, busy_timeout_s: float, application_name: str = "review-console") -> "PgConnection":
        return cls(await cls._open(url, busy_timeout_s, application_name), url, busy_timeout_s)

    @staticmethod
    async def _open(url: str, busy_timeout_s: float, application_name: str = "review-console") -> psycopg.AsyncConnection:
        conn = await psycopg.AsyncConnection.connect(
            url, autocommit=True, prepare_threshold=0, row_factory=row_factory,
            connect_timeout=max(2, int(busy_timeout_s * 5)), application_name=application_name,
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

    def execute(self, sql: str, params: Iterable[Any] = ()) -> _Pending:
        return _Pending(lambda: self._execute(sql, tuple(params)))

    async def _execute(self, sql: str, params: tuple) -> Cursor:
        await self._alive()
        if sql.strip().upper() == "BEGIN IMMEDIATE":
            await self._call(self.raw.execute, "BEGIN")
            await self._call(self.raw.execute, "SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            return Cursor([], -1, None)
        text = translate(sql)
        if numbered(sql):
            params = {f"p{i}": v for i, v in enumerate(params, start=1)}
        cur = await self._call(self.raw.execute, text, params)
        rows = await cur.fetchall() if cur.description else None
        lastrowid = rows[0][0] if rows and text.endswith("RETURNING id") else None
        return Cursor(rows, cur.rowcount, lastrowid)

    async def executemany(self, sql: str, seq: Iterable[Iterable[Any]]) -> Cursor:
        seq = [tuple(p) for p in seq]
        if not seq:
            return Cursor([], 0, None)
        await self._alive()
        async with self.raw.cursor() as cur:
            await self._call(cur.executemany, translate(sql), seq)
            return Cursor([], cur.rowcount, None)

    async def executescript(self, script: str) -> None:
        """PostgreSQL SQL only (the SQLite schema has its own PostgreSQL twin in store_pg)."""
        # Several statements (and PL/pgSQL bodies) in one string need the simple query protocol.
        async with psycopg.AsyncClientCursor(self.raw) as cur:
            await self._call(cur.execute, script)

    @staticmethod
    async def _call(fn, *args):
        try:
            return await fn(*args)
        except (pg_errors.LockNotAvailable, pg_errors.DeadlockDetected, pg_errors.SerializationFailure) as exc:
            raise Busy(f"database is locked ({exc.sqlstate}: {str(exc).strip()})") from exc

    async def commit(self) -> None:
        if self.in_transaction:
            await self.raw.execute("COMMIT")

    async def close(self) -> None:
        await self.raw.close()
