"""The store's SQLite connection: one aiosqlite connection in autocommit mode, WAL, explicit transactions."""

from __future__ import annotations

from typing import Any

import aiosqlite

from console.store.db import Params


class SqliteDriver:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    @classmethod
    async def connect(cls, path: str, busy_timeout_s: float) -> "SqliteDriver":
        conn = await aiosqlite.connect(path, timeout=busy_timeout_s, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        return cls(conn)

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    # One trip to aiosqlite's thread per statement (execute and fetch together): each trip is
    # a thread hop, and a read is never left open on the connection between two trips.
    async def one(self, sql: str, params: Params) -> Any:
        rows = await self.conn.execute_fetchall(sql, params or ())
        return rows[0] if rows else None

    async def all(self, sql: str, params: Params) -> list:
        return list(await self.conn.execute_fetchall(sql, params or ()))

    async def run(self, sql: str, params: Params) -> int:
        return (await self.conn.execute(sql, params or ())).rowcount

    async def run_many(self, sql: str, seq: list[dict[str, Any]]) -> None:
        await self.conn.executemany(sql, seq)

    async def script(self, sql: str) -> None:
        # sqlite3 commits a pending transaction before a script: a script that needs one begins it itself.
        await self.conn.executescript(sql)

    async def begin_write(self, lock=None) -> None:
        await self.conn.execute("BEGIN IMMEDIATE")  # the file's one write lock, whatever `lock` names

    async def commit(self) -> None:
        await self.conn.execute("COMMIT")  # unguarded: a transaction lost on the way must fail loudly

    async def rollback(self) -> None:
        if self.conn.in_transaction:
            await self.conn.execute("ROLLBACK")

    async def close(self) -> None:
        await self.conn.close()
