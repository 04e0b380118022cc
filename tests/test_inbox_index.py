"""The thread index behind the inbox: fresh within 2 s of any writer, right at once after a decision,
built for an existing database, rebuilt when its triggers or layout are gone, and read by index only."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest

import console.upkeep as upkeep
from console.inbox import InboxQuery, page_sql
from tests.conftest import answer, other_saver, raw_connect
from tests.inbox_graphs import ENTRY, elsewhere


def waiting(console_, **filters) -> list[str]:
    return console_.inbox(InboxQuery(page_size=500, **filters)).rows["thread_id"].tolist()


def until(predicate, timeout: float = 2.0) -> float:
    """Bounded polling: seconds it took for `predicate` to hold; fails after `timeout`."""
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, f"not within {timeout} s"
        time.sleep(0.01)
    return time.monotonic() - start


def wait_indexed(console_) -> None:
    """Every committed change derived (the writer has returned, so its marks are in)."""
    until(lambda: console_.index_backlog() == 0, timeout=10)


@pytest.fixture
def mix(make_console):
    return make_console(seed_demo=False, extra_workflows=(ENTRY,))


def test_a_pause_written_elsewhere_appears_within_two_seconds(mix, db_path):
    asyncio.run(elsewhere(db_path, ("late-1", "ask"), ("late-2", "gate")))
    until(lambda: set(waiting(mix)) == {"late-1", "late-2"})
    rows = mix.inbox().rows.set_index("thread_id")
    assert rows.loc["late-1", "workflow"] == "mix"  # no workflow key in its metadata: known by its node names
    assert rows.loc["late-2", "kind of pause"] == "paused after a step"


def test_an_answer_from_the_console_removes_the_thread_at_once(mix, db_path):
    asyncio.run(elsewhere(db_path, ("a-1", "ask"), ("a-2", "ask")))
    wait_indexed(mix)
    assert answer(mix, "a-1", "approve").status == "applied"
    assert waiting(mix) == ["a-2"]  # no wait: the decision re-derived its own thread before returning
    assert mix.counts().query("status == 'waiting'")["threads"].sum() == 1


def test_an_answer_from_elsewhere_removes_the_thread_within_two_seconds(mix, db_path):
    asyncio.run(elsewhere(db_path, ("b-1", "ask")))
    until(lambda: waiting(mix) == ["b-1"])
    asyncio.run(elsewhere(db_path, ("b-1", "answer")))
    until(lambda: waiting(mix) == [])


def test_a_thread_under_decision_leaves_the_list_at_once_and_returns_if_nothing_applied(mix, db_path):
    asyncio.run(elsewhere(db_path, ("c-1", "ask"), ("c-2", "ask")))
    wait_indexed(mix)
    view = mix.thread("c-1")
    record = {"reviewer": "Ann", "thread_id": "c-1", "workflow": "mix", "checkpoint_id": view.checkpoint_id,
              "interrupt_id": view.interrupts[0].id, "action": "approve"}
    claim = mix.bridge.run(mix.store.claim(record))
    page = mix.inbox()
    assert page.rows["thread_id"].tolist() == ["c-2"] and page.total == 1
    assert mix.counts().set_index("status")["threads"].to_dict() == {"running": 1, "waiting": 1}
    mix.bridge.run(mix.store.finish(claim.decision_id, "failed", "test", release=True))
    assert sorted(waiting(mix)) == ["c-1", "c-2"]


def test_a_row_derived_during_a_decision_is_replaced_once_it_ends(mix, db_path):
    """A background pass can index the thread as running and clear every mark; the
    decision's own re-derive afterwards must still win (found by the browser suite)."""
    asyncio.run(elsewhere(db_path, ("r-1", "ask")))
    wait_indexed(mix)
    view = mix.thread("r-1")
    record = {"reviewer": "Ann", "thread_id": "r-1", "workflow": "mix", "checkpoint_id": view.checkpoint_id,
              "interrupt_id": view.interrupts[0].id, "action": "approve"}
    claim = mix.bridge.run(mix.store.claim(record))
    with raw_connect(db_path) as conn:  # a saver write during the run marks the thread
        conn.execute("INSERT INTO rc_marks(thread_id) VALUES ('r-1')")
    wait_indexed(mix)
    with raw_connect(db_path) as conn:
        assert conn.execute("SELECT status FROM rc_threads WHERE thread_id = 'r-1'").fetchone() == ("running",)
        assert conn.execute("SELECT COUNT(*) FROM rc_marks").fetchone() == (0,)
    mix.bridge.run(mix.store.finish(claim.decision_id, "failed", "test", release=True))
    mix.bridge.run(mix.indexer.derive(only=["r-1"]))
    assert waiting(mix) == ["r-1"]


