"""The store's own promises on both databases: the decision log cannot be rewritten, reads and write
transactions take turns on the one connection, a NUL in the search is a plain sentence, and each
dialect spells every statement the rooms run."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

import pytest

import console.upkeep as upkeep
from console.errors import InvalidAnswer
from console.inbox import InboxQuery
from console.store import postgres_schema, postgres_sql, sqlite_schema, sqlite_sql
from tests.conftest import answer


@contextlib.contextmanager
def autocommit(where):
    """A plain connection of another program, each statement its own transaction."""
    where = str(where)
    if where.startswith("postgresql:"):
        import psycopg
        with psycopg.connect(where, autocommit=True) as conn:
            yield conn
        return
    conn = sqlite3.connect(where, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def test_the_decision_log_refuses_deletes_and_changes_to_a_final_outcome(demo, db_path):
    assert answer(demo, "demo-0001", "approve").status == "applied"
    with autocommit(db_path) as conn:
        with pytest.raises(Exception, match="append-only"):
            conn.execute("DELETE FROM rc_decisions")
        with pytest.raises(Exception, match="cannot change"):
            conn.execute("UPDATE rc_decisions SET outcome = 'refused' WHERE outcome = 'applied'")
        with pytest.raises(Exception, match="cannot change"):
            conn.execute("UPDATE rc_decisions SET reviewer = 'Mallory', answer = NULL")
        outcomes = conn.execute("SELECT reviewer, outcome FROM rc_decisions").fetchall()
    assert [tuple(r) for r in outcomes] == [("Ann", "applied")]


@pytest.mark.sqlite_only  # SQLite's busy handler; PostgreSQL waits for locks inside a transaction too
def test_a_write_transaction_waits_for_a_read_in_progress_instead_of_failing(make_console, store, monkeypatch):
    """With a read open on the connection, SQLite fails BEGIN IMMEDIATE at once while another
    connection holds the write lock (no busy handler inside a read). The store's turns make the
    write wait for the read; it then waits for the other writer as usual, and goes through."""
    for name in ("HEARTBEAT_S", "RECOVERY_S", "TRIGGER_CHECK_S"):
        monkeypatch.setattr(upkeep, name, 3600.0)  # no background write meanwhile
    app = make_console(seed_demo=False)
    refused = {"reviewer": "Ann", "thread_id": "t-1", "action": "approve"}
    app.bridge.run(app.store.log_refusal(refused, "first"))  # a row, so the read stays open after its first step
    other = sqlite3.connect(store, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock

    async def read_then_write():
        read = asyncio.create_task(app.store.decisions())  # its first step opens a read on the connection
        write = asyncio.create_task(app.store.log_refusal(refused, "second"))  # queued right behind it
        assert len(await read) == 1
        other.execute("ROLLBACK")  # the other writer is done once the read is
        await write

    try:
        app.bridge.run(read_then_write())
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()
    assert [d["detail"] for d in app.bridge.run(app.store.decisions())] == ["second", "first"]


@pytest.mark.parametrize("search", ["\x00", "topic\x00", "a\x00b", "\x00\x00\x00"])
def test_a_nul_in_the_search_is_a_plain_sentence(demo, search):
    with pytest.raises(InvalidAnswer, match="invisible NUL character") as refused:
        demo.inbox(InboxQuery(search=search))
    assert refused.value.field == "search"
    assert demo.inbox(InboxQuery(search="topic")).total >= 0  # the inbox goes on working


def test_each_dialect_spells_every_statement_the_rooms_run():
    """The rooms pick one dialect's module and run its statements as written: both must have all."""
    def statements(module, spelled=(str,)):
        return {n for n in vars(module) if n.isupper() and not n.startswith("_") and isinstance(getattr(module, n), spelled)}

    # None: a statement this dialect does without (said so where it is set); it must still be named.
    assert statements(sqlite_sql, (str, type(None))) == statements(postgres_sql, (str, type(None)))
    for name in ("setup", "setup_index", "triggers_present", "seeding"):
        assert callable(getattr(sqlite_schema, name)) and callable(getattr(postgres_schema, name))
    assert all("%(" not in getattr(sqlite_sql, n) for n in statements(sqlite_sql))
    assert all(":" + "thread_id" not in getattr(postgres_sql, n) for n in statements(postgres_sql))


def test_write_transactions_started_together_take_turns(make_console):
    """Two write transactions and a read, started at once on the one connection: each in its
    turn, so none begins inside another's transaction, and every row is logged."""
    app = make_console(seed_demo=False)
    refused = {"reviewer": "Ann", "thread_id": "t-2", "action": "approve"}

    async def together():
        await asyncio.gather(*(app.store.log_refusal(refused, f"#{i}") for i in range(3)), app.store.decisions(),
                             app.store.claim_new_thread({**refused, "thread_id": "t-3", "action": "start"}))

    app.bridge.run(together())
    assert sorted(d["detail"] or "" for d in app.bridge.run(app.store.decisions())) == ["", "#0", "#1", "#2"]
