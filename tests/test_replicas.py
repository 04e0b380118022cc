"""Several console replicas on one database: decisions seen by each other, and applied once between processes."""

import json
import subprocess
import sys
import time
from collections import Counter

from console.inbox import InboxQuery
from tests.conftest import ANN, ROOT, answer

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
    assert not errors and len(opened) == 2
    assert all(c.inbox().total >= 13 for c in opened)


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
