"""One connection shared by the bridge loop's coroutines: turns, write transactions, busy errors.

The rooms (index, decision log, processes) call `one`, `all`, `run`, `run_many`
and `write` here; a driver (sqlite_driver.py or postgres_driver.py) runs each
statement as it is written, in its own dialect. Nothing here reads or changes SQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from typing import Any, Awaitable, Callable, Iterable, Protocol

from console.errors import DatabaseBusy
from console.store.records import is_busy

Params = dict[str, Any] | None
EVERY_THREAD = object()  # Db.write's default lock: the whole console's write turn


class Driver(Protocol):
    """What a dialect's connection offers; rows read by position and by name (and as dict(row))."""

    in_transaction: bool

    async def one(self, sql: str, params: Params) -> Any: ...
    async def all(self, sql: str, params: Params) -> list: ...
    async def run(self, sql: str, params: Params) -> int: ...
    async def run_many(self, sql: str, seq: list[dict[str, Any]]) -> None: ...
    async def script(self, sql: str) -> None: ...
    async def begin_write(self, lock: str | None | object) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...
    async def close(self) -> None: ...


class Db:
    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        # One connection serves every coroutine: nothing may interleave with a transaction on it
        # (another coroutine's BEGIN would fail inside it, its writes would commit or roll back
        # with it). Reads take turns too: a read left open by one coroutine makes another's
        # BEGIN IMMEDIATE fail at once with "database is locked" when any other connection holds
        # the write lock (SQLite skips the busy handler inside a read transaction).
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task | None = None

    @contextlib.asynccontextmanager
    async def turn(self):
        """This coroutine's turn on the connection (re-entered freely by the task that holds it)."""
        task = asyncio.current_task()
        if self._owner is task:
            yield
            return
        async with self._lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None

    async def one(self, sql: str, params: Params = None) -> Any:
        async with self.turn():
            return await self.driver.one(sql, params)

    async def all(self, sql: str, params: Params = None) -> list:
        async with self.turn():
            return await self.driver.all(sql, params)

    async def dicts(self, sql: str, params: Params = None) -> list[dict]:
        return [dict(r) for r in await self.all(sql, params)]

    async def run(self, sql: str, params: Params = None) -> int:
        """A statement whose rows are not read; returns how many rows it changed."""
        async with self.turn():
            return await self.driver.run(sql, params)

    async def run_many(self, sql: str, seq: Iterable[dict[str, Any]]) -> None:
        seq = list(seq)
        if seq:
            async with self.turn():
                await self.driver.run_many(sql, seq)

    async def write(self, body: Callable[..., Awaitable[Any]], *args, lock: str | None | object = EVERY_THREAD) -> Any:
        """One write transaction that takes the database's write lock at once (SQLite's
        BEGIN IMMEDIATE; PostgreSQL's advisory write turn), so the checks inside `body`
        and its writes are atomic across connections, processes and replicas.

        `lock` (PostgreSQL; SQLite has one write lock per file whatever is asked): a thread id
        when `body` checks and writes that thread's rows only, so writes on other threads go on
        at the same time; None when `body` needs no turn at all (row-level upserts); by default
        a turn that excludes every other write."""
        async with self.turn():
            try:
                await self.driver.begin_write(lock)
            except sqlite3.OperationalError as exc:
                if is_busy(exc):
                    raise DatabaseBusy("The database is busy with another change. Please try again in a moment.") from exc
                raise
            try:
                result = await body(*args)
            except BaseException:
                await self.driver.rollback()
                raise
            await self.driver.commit()
            return result

    async def close(self) -> None:
        await self.driver.close()
