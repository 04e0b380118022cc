"""Several console replicas on one database: decisions seen by each other, and applied once between processes."""

import asyncio
import json
import logging
import subprocess
import sys
import time
from collections import Counter

import pytest

import console.store.index as index_module
from console.inbox import InboxQuery
from tests.conftest import ANN, ROOT, answer, raw_connect
from tests.test_inbox_index import wait_indexed

THREADS = 8


def _start_threads(console_, n: int) -> list[str]:
    ids = [f"race-{i}" for i in range(n)]
    for t in ids:
        list(console_.start("content_approval", f"topic {t}", ANN, thread_id=t))
    return ids


def _until(predicate, what: str, safety_s: float = 60.0) -> None:
    """Wait for a state another replica brings about; the safety limit only stops a hung test."""
    deadline = time.monotonic() + safety_s
    while not predicate():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def test_two_replica_processes_race_and_each_thread_is_decided_once(make_console, store, tmp_path):
    first = make_console(seed_demo=False)
    threads = _start_threads(first, THREADS)
    workers = [
        subprocess.Popen([sys.executable, str(ROOT / "tests" / "replica_worker.py"), store, name, *threads],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for name in ("Replica-A", "Replica-B")
    ]
    try:
        for w in workers:  # both have read every thread as it stands before either decides
            assert w.stdout.readline().strip() == "ready", w.stderr.read()
        for w in workers:
            w.stdin.write("go\n")
            w.stdin.flush()
        outputs = [w.communicate(timeout=120) for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
    assert all(w.returncode == 0 for w in workers), [err[-2000:] for _, err in outputs]
    results = [json.loads(line) for out, _ in outputs for line in out.splitlines() if line.startswith("{")]
    assert len(results) == 2 * THREADS
    applied = Counter(r["thread_id"] for r in results if r["status"] == "applied")
    assert applied == Counter({t: 1 for t in threads})  # exactly one decision per thread applied
    for r in results:
        if r["status"] != "applied":
            assert r["status"] == "refused" and "not applied" in r["message"], r
    # The graph ran each answer once: one publish per thread, and the log agrees.
    log = first.decision_log()
    approvals = log[log["action"] == "approve"]
    assert Counter(approvals[approvals["outcome"] == "applied"]["thread_id"]) == Counter({t: 1 for t in threads})
    for t in threads:
        view = first.thread(t)
        assert view.status == "finished" and view.values["status"] == "published"
        steps = [h for h in first.history(view)["what happened"] if h == "Publish"]  # the step, in words
        assert len(steps) == 1


def test_a_decision_on_one_replica_shows_on_the_other(make_console):
    one = make_console(seed_demo=True)
    other = make_console(seed_demo=False)  # another replica: its own bridge, connections and index upkeep
    thread = "demo-0001"
    assert thread in set(other.inbox().rows["thread_id"])
    seen_by_other = other.thread(thread)
    assert answer(one, thread, "approve").status == "applied"
    # The other replica's background pass sees the change and no longer lists it (how fast: bench/) …
    _until(lambda: thread not in set(other.inbox(InboxQuery()).rows["thread_id"]), "the other inbox dropped the thread")
    # … and refuses its reviewer's answer to the question already answered, naming who answered.
    from console.decisions import DecisionRequest
    items = list(other.decide(DecisionRequest(thread, seen_by_other.checkpoint_id, seen_by_other.interrupts[0].id, "approve"), ANN))
    assert items[-1].status == "refused" and "already answered by Ann" in items[-1].message
    assert other.thread(thread).values["status"] == "published"


def test_replicas_starting_together_set_up_the_schema_once(make_console):
    """Two consoles open an empty database at the same moment: both start, one demo seed."""
    import threading

    opened, errors = [], []

    def open_one():
        try:
            opened.append(make_console(seed_demo=True))
        except Exception as exc:  # reported below, with the assertion
            errors.append(exc)

    starters = [threading.Thread(target=open_one) for _ in range(2)]
    for s in starters:
        s.start()
    for s in starters:
        s.join(120)
    assert not errors and len(opened) == 2, errors
    for c in opened:  # the console that did not seed indexes the other's seed in the background
        wait_indexed(c)
    assert all(c.inbox().total >= 13 for c in opened)


@pytest.mark.sqlite_only  # holds SQLite's file write lock from another connection
def test_a_start_waits_for_another_consoles_long_write_instead_of_failing(make_console, store, caplog):
    """Another console's demo seed or first index can hold the write lock for longer than a page's
    busy timeout: a console starting meanwhile waits for it (and says so in the log), then opens."""
    from tests.busy_start import opens_past_a_long_write

    make_console(seed_demo=True).close()  # an existing database, as a second replica meets it
    caplog.set_level(logging.INFO, logger="review_console")
    opened = opens_past_a_long_write(store, lambda: make_console(seed_demo=False, busy_timeout_s=0.1))
    assert opened.inbox().total == 13


@pytest.mark.sqlite_only
def test_a_lock_held_past_the_start_patience_is_one_plain_sentence(make_console, store, monkeypatch):
    import sqlite3

    import console.opening as opening
    from console.errors import DatabaseUnavailable

    make_console(seed_demo=False).close()
    monkeypatch.setattr(opening, "START_PATIENCE_S", 0.3)
    other = sqlite3.connect(store, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseUnavailable, match="is locked by another program. Try again shortly."):
            make_console(seed_demo=False, busy_timeout_s=0.1)
    finally:
        other.close()


def test_an_unreachable_postgresql_server_is_one_plain_sentence():
    import socket

    import pytest

    from console.errors import DatabaseUnavailable
    from console.service import Console
    from console.settings import Settings

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DatabaseUnavailable, match=rf"The database server at 127.0.0.1:{port} cannot be reached"):
        Console(Settings(database_url=f"postgresql://rc:secret@127.0.0.1:{port}/reviews", seed_demo=False, busy_timeout_s=0.5))


def test_a_postgresql_url_is_the_one_setting(monkeypatch):
    from console.settings import load_settings

    monkeypatch.setenv("REVIEW_CONSOLE_DB", "postgresql://rc:secret@db.internal:5433/reviews")
    settings = load_settings()
    assert settings.database_url == "postgresql://rc:secret@db.internal:5433/reviews"
    assert settings.database_label == "PostgreSQL db.internal:5433/reviews"  # never the password
    monkeypatch.setenv("REVIEW_CONSOLE_DB", "data/team.db")
    assert load_settings().database_url == ""


# ---- PostgreSQL replicas: a turn per thread, each change derived by one replica ------------------


def _quiet(console_) -> None:
    """Stop the background deriver, so the test says which replica derives when."""
    console_.bridge.loop.call_soon_threadsafe(console_._background.cancel)
    console_.bridge.run(asyncio.sleep(0))


def _counting(console_) -> Counter:
    """Count the threads this console derives (each a read of the thread through its reader)."""
    counts: Counter = Counter()
    load = console_.threads.load_safely

    async def counted(thread_id, *args):
        counts[thread_id] += 1
        return await load(thread_id, *args)

    console_.threads.load_safely = counted
    return counts


def _mark(store, thread_ids) -> None:
    with raw_connect(store) as conn:
        for t in thread_ids:
            conn.execute(f"INSERT INTO rc_marks(thread_id) VALUES ('{t}')")


@pytest.mark.postgres_only
def test_a_change_is_derived_by_one_replica_only(make_console, store):
    first, second = make_console(seed_demo=False), make_console(seed_demo=False)
    threads = _start_threads(first, THREADS)
    _until(lambda: second.index_backlog() == 0, "both indexed")
    _quiet(first), _quiet(second)
    derived_first, derived_second = _counting(first), _counting(second)
    _mark(store, threads)
    bound, mine = first.bridge.run(first.store.claim_marked(100))  # the first replica's pass has begun
    assert sorted(mine) == sorted(threads)
    assert second.bridge.run(second.indexer.derive()) == 0  # the second finds them all taken
    assert first.bridge.run(first.indexer.derive()) == THREADS  # its own claims are its own
    assert second.bridge.run(second.indexer.derive()) == 0  # derived and released: nothing left to do
    assert derived_first == Counter(threads) and not derived_second
    assert second.index_backlog() == 0


@pytest.mark.postgres_only
def test_a_dead_replicas_claims_are_taken_over(make_console, store, monkeypatch):
    first, second = make_console(seed_demo=False), make_console(seed_demo=False)
    threads = _start_threads(first, 2)
    _until(lambda: second.index_backlog() == 0, "both indexed")
    _quiet(first), _quiet(second)
    _mark(store, threads)
    first.bridge.run(first.store.claim_marked(100))  # then it dies: it never derives them
    monkeypatch.setattr(index_module, "DERIVE_CLAIM_S", -1.0)  # its claims are now old
    assert second.bridge.run(second.indexer.derive()) == 2
    assert second.index_backlog() == 0


@pytest.mark.postgres_only
def test_a_decision_does_not_wait_for_another_threads_turn(make_console, store):
    """One thread's write turn held open elsewhere: a decision on another thread applies; one on
    that thread reports busy (the lock wait runs out), and applies once the turn is free."""
    import psycopg
    from console.store.postgres_driver import THREAD_LOCKS

    console_ = make_console(seed_demo=False, busy_timeout_s=0.5)
    held, free = _start_threads(console_, 2)
    with psycopg.connect(store) as other:
        other.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (THREAD_LOCKS, held))
        assert answer(console_, free, "approve").status == "applied"
        with pytest.raises(Exception, match="busy"):
            answer(console_, held, "approve")
        other.rollback()
    assert answer(console_, held, "approve").status == "applied"
