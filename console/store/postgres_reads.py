"""The inbox's reads on PostgreSQL: a small psycopg pool lent to the caller's thread, and PostgreSQL's search clause."""

from __future__ import annotations

from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool

from console.store.postgres_driver import busy_from
from console.store.records import like_pattern

P = "%s"  # psycopg's placeholder, for the inbox's filters
KEEP = 4


def search(text: str, status: str) -> tuple[list[str], list]:
    """Substring search: ILIKE, served by the trigram GIN indexes (postgres_schema.SEARCH_SCHEMA)."""
    return ["(preview ILIKE %s ESCAPE '\\' OR thread_id ILIKE %s ESCAPE '\\')"], [like_pattern(text)] * 2


class _Reading:
    """A psycopg connection in a read transaction; lock and statement timeouts read as "busy"."""

    def __init__(self, raw: psycopg.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params=None):
        try:
            return self.raw.execute(sql, params)
        except (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled) as exc:
            raise busy_from(exc) from exc


class PgSnapshots:
    """Like SQLite's reader, in the caller's own thread (no bridge hop): one REPEATABLE READ,
    READ ONLY transaction per page, so rows and their total agree."""

    def __init__(self, url: str, busy_timeout_s: float) -> None:
        self.busy_timeout_s = busy_timeout_s
        timeout_ms = int(max(busy_timeout_s, 0.5) * 1000)
        # Opened on first use: the console has checked the server by then, with a plain sentence.
        self._pool = ConnectionPool(
            url, min_size=0, max_size=KEEP, open=False, name="review-console-inbox",
            kwargs={"autocommit": True, "prepare_threshold": None,
                    "options": f"-c statement_timeout={timeout_ms * 5} -c lock_timeout={timeout_ms}"},
        )
        self._opened = False

    def _connection(self):
        if not self._opened:
            self._pool.open(wait=False)
            self._opened = True
        return self._pool.connection(timeout=self.busy_timeout_s * 5)

    @contextmanager
    def snapshot(self):
        with self._connection() as raw:
            with raw.transaction():
                raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield _Reading(raw)

    @contextmanager
    def statement(self):
        """A connection for one statement (autocommit: a statement is its own snapshot), no transaction."""
        with self._connection() as raw:
            yield _Reading(raw)

    def close(self) -> None:
        if self._opened:
            self._pool.close()
            self._opened = False
