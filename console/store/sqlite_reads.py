"""The inbox's reads on SQLite: read-only sqlite3 connections lent to the caller's thread, and SQLite's search clause."""

from __future__ import annotations

import queue
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from console.store.records import like_pattern

P = "?"  # sqlite3's placeholder, for the inbox's filters
SEARCHABLE = ("waiting", "failed")  # the statuses rc_search holds (sqlite_schema.INDEX_SCHEMA)


def search(text: str, status: str) -> tuple[list[str], list]:
    """Substring search, case-insensitive like SQLite's LIKE: the FTS5 trigram index for three
    characters or more, a LIKE over the previews and ids otherwise."""
    clauses: list[str] = []
    params: list = []
    if len(text) >= 3 and status in SEARCHABLE:
        clauses.append("id IN (SELECT rowid FROM rc_search WHERE rc_search MATCH ?)")
        params.append('"' + text.replace('"', '""') + '"')
        if text.isascii():
            # A trigram match is then exactly LIKE's case-insensitive substring match.
            return clauses, params
        # Otherwise the trigram index gives a superset (it folds non-ASCII case too);
        # LIKE keeps the exact meaning on those candidates.
    clauses.append("(preview LIKE ? ESCAPE '\\' OR thread_id LIKE ? ESCAPE '\\')")
    params.extend([like_pattern(text)] * 2)
    return clauses, params


class SqliteSnapshots:
    """Read-only sqlite3 connections to the index, lent to whichever thread asks. Not through the
    bridge: a read of a few index pages needs no event loop, never queues behind a running graph
    or a backfill on the loop, and WAL lets it run beside any writer."""

    KEEP = 4

    def __init__(self, path: Path | str, busy_timeout_s: float) -> None:
        self.path = str(path)
        self.busy_timeout_s = busy_timeout_s
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA query_only = 1")
        return conn

    @contextmanager
    def _lent(self):
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._open()
        try:
            yield conn
        except BaseException:
            conn.close()
            raise
        if self._idle.qsize() < self.KEEP:
            self._idle.put(conn)
        else:
            conn.close()

    @contextmanager
    def snapshot(self):
        """One connection in one read transaction: rows and their total agree."""
        with self._lent() as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    def statement(self):
        """A connection for one statement, which is a consistent read by itself: no BEGIN and COMMIT
        around it (each a call that lets go of Python's lock and waits to take it back)."""
        return self._lent()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
