"""PostgreSQL's own side of the index: plans, triggers put back, an existing database indexed, reconnection."""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest

import console.upkeep as upkeep
from console.inbox import InboxQuery, page_sql
from console.store import postgres_reads
from tests.inbox_graphs import ENTRY, elsewhere

# These tests reach into PostgreSQL itself (their SQLite twins are in test_inbox_index.py).
pytestmark = pytest.mark.postgres_only


def until(predicate, timeout: float = 5.0) -> None:
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, f"not within {timeout} s"
        time.sleep(0.01)


def waiting(console_, **filters) -> list[str]:
    return console_.inbox(InboxQuery(page_size=500, **filters)).rows["thread_id"].tolist()


@pytest.mark.parametrize("query", [
    InboxQuery(),
    InboxQuery(oldest_first=False),
    InboxQuery(workflows=("mix",)),
    InboxQuery(sort="workflow"),
    InboxQuery(sort="thread id", oldest_first=False),
    InboxQuery(nodes=("mix_ask",)),
    InboxQuery(kinds=("before",)),
    InboxQuery(status="failed"),
])
def test_each_page_is_read_in_index_order_without_sorting(make_console, store, query):
    """At 20,000 index rows the planner walks an rc_threads index in order and stops after a page."""
    make_console(seed_demo=False).close()
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO rc_threads(thread_id, workflow, status, pause_kind, waiting_node, preview, waiting_since) "
            "SELECT 'x' || i, 'wf' || (i % 7), CASE WHEN i % 10 = 0 THEN 'waiting' WHEN i % 97 = 0 THEN 'failed' "
            "ELSE 'finished' END, CASE WHEN i % 2 = 0 THEN 'interrupt' ELSE 'before' END, 'node' || (i % 5), "
            "'preview ' || i, 1.7e9 + i FROM generate_series(1, 20000) AS i")
        conn.execute("ANALYZE rc_threads")
        rows_sql, params, _, _ = page_sql(query, time.time(), postgres_reads)
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + rows_sql, params))
    first = plan.splitlines()[1]  # the node under Limit
    assert "Index" in first and "rc_threads_by" in first and "Sort" not in plan.split("SubPlan")[0], plan


def test_search_has_trigram_indexes_that_serve_ilike(make_console, store):
    """Which plan wins depends on the planner's estimates; that the indexes exist and can
    answer a substring ILIKE (SQLite's FTS5 trigram twin) is what is ours to keep."""
    make_console(seed_demo=False).close()
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("INSERT INTO rc_threads(thread_id, status, preview, waiting_since) "
                     "SELECT 'x' || i, 'waiting', 'preview number ' || i, i FROM generate_series(1, 20000) AS i")
        conn.execute("ANALYZE rc_threads")
        conn.execute("SET enable_seqscan = off")
        for column in ("preview", "thread_id"):
            plan = "\n".join(r[0] for r in conn.execute(
                f"EXPLAIN SELECT id FROM rc_threads WHERE {column} ILIKE %s ESCAPE '\\'", ("%4242%",)))
            assert f"Bitmap Index Scan on rc_threads_search_{'id' if column == 'thread_id' else column}" in plan, plan


def test_the_index_comes_back_when_another_program_drops_its_triggers(make_console, store, monkeypatch):
    monkeypatch.setattr(upkeep, "TRIGGER_CHECK_S", 0.1)
    mix = make_console(seed_demo=False, extra_workflows=(ENTRY,))
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("DROP TRIGGER rc_mark_on_checkpoint ON checkpoints")
        conn.execute("DROP TRIGGER rc_mark_on_write ON checkpoint_writes")
    asyncio.run(elsewhere(store, ("f-1", "ask")))
    until(lambda: waiting(mix) == ["f-1"], timeout=5)


def test_an_existing_database_is_indexed_on_first_start(make_console, store):
    asyncio.run(elsewhere(store, *[(f"old-{i:02d}", mode) for i, mode in enumerate(["ask", "gate", "plain"] * 5)]))
    with psycopg.connect(store) as conn:  # copies under new ids: 615 threads, more than the first batch
        suffixes = [f"-{c:02d}" for c in range(40)]
        for table, cols in (
            ("checkpoints", "checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata"),
            ("checkpoint_blobs", "checkpoint_ns, channel, version, type, blob"),
            ("checkpoint_writes", "checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob, task_path"),
        ):
            conn.execute(f"INSERT INTO {table}(thread_id, {cols}) SELECT t.thread_id || s, "
                         f"{', '.join('t.' + c for c in cols.split(', '))} FROM {table} t, unnest(%s::text[]) AS s "
                         "WHERE t.thread_id LIKE 'old-__'", (suffixes,))
    console_ = make_console(seed_demo=False, extra_workflows=(ENTRY,))
    until(lambda: console_.index_backlog() == 0, timeout=30)
    page = console_.inbox()
    assert page.total == 10 * 41 and len(page.rows) == 50
    counts = console_.counts().set_index("status")["threads"]
    assert counts["waiting"] == 410 and counts["finished"] == 205


def test_the_console_adds_only_its_own_tables_and_triggers(make_console, store):
    make_console(seed_demo=True).close()
    with psycopg.connect(store) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        triggers = {(r[0], r[1]) for r in conn.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal")}
        saver_columns = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'checkpoint_writes'")}
    ours = {t for t in tables if t.startswith("rc_")}
    assert tables - ours == {"checkpoints", "checkpoint_blobs", "checkpoint_writes", "checkpoint_migrations"}
    assert {("checkpoints", "rc_mark_on_checkpoint"), ("checkpoint_writes", "rc_mark_on_write")} <= triggers
    assert all(name.startswith("rc_") for _, name in triggers)
    assert saver_columns == {"thread_id", "checkpoint_ns", "checkpoint_id", "task_id", "idx", "channel", "type",
                             "blob", "task_path"} | ({"rc_seq"} & saver_columns)


def test_the_console_reconnects_after_its_connection_is_cut(make_console, store):
    """A server restart or a network cut ends connections: the next call gets new ones."""
    demo = make_console(seed_demo=True)
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    deadline = time.monotonic() + 10
    while True:  # the first call after the cut may fail once (as a plain error); then it works
        try:
            if demo.inbox().total > 0 and answer_ok(demo):
                break
        except Exception:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def answer_ok(demo) -> bool:
    from tests.conftest import answer

    return answer(demo, "demo-0001", "approve").status == "applied"
