"""A first indexing far behind (console/indexer.py's bulk path): the same rows, counts and search as row by row,
the sort indexes back at its end, and a crash in the middle loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
import threading
import time

import pytest

import console.indexer as indexer
import console.upkeep as upkeep
from console.inbox import InboxQuery
from console.store import index as index_room
from console.store.records import THREAD_COLUMNS
from console.store.sqlite_schema import SORT_INDEX_NAMES
from tests.inbox_graphs import ENTRY, elsewhere

pytestmark = pytest.mark.sqlite_only  # copies and reads the SQLite file; PostgreSQL has no bulk path


def until(predicate, timeout: float = 20.0) -> None:
    """Bounded polling on the index's state (not a latency check)."""
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, f"not within {timeout} s"
        time.sleep(0.01)


def build(db_path) -> None:
    """615 threads never seen by a console: every mode of tests/inbox_graphs.py, copied under new ids."""
    asyncio.run(elsewhere(db_path, *[(f"old-{i:02d}", mode) for i, mode in enumerate(["ask", "gate", "plain"] * 5)]))
    with contextlib.closing(sqlite3.connect(db_path)) as conn, conn:  # closed: no WAL left behind the copy
        for copy in range(40):
            conn.execute("INSERT INTO checkpoints SELECT thread_id || ?, checkpoint_ns, checkpoint_id, parent_checkpoint_id, "
                         "type, checkpoint, metadata FROM checkpoints WHERE thread_id LIKE 'old-__'", (f"-{copy:02d}",))
            conn.execute("INSERT INTO writes SELECT thread_id || ?, checkpoint_ns, checkpoint_id, task_id, task_path, idx, "
                         "channel, type, value FROM writes WHERE thread_id LIKE 'old-__'", (f"-{copy:02d}",))