def test_a_failed_thread_is_listed_apart_with_its_error(mix, db_path):
    asyncio.run(elsewhere(db_path, ("d-1", "explode"), ("d-2", "ask")))
    wait_indexed(mix)  # both threads: the failed one may be derived in an earlier pass than d-2
    assert mix.inbox(InboxQuery(status="failed")).total == 1
    assert waiting(mix) == ["d-2"]
    failed = mix.inbox(InboxQuery(status="failed")).rows.iloc[0]
    assert failed["thread_id"] == "d-1" and failed["waiting at"] == "mix_explode"
    assert "broke on purpose" in failed["preview"]


def test_threads_of_an_unregistered_workflow_are_counted_not_listed(make_console, db_path):
    plain = make_console(seed_demo=False)  # "mix" is not registered here
    asyncio.run(elsewhere(db_path, ("e-1", "ask")))
    until(lambda: "unknown" in set(plain.counts()["status"]))
    assert waiting(plain) == []


@pytest.mark.sqlite_only  # edits the file with sqlite3; PostgreSQL: tests/test_postgres.py
def test_an_existing_database_is_indexed_on_first_start(make_console, db_path):
    asyncio.run(elsewhere(db_path, *[(f"old-{i:02d}", mode) for i, mode in enumerate(["ask", "gate", "plain"] * 5)]))
    # Copies of those rows under new ids: 615 threads, more than the first synchronous batch.
    conn = sqlite3.connect(db_path)
    for copy in range(40):
        conn.execute("INSERT INTO checkpoints SELECT thread_id || ?, checkpoint_ns, checkpoint_id, parent_checkpoint_id, "
                     "type, checkpoint, metadata FROM checkpoints WHERE thread_id LIKE 'old-__'", (f"-{copy:02d}",))
        conn.execute("INSERT INTO writes SELECT thread_id || ?, checkpoint_ns, checkpoint_id, task_id, task_path, idx, "
                     "channel, type, value FROM writes WHERE thread_id LIKE 'old-__'", (f"-{copy:02d}",))
    conn.commit()
    conn.close()
    console_ = make_console(seed_demo=False, extra_workflows=(ENTRY,))
    wait_indexed(console_)
    page = console_.inbox()
    assert page.total == 10 * 41 and len(page.rows) == 50
    assert set(console_.inbox(InboxQuery(kinds=("interrupt",), page_size=500)).rows["waiting at"]) == {"mix_ask"}
    counts = console_.counts().set_index("status")["threads"]
    assert counts["waiting"] == 410 and counts["finished"] == 205


