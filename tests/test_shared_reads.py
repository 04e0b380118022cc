"""Reads shared between sessions (Console's view, history and decision caches) never show a stale thread."""

import asyncio

import pytest

from tests.conftest import ANN, answer
from tests.inbox_graphs import ENTRY, elsewhere


@pytest.fixture
def mix(make_console):
    return make_console(seed_demo=False, extra_workflows=(ENTRY,))


def test_an_unchanged_thread_is_read_once_for_everyone(mix, db_path):
    asyncio.run(elsewhere(db_path, ("r-1", "ask")))
    first = mix.thread("r-1")
    assert mix.thread("r-1") is first  # the same view: no second aget_state
    assert mix.history(first).equals(mix.history(first))


def test_a_change_made_elsewhere_shows_at_once(mix, db_path):
    """Another process answers the question: this console's next read shows it, though it had the view cached."""
    asyncio.run(elsewhere(db_path, ("r-2", "ask")))
    before = mix.thread("r-2")
    assert before.status == "waiting" and before.interrupts
    steps_before = len(mix.history(before))
    asyncio.run(elsewhere(db_path, ("r-2", "answer")))
    after = mix.thread("r-2")
    assert after.checkpoint_id != before.checkpoint_id and not after.interrupts
    assert len(mix.history(after)) > steps_before


def test_a_gate_passed_elsewhere_shows_at_once(mix, db_path):
    """A static pause moved on by another writer (no interrupt write at all) changes the view too."""
    asyncio.run(elsewhere(db_path, ("r-3", "gate")))
    before = mix.thread("r-3")
    asyncio.run(elsewhere(db_path, ("r-3", "answer")))
    assert mix.thread("r-3").checkpoint_id != before.checkpoint_id


def test_a_decision_shows_in_the_log_and_the_history_at_once(demo):
    thread = "demo-0001"
    view = demo.thread(thread)
    assert demo.decision_log(thread).empty and set(demo.history(view)["decision"]) == {""}
    assert answer(demo, thread, "approve", ANN).status == "applied"
    assert demo.decision_log(thread).iloc[0]["outcome"] == "applied"
    assert "Approved by Ann" in set(demo.history(demo.thread(thread))["decision"])


@pytest.mark.sqlite_only  # plants a row with sqlite3
def test_the_indexers_batch_read_decodes_as_strictly_as_the_saver(make_console, db_path, tmp_path):
    """A planted msgpack constructor, read by the indexer's one-pass batch (console/preloaded_saver.py)."""
    import sqlite3

    from tests.test_safety import _plant

    make_console().close()
    marker = tmp_path / "pwned"
    _plant(db_path, marker)
    with sqlite3.connect(db_path) as conn:  # have the thread derived again, through the batch read
        conn.execute("INSERT INTO rc_marks(thread_id) VALUES ('demo-0001')")
    console_ = make_console()
    assert console_.index_backlog() == 0  # derived on open
    assert not marker.exists()
    assert console_.inbox().total >= 1
