"""Opening the PostgreSQL store: the saver's connection pool and its setup, then the console's Store on its own connection."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from console.errors import DatabaseUnavailable
import console.store.postgres_schema as postgres_schema
import console.store.postgres_sql as postgres_sql
from console.store.db import Db
from console.store.facade import Store
from console.store.postgres_driver import PostgresDriver, describe_url, server_of
from console.store.postgres_schema import setup_turn


async def open_postgres(url: str, busy_timeout_s: float, pool_size: int = 10):
    """The saver's connection pool, the saver (its tables set up) and the console's store, on the running loop.

    Raises DatabaseUnavailable with a plain sentence when the server cannot be used.
    """
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

    where = describe_url(url)
    try:
        # One plain connection first: its error says what is wrong (a pool would only time out).
        probe = await psycopg.AsyncConnection.connect(url, connect_timeout=max(2, int(busy_timeout_s * 5)))
        await probe.close()
    except psycopg.OperationalError as exc:
        text = str(exc).lower()
        if "does not exist" in text:
            raise DatabaseUnavailable(f"The database {where} does not exist on its server. Create it, or check REVIEW_CONSOLE_DB.") from exc
        if "password" in text or "authentication" in text or "role" in text:
            raise DatabaseUnavailable(f"The database server at {server_of(url)} refused the user name or password in REVIEW_CONSOLE_DB.") from exc
        raise DatabaseUnavailable(f"The database server at {server_of(url)} cannot be reached. "
                                  "Check that PostgreSQL is running there and that REVIEW_CONSOLE_DB is right.") from exc
    # The saver's documented connection settings: autocommit, no prepared statements, dict rows.
    pool = AsyncConnectionPool(url, min_size=1, max_size=pool_size, open=False, name="review-console-saver",
                               kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row})
    store = None
    try:
        await pool.open(wait=True, timeout=max(5.0, busy_timeout_s * 5))
        saver = AsyncPostgresSaver(pool)
        async with pool.connection() as conn, setup_turn(conn):
            await AsyncPostgresSaver(conn).setup()
        store = Store(Db(await PostgresDriver.connect(url, busy_timeout_s)), postgres_sql, postgres_schema)
        await store.setup()
    except BaseException as exc:
        if store is not None:
            await store.db.close()
        await pool.close()
        if isinstance(exc, psycopg.Error):
            raise DatabaseUnavailable(f"The database {where} cannot be used: {str(exc).strip()}.") from exc
        raise
    return pool, saver, store