@pytest.mark.sqlite_only  # edits the file with sqlite3; PostgreSQL: tests/test_postgres.py
def test_the_index_comes_back_when_another_program_drops_its_triggers(mix, db_path, monkeypatch):
    monkeypatch.setattr(upkeep, "TRIGGER_CHECK_S", 0.1)
    conn = sqlite3.connect(db_path)
    for name in ("rc_mark_on_checkpoint", "rc_mark_on_write"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.commit()
    conn.close()
    asyncio.run(elsewhere(db_path, ("f-1", "ask")))
    until(lambda: waiting(mix) == ["f-1"], timeout=5)


@pytest.mark.sqlite_only  # edits the file with sqlite3; PostgreSQL: tests/test_postgres.py
def test_an_index_of_the_first_layout_is_upgraded(make_console, db_path):
    first = make_console(seed_demo=True)
    seeded = first.inbox().total
    first.close()
    conn = sqlite3.connect(db_path)  # what version 1 left: other indexes, no counts, a row missing
    conn.executescript("""
        DROP TRIGGER rc_count_insert; DROP TRIGGER rc_count_delete; DROP TRIGGER rc_count_update;
        DROP TABLE rc_counts;
        DROP INDEX rc_threads_by_age; DROP INDEX rc_threads_by_workflow_age;
        CREATE INDEX rc_threads_by_status ON rc_threads(status, waiting_since);
        DELETE FROM rc_threads WHERE thread_id = 'demo-0002';
        DELETE FROM rc_meta WHERE key = 'index_version';
    """)
    conn.close()
    second = make_console(seed_demo=True)
    wait_indexed(second)
    assert seeded > 1 and second.inbox().total == seeded
    assert second.counts().query("status == 'waiting'")["threads"].sum() == seeded
    conn = sqlite3.connect(db_path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    conn.close()
    assert "rc_threads_by_status" not in names and "rc_threads_by_age" in names


def test_filters_sorts_counts_and_choices(mix, db_path):
    asyncio.run(elsewhere(db_path, ("g-1", "ask"), ("g-2", "gate"), ("g-3", "ask_twice"), ("g-4", "plain")))
    wait_indexed(mix)
    assert mix.filter_choices() == {"workflows": ["mix"], "nodes": ["mix_ask", "mix_ask_twice", "mix_middle"],
                                    "kinds": ["after", "interrupt"]}
    assert waiting(mix, nodes=("mix_middle",)) == ["g-2"]
    assert waiting(mix, kinds=("interrupt",), sort="thread id", oldest_first=False) == ["g-3", "g-1"]
    assert waiting(mix, sort="workflow") == ["g-1", "g-2", "g-3"]  # same workflow: oldest first within it
    assert waiting(mix, search="topic of g-3") == ["g-3"]
    assert waiting(mix, min_age_s=3600) == []
    page = mix.inbox(InboxQuery(page_size=2, page=2))
    assert (page.total, page.pages, page.rows["thread_id"].tolist()) == (3, 2, ["g-3"])
    counts = mix.counts().set_index("status")["threads"]
    assert (counts["waiting"], counts["finished"]) == (3, 1)


@pytest.mark.parametrize("query", [
    InboxQuery(),
    InboxQuery(oldest_first=False),
    InboxQuery(workflows=("mix",)),
    InboxQuery(sort="workflow"),
    InboxQuery(sort="thread id", oldest_first=False),
    InboxQuery(nodes=("mix_ask",)),
    InboxQuery(kinds=("before",)),
    InboxQuery(min_age_s=3600),
    InboxQuery(status="failed"),
])
@pytest.mark.sqlite_only  # SQLite's query plan; PostgreSQL's: tests/test_postgres.py
def test_each_page_is_read_in_index_order_without_sorting(mix, db_path, query):
    """The first page's cost must not grow with the number of threads: an index gives the
    order, so SQLite stops after one page; a temporary sort would read every match first."""
    rows_sql, params, _, _ = page_sql(query, time.time())
    conn = sqlite3.connect(db_path)
    plan = " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + rows_sql, params))
    conn.close()
    assert "USING INDEX rc_threads_by" in plan and "TEMP B-TREE" not in plan, plan


def test_a_thread_deleted_elsewhere_leaves_the_inbox(mix, db_path):
    asyncio.run(elsewhere(db_path, ("h-1", "ask"), ("h-2", "ask")))
    wait_indexed(mix)

    async def delete():
        async with other_saver(db_path) as saver:
            await saver.adelete_thread("h-1")

    asyncio.run(delete())
    until(lambda: waiting(mix) == ["h-2"])


def test_an_older_read_never_overwrites_a_newer_one(mix, db_path):
    """Two consoles deriving one thread at once: the row read at the later mark stays."""
    asyncio.run(elsewhere(db_path, ("k-1", "ask")))
    until(lambda: waiting(mix) == ["k-1"])
    row = mix.bridge.run(mix.store.thread_row("k-1"))
    stale = {**row, "status": "finished"}
    mix.bridge.run(mix.store.save_thread_rows([stale], [], [], row["derived_mark"] - 1))
    assert waiting(mix) == ["k-1"]
    mix.bridge.run(mix.store.save_thread_rows([stale], [], [], row["derived_mark"]))
    assert waiting(mix) == []


def test_search_follows_the_preview_as_the_thread_moves_on(mix, db_path):
    asyncio.run(elsewhere(db_path, ("s-1", "gate"), ("s-2", "ask")))
    wait_indexed(mix)
    assert waiting(mix, search="(GATED)") == ["s-1"]  # case-insensitive, like LIKE
    assert waiting(mix, search="between the gates") == []
    asyncio.run(elsewhere(db_path, ("s-1", "answer")))  # past the first gate: the state shows a new step
    wait_indexed(mix)
    assert waiting(mix, search="between the gates") == ["s-1"]
    assert sorted(waiting(mix, search="s-")) == ["s-1", "s-2"]  # under three characters: a plain LIKE
    assert waiting(mix, search="topic of s-2") == ["s-2"]
    asyncio.run(elsewhere(db_path, ("s-1", "answer")))  # finished: no longer found
    wait_indexed(mix)
    assert waiting(mix, search="between the gates") == [] and waiting(mix, search="gated") == []
    assert waiting(mix, search="Ünïcode") == []


def test_threads_of_a_workflow_registered_later_are_listed_after_a_restart(make_console, db_path):
    before = make_console(seed_demo=False)
    asyncio.run(elsewhere(db_path, ("r-1", "ask")))
    until(lambda: "unknown" in set(before.counts()["status"]))
    before.close()
    after = make_console(seed_demo=False, extra_workflows=(ENTRY,))
    wait_indexed(after)
    assert waiting(after) == ["r-1"]


def test_the_index_version_moves_with_every_change_the_inbox_can_show(mix, db_path):
    """Pages share reads keyed on it (ui/cached.py): a change it misses would show stale rows to everyone."""
    asyncio.run(elsewhere(db_path, ("v-1", "ask"), ("v-2", "ask")))
    wait_indexed(mix)
    quiet = mix.index_version()
    assert mix.index_version() == quiet  # nothing changed, nothing moves
    asyncio.run(elsewhere(db_path, ("v-3", "ask")))  # another process's pause, once derived
    until(lambda: "v-3" in waiting(mix))
    elsewhere_indexed = mix.index_version()
    assert elsewhere_indexed != quiet
    view = mix.thread("v-1")
    record = {"reviewer": "Ann", "thread_id": "v-1", "workflow": "mix", "checkpoint_id": view.checkpoint_id,
              "interrupt_id": view.interrupts[0].id, "action": "approve"}
    claim = mix.bridge.run(mix.store.claim(record))  # under decision: out of the list at once
    claimed = mix.index_version()
    assert claimed != elsewhere_indexed
    mix.bridge.run(mix.store.finish(claim.decision_id, "failed", "test", release=True))  # back in the list
    assert mix.index_version() != claimed
    released = mix.index_version()
    assert answer(mix, "v-2", "approve").status == "applied"
    assert mix.index_version() != released  # the decision's own re-derive, before it returned


def test_reads_are_shared_until_the_version_moves(mix, db_path, monkeypatch):
    from ui import cached

    asyncio.run(elsewhere(db_path, ("s-1", "ask")))
    wait_indexed(mix)
    reads = []
    real = type(mix).inbox
    monkeypatch.setattr(mix, "inbox", lambda query=InboxQuery(): reads.append(query) or real(mix, query))
    query = InboxQuery(page_size=500, search="s-")
    first = cached.inbox(mix, query)
    assert cached.inbox(mix, query).rows["thread_id"].tolist() == first.rows["thread_id"].tolist() == ["s-1"]
    assert len(reads) == 1  # the second session's read came from the shared cache
    asyncio.run(elsewhere(db_path, ("s-2", "ask")))
    until(lambda: cached.inbox(mix, query).total == 2)
    assert len(reads) >= 2


def test_the_backlog_is_exact_while_small_and_about_right_when_large(tmp_path):
    """0 means nothing left to derive (benches and tests wait on it); past EXACT_BACKLOG threads it is the
    marks' id span, read in two seeks, not a walk over every mark."""
    from console.inbox import EXACT_BACKLOG, sqlite_reader
    from console.service import Console
    from console.settings import Settings

    path = tmp_path / "marks.db"
    Console(Settings(db_path=path, seed_demo=False, create_db=True, offline_token_delay=0)).close()
    reader = sqlite_reader(path, 2.0)
    try:
        with sqlite3.connect(path) as conn:
            conn.execute("DELETE FROM rc_marks")
        assert reader.backlog() == 0
        with sqlite3.connect(path) as conn:
            conn.executemany("INSERT INTO rc_marks(thread_id) VALUES (?)", [("t-1",), ("t-1",), ("t-2",)])
        assert reader.backlog() == 2  # a thread marked twice is one thread to derive
        with sqlite3.connect(path) as conn:
            conn.executemany("INSERT INTO rc_marks(thread_id) VALUES (?)", [(f"many-{n}",) for n in range(3 * EXACT_BACKLOG)])
        assert reader.backlog() == 3 * EXACT_BACKLOG + 3  # the span: every mark, about the threads
    finally:
        reader.close()
