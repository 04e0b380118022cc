"""Opening the local store at start-up: the database file's checks, the saver and the console's tables, patiently."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import aiosqlite
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from console.errors import DatabaseBusy, DatabaseUnavailable
from console.settings import Settings
from console.store import Store, is_busy

log = logging.getLogger("review_console")

# A start-up may meet another console writing its demo seed or its first index for longer than a
# page's busy timeout (seconds on a loaded machine): opening waits this long before it gives up.
START_PATIENCE_S = 60.0
# PRAGMA quick_check reads every page: seconds on a 1 GB file, on every start. It runs this long at
# most (a small file is checked whole); past it, the start checks the schema and each table's and
# index's first and last rows instead, and the full check stays with `.venv/bin/python -m console check`.
QUICK_CHECK_BUDGET_S = 0.25
T = TypeVar("T")


def check_database_file(path: Path, create: bool = True) -> None:
    """Plain sentences for a path that cannot hold a checkpoint database."""
    if path.exists() and path.is_dir():
        raise DatabaseUnavailable(f"The database path {path} is a folder, not a file.")
    if path.exists():
        with open(path, "rb") as handle:
            head = handle.read(16)
        if head and head != b"SQLite format 3\x00":
            raise DatabaseUnavailable(f"The file {path} is not a SQLite database. Check REVIEW_CONSOLE_DB.")
        return
    if not create:
        raise DatabaseUnavailable(f"The database file {path} does not exist. Check REVIEW_CONSOLE_DB "
                                  "(set REVIEW_CONSOLE_CREATE_DB=1 to start a new, empty one).")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnavailable(f"The folder for the database ({path.parent}) cannot be created: {exc.strerror}.") from exc
    if not os.access(path.parent, os.W_OK):
        raise DatabaseUnavailable(f"The folder {path.parent} is read-only, so the database cannot be created there.")


def _busy(exc: BaseException) -> bool:
    return isinstance(exc, DatabaseBusy) or (isinstance(exc, sqlite3.OperationalError) and is_busy(exc))


async def patiently(step: Callable[[], Awaitable[T]]) -> T:
    """Run one idempotent start-up step, again while the database is busy (another console's
    seed or first index holds the write lock), until START_PATIENCE_S has passed."""
    deadline, pause = time.monotonic() + START_PATIENCE_S, 0.05
    while True:
        try:
            return await step()
        except Exception as exc:
            if not _busy(exc) or time.monotonic() + pause > deadline:
                raise
            log.info("database busy at start-up; trying again in %.2f s", pause)
        await asyncio.sleep(pause)
        pause = min(pause * 2, 1.0)


async def open_sqlite(settings: Settings) -> tuple[aiosqlite.Connection, AsyncSqliteSaver, Store]:
    """The saver's connection, the saver and the console's store on the SQLite file, set up; every
    failure is one sentence (DatabaseUnavailable). The caller closes what it got on a later failure."""
    path = Path(settings.db_path)
    check_database_file(path, settings.create_db)
    conn = store = None
    try:
        conn = await aiosqlite.connect(str(path), timeout=settings.busy_timeout_s)
        verdict = await patiently(lambda: _quick_check(conn))
        if verdict != "ok":
            raise DatabaseUnavailable(f"The database {path} is damaged ({verdict}). Restore it from a backup.")
        saver = AsyncSqliteSaver(conn)
        await patiently(saver.setup)
        store = await Store.open(str(path), settings.busy_timeout_s)
        await patiently(store.setup)
        return conn, saver, store
    except BaseException as exc:
        for opened in (store, conn):
            if opened is not None:
                try:  # a close that fails too (the same lock) must not hide why opening failed
                    await opened.close()
                except Exception:
                    log.warning("closing after a failed start also failed", exc_info=True)
        if isinstance(exc, (sqlite3.DatabaseError, DatabaseBusy)):
            raise _unusable(path, exc) from exc
        raise


async def _quick_check(conn: aiosqlite.Connection) -> str:
    """"ok", or what is wrong: quick_check within its budget, else the bounded probe."""
    if QUICK_CHECK_BUDGET_S <= 0:
        return await _probe(conn)
    # sqlite3's interrupt() is the one call made for another thread (the check runs in aiosqlite's).
    timer = asyncio.get_running_loop().call_later(QUICK_CHECK_BUDGET_S, conn._conn.interrupt)
    try:
        async with conn.execute("PRAGMA quick_check") as cursor:
            return (await cursor.fetchone())[0]
    except sqlite3.OperationalError as exc:
        if "interrupt" not in str(exc).lower():
            raise
    finally:
        timer.cancel()
    return await _probe(conn)


async def _probe(conn: aiosqlite.Connection) -> str:
    """Read the schema and the first and last entries of every table and index: a damaged page on
    those paths (the root pages, the edges) raises DatabaseError ("malformed": see _unusable)."""
    async with conn.execute("SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index') "
                            "AND name NOT LIKE 'sqlite_%'") as cursor:
        objects = await cursor.fetchall()
    for kind, name, table in objects:
        # Names another program may have chosen: quoted as SQLite identifiers, never pasted as they are.
        name, table = _identifier(name), _identifier(table)
        if kind == "index":
            probes = [f"SELECT 1 FROM {table} INDEXED BY {name} LIMIT 1"]
        else:
            probes = [f"SELECT * FROM {name} LIMIT 1", f"SELECT * FROM {name} ORDER BY rowid DESC LIMIT 1"]
        for probe in probes:
            try:
                async with conn.execute(probe) as cursor:
                    await cursor.fetchall()
            except sqlite3.OperationalError:
                pass  # a probe that does not apply (a partial index, no rowid, a virtual table), not damage
    return "ok"


def _identifier(name: object) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _unusable(path: Path, exc: Exception) -> DatabaseUnavailable:
    """The sentence for a database that failed to open."""
    text = str(exc).lower()
    if _busy(exc):
        return DatabaseUnavailable(f"The database {path} is locked by another program. Try again shortly.")
    if "readonly" in text or "read-only" in text:
        return DatabaseUnavailable(f"The database {path} is read-only; the console needs to write decisions to it.")
    if "malformed" in text or "not a database" in text:
        return DatabaseUnavailable(f"The database {path} is damaged ({exc}). Restore it from a backup.")
    return DatabaseUnavailable(f"The database {path} cannot be used: {exc}.")
