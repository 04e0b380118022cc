"""The inbox's reads on PostgreSQL: the same queries as console/inbox.IndexReader, over a small psycopg pool.

Like the SQLite reader, it runs in the caller's own thread (no bridge hop), one
REPEATABLE READ, READ ONLY transaction per page, so rows and their total agree.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool

from console.db import Busy, translate
from console.inbox import IndexReader, InboxPage, InboxQuery, page_of, page_sql


class _Translating:
    """A psycopg connection that takes the SQLite-spelled queries of console/inbox.py."""

    def __init__(self, raw: psycopg.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params=()):
        try:
            return self.raw.execute(translate(sql), tuple(params))
        except (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled) as exc:
            raise Busy(f"database is locked ({exc.sqlstate})") from exc


class PgIndexReader(IndexReader):
    def __init__(self, url: str, busy_timeout_s: float) -> None:
        self.busy_timeout_s = busy_timeout_s
        timeout_ms = int(max(busy_timeout_s, 0.5) * 1000)
        # Opened on first use: the console has checked the server by then, with a plain sentence.
        self._pool = ConnectionPool(
            url, min_size=0, max_size=IndexReader.KEEP, open=False, name="review-console-inbox",
            kwargs={"autocommit": True, "prepare_threshold": None,
                    "options": f"-c statement_timeout={timeout_ms * 5} -c lock_timeout={timeout_ms}"},
        )
        self._opened = False

    @contextmanager
    def snapshot(self):
        if not self._opened:
            self._pool.open(wait=False)
            self._opened = True
        with self._pool.connection(timeout=self.busy_timeout_s * 5) as raw:
            with raw.transaction():
                raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield _Translating(raw)

    def page(self, q: InboxQuery, now: float | None = None) -> InboxPage:
        rows_sql, rows_params, count_sql, count_params = page_sql(q, time.time() if now is None else now, fts=False)
        with self.snapshot() as conn:
            rows = conn.execute(rows_sql, rows_params).fetchall()
            total = conn.execute(count_sql, count_params).fetchone()[0]
        return page_of(rows, int(total), q)

    def close(self) -> None:
        if self._opened:
            self._pool.close()
            self._opened = False