def index_of(path) -> dict:
    """Everything the inbox reads from the index: its rows (but the stamps of when they were written),
    the counts, the search entries, the sort indexes present, the marks left."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = {r[0]: r for r in conn.execute(f"SELECT {', '.join(THREAD_COLUMNS)} FROM rc_threads")}
        return {
            "rows": rows,
            "counts": sorted(conn.execute("SELECT workflow, status, n FROM rc_counts WHERE n != 0")),
            "search": sorted(conn.execute("SELECT t.thread_id FROM rc_search s JOIN rc_threads t ON t.id = s.rowid "
                                          "WHERE rc_search MATCH 'opi'")),
            "indexes": sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'rc_threads_by%'")),
            "marks": conn.execute("SELECT COUNT(*) FROM rc_marks").fetchone()[0],
        }


def indexed(console_, path) -> None:
    until(lambda: console_.index_backlog() == 0 and len(index_of(path)["indexes"]) == len(SORT_INDEX_NAMES))


@pytest.fixture
def copies(db_path, tmp_path):
    """The same unindexed database twice: one for the row-by-row indexing, one for the bulk one."""
    build(db_path)
    bulk = tmp_path / "bulk.db"
    shutil.copyfile(db_path, bulk)
    return db_path, bulk


def test_a_bulk_first_indexing_gives_the_index_row_by_row_gives(make_console, copies, monkeypatch):
    plain, bulk = copies
    monkeypatch.setattr(indexer, "BULK_BACKLOG", 10**9)  # never: the reference, row by row
    reference = make_console(seed_demo=False, extra_workflows=(ENTRY,), path=plain)
    indexed(reference, plain)
    reference.close()

    monkeypatch.setattr(indexer, "BULK_BACKLOG", 100)
    monkeypatch.setattr(indexer, "BULK_CHUNK", 40)  # several chunks per batch, a last one short
    monkeypatch.setattr(indexer, "BULK_BATCH", 0)  # the upkeep's batches: several passes
    dropped = []
    begin = index_room.Index.begin_bulk

    async def spied(self, min_backlog):
        dropped.append(await begin(self, min_backlog))
        return dropped[-1]
    monkeypatch.setattr(index_room.Index, "begin_bulk", spied)
    console_ = make_console(seed_demo=False, extra_workflows=(ENTRY,), path=bulk)
    indexed(console_, bulk)
    assert True in dropped  # the bulk path ran, without its sort indexes
    got, want = index_of(bulk), index_of(plain)
    assert len(want["rows"]) == 615 and want["search"] and want["marks"] == 0
    assert got == want
    page = console_.inbox(InboxQuery(page_size=500))
    assert page.total == 410 and set(page.rows["thread_id"]) == {t for t, r in want["rows"].items() if r[3] == "waiting"}


def test_a_crash_in_the_middle_of_a_bulk_indexing_loses_nothing(make_console, copies, monkeypatch):
    plain, bulk = copies
    monkeypatch.setattr(indexer, "BULK_BACKLOG", 10**9)
    reference = make_console(seed_demo=False, extra_workflows=(ENTRY,), path=plain)
    indexed(reference, plain)
    reference.close()

    monkeypatch.setattr(indexer, "BULK_BACKLOG", 100)
    monkeypatch.setattr(indexer, "BULK_CHUNK", 40)
    monkeypatch.setattr(indexer, "BULK_BATCH", 0)
    save = index_room.Index.save_thread_rows
    saves, stopped = [], threading.Event()

    async def dies_halfway(self, *args, **kwargs):
        if len(saves) >= 15:  # past the opening's batch (13 chunks): the process stops writing, as if killed
            stopped.set()
            raise RuntimeError("crashed")
        saves.append(args[2])
        return await save(self, *args, **kwargs)
    monkeypatch.setattr(index_room.Index, "save_thread_rows", dies_halfway)
    first = make_console(seed_demo=False, extra_workflows=(ENTRY,), path=bulk)
    until(lambda: stopped.is_set())
    first.close()
    halfway = index_of(bulk)
    assert halfway["indexes"] == [] and 0 < len(halfway["rows"]) < 615 and halfway["marks"] > 0

    monkeypatch.setattr(index_room.Index, "save_thread_rows", save)
    again = make_console(seed_demo=False, extra_workflows=(ENTRY,), path=bulk)
    indexed(again, bulk)
    assert index_of(bulk) == index_of(plain)


def test_rows_json_cannot_carry_exactly_are_saved_one_by_one(make_console, db_path):
    """The one-statement save (JSON) stores each value as executemany would; the rest go row by row."""
    console_ = make_console(seed_demo=False)
    odd = ["nul \x00 inside", "é\u2028😀 tab\t", "", "x" * 5000]
    rows = [{"thread_id": f"j-{i}", "workflow": "w", "status": "waiting", "preview": text, "waiting_since": since,
             "interrupt_count": count, "error": None}
            for i, (text, since, count) in enumerate(zip(odd, (1764633600.123456789, 0.1 + 0.2, None, 1e-300), (0, 2**40, 3, 1)))]
    rows.append({"thread_id": "j-nul-\x00-id", "status": "finished", "interrupt_count": 0})

    async def save_and_read():
        await console_.store.save_thread_rows(rows, [], [r["thread_id"] for r in rows], 10**6)
        return {r["thread_id"]: r for r in await console_.store.db.dicts("SELECT * FROM rc_threads WHERE thread_id LIKE 'j-%'")}
    stored = console_.bridge.run(save_and_read())
    assert set(stored) == {r["thread_id"] for r in rows}
    for row in rows:
        for column in THREAD_COLUMNS:
            value = stored[row["thread_id"]][column]
            assert value == row.get(column) and type(value) is type(row.get(column)), (column, value)


def test_sort_indexes_a_dead_bulk_indexing_left_dropped_come_back(make_console, db_path, monkeypatch):
    """Another console process died in its bulk indexing: this one, still running, builds them again."""
    monkeypatch.setattr(upkeep, "TRIGGER_CHECK_S", 0.1)
    console_ = make_console(seed_demo=False, extra_workflows=(ENTRY,))
    with contextlib.closing(sqlite3.connect(db_path)) as conn, conn:
        for name in SORT_INDEX_NAMES[:2]:
            conn.execute(f"DROP INDEX {name}")
    until(lambda: index_of(db_path)["indexes"] == sorted(SORT_INDEX_NAMES), timeout=5)
    assert console_.inbox().total == 0
