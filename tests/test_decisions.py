"""Issue #4: decisions apply once, to the state the reviewer saw, and are never lost.

The workflows are the test ones in tests/flows.py; `counted` appends a line to a
file each time its post-interrupt node runs, so "ran once" is a line count.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from console.decisions import DecisionRequest, Reviewer
from console.errors import DatabaseBusy, DatabaseUnavailable, InvalidAnswer, ThreadNotFound
from tests.conftest import ANN, BOB, ROOT, answer, raw_connect
from console.inbox import InboxQuery
from tests import flows as flow_module
from tests.flows import FLOWS, FLOWS_V2

WORKER = str(ROOT / "tests" / "decide_worker.py")


@pytest.fixture
def flows(make_console):
    return make_console(seed_demo=False, extra_workflows=FLOWS)


def start(app, workflow: str, thread_id: str, **state) -> None:
    outcome = list(app.start(workflow, json.dumps(state), ANN, thread_id=thread_id))[-1]
    assert outcome.status == "started", outcome.message


def effects(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def outcomes(app, thread_id: str) -> list[str]:
    return sorted(app.decision_log(thread_id)["outcome"])


def fire(app, request: DecisionRequest, n: int) -> list[str]:
    """n reviewers press Approve at the same instant, each from its own thread."""
    gate = threading.Barrier(n)
    results: list[str] = []

    def click(i: int) -> None:
        gate.wait()
        try:
            # n different people: one person's second click is not a rival (test_a_double_click_…)
            results.append(list(app.decide(request, Reviewer(f"Reviewer {i}")))[-1].status)
        except Exception as exc:
            results.append(f"error: {exc!r}")

    clicks = [threading.Thread(target=click, args=(i,)) for i in range(n)]
    for c in clicks:
        c.start()
    for c in clicks:
        c.join(60)
    return results


# ---- 2. exactly once ------------------------------------------------------------------------

@pytest.mark.parametrize("n", [2, 10])
def test_simultaneous_decisions_from_threads_apply_once(flows, tmp_path, n):
    log = tmp_path / "effects.txt"
    start(flows, "counted", "t", draft="Hello", effects=str(log))
    seen = flows.thread("t")
    results = fire(flows, DecisionRequest("t", seen.checkpoint_id, seen.interrupts[0].id, "approve"), n)
    assert sorted(results) == ["applied"] + ["refused"] * (n - 1)
    assert effects(log) == ["approved"]  # the post-interrupt node ran once
    assert outcomes(flows, "t") == ["applied", "applied"] + ["refused"] * (n - 1)  # + the start
    assert flows.thread("t").values["status"] == "approved+effect"


@pytest.mark.parametrize("per_process", [1, 5])
def test_simultaneous_decisions_from_two_processes_apply_once(make_console, db_path, tmp_path, per_process):
    app = make_console(seed_demo=False, extra_workflows=FLOWS)
    log = tmp_path / "effects.txt"
    start(app, "counted", "t", draft="Hello", effects=str(log))
    n = 2 * per_process
    workers = [subprocess.Popen([sys.executable, WORKER, "race", str(db_path), "t", str(per_process)], cwd=ROOT, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE) for _ in range(2)]
    try:
        for w in workers:
            assert w.stdout.readline().strip() == "ready"
        for w in workers:  # both go at once: 2 processes × 1 or 5 threads = 2 or 10 simultaneous clicks
            w.stdin.write("go\n")
            w.stdin.flush()
        results = [s for w in workers for s in json.loads(w.communicate(timeout=60)[0].splitlines()[-1])]
    finally:
        for w in workers:
            w.kill()
    assert sorted(results) == ["applied"] + ["refused"] * (n - 1)
    assert effects(log) == ["approved"]
    decisions = app.decision_log("t")
    assert sorted(decisions["outcome"]) == ["applied", "applied"] + ["refused"] * (n - 1)
    assert set(decisions[decisions["outcome"] == "refused"]["detail"]) <= {"already answered", "in progress", "moved on"}


# ---- 3. never lost, never run twice: SIGKILL at random points -----------------------------

KILLS = 24  # the README's figure


def test_killed_mid_resume_leaves_every_thread_answerable_or_finished(make_console, db_path, tmp_path):
    app = make_console(seed_demo=False, extra_workflows=FLOWS)
    threads = [f"k{i:02d}" for i in range(40)]
    for t in threads:
        start(app, "counted", t, draft=t, effects=str(tmp_path / f"{t}.txt"), slow_ms=20)
    listed = tmp_path / "threads.json"
    listed.write_text(json.dumps(threads))
    app.close()

    rounds = subprocess.run([sys.executable, WORKER, "kill", str(db_path), str(listed), str(KILLS), "80", "4", "65"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rounds.returncode == 0, rounds.stderr[-2000:]
    report = [json.loads(line) for line in rounds.stdout.splitlines()]
    assert sum(r["killed"] for r in report) == KILLS, report  # each kill landed while a decision was running

    app = make_console(seed_demo=False, extra_workflows=FLOWS)  # restart: recovers the last child's decision
    log = app.decision_log()
    assert "pending" not in set(log["outcome"])
    with raw_connect(db_path) as db:
        checkpoints = {r[0] for r in db.execute("SELECT thread_id || '/' || checkpoint_id FROM checkpoints").fetchall()}
        claimed = {r[0] for r in db.execute("SELECT decision_id FROM rc_claims").fetchall()}
    for _, d in log[log["action"] == "approve"].iterrows():
        if d["outcome"] == "applied":  # the log names a checkpoint that exists, and keeps its claim
            assert f"{d['thread_id']}/{d['result_checkpoint_id']}" in checkpoints and d["id"] in claimed, d
        else:  # not applied: the claim was released, so the question can be answered again
            assert d["outcome"] == "not applied" and d["id"] not in claimed, d
    for t in threads:
        view = app.thread(t)
        mine = log[(log["thread_id"] == t) & (log["action"] == "approve")]
        applied = mine[mine["outcome"] == "applied"]
        ran = effects(tmp_path / f"{t}.txt")
        assert len(applied) <= 1, (t, mine)
        assert len(ran) <= 1, (t, ran)  # recovery never re-runs a node by itself
        if view.interrupts:  # still at its question: nothing applied, answerable again
            assert applied.empty and ran == [], (t, mine, ran)
        else:  # moved on: the log says applied, at a checkpoint that exists
            assert len(applied) == 1, (t, mine, view.status)
            assert applied.iloc[0]["result_checkpoint_id"], (t, applied)
            assert view.status in ("finished", "waiting"), (t, view.status)
        # whatever happened, the thread can be finished now
        while view.status == "waiting":
            answer(app, t, "approve" if view.interrupts else "continue")
            view = app.thread(t)
        assert view.status == "finished" and view.values["status"].startswith("approved"), (t, view.status)


# ---- 1. bound to what was seen ---------------------------------------------------------------

def test_decision_on_an_older_checkpoint_is_refused_with_who_when_and_where(flows, tmp_path):
    start(flows, "counted", "t", draft="Hello", effects=str(tmp_path / "e.txt"))
    seen = flows.thread("t")
    answer(flows, "t", "reject", reviewer=BOB, reason="No")
    out = list(flows.decide(DecisionRequest("t", seen.checkpoint_id, seen.interrupts[0].id, "approve"), ANN))[-1]
    assert out.status == "refused"
    assert "Bob" in out.message and "not applied" in out.message and "has finished" in out.message
    assert effects(tmp_path / "e.txt") == ["rejected"]


@pytest.mark.sqlite_only  # opens the SQLite file itself (or is about SQLite files)
def test_decision_on_a_finished_thread_writes_nothing(flows, tmp_path):
    start(flows, "counted", "t", draft="Hello", effects=str(tmp_path / "e.txt"))
    seen = flows.thread("t")
    answer(flows, "t", "approve")
    db = sqlite3.connect(flows.settings.db_path)
    before = db.execute("SELECT COUNT(*) FROM writes").fetchone()[0]
    for action in ("approve", "continue"):
        out = list(flows.decide(DecisionRequest("t", seen.checkpoint_id, seen.interrupts[0].id if action == "approve" else None, action), ANN))[-1]
        assert out.status == "refused"
    assert db.execute("SELECT COUNT(*) FROM writes").fetchone()[0] == before  # no stray __resume__
    assert effects(tmp_path / "e.txt") == ["approved"]


@pytest.mark.sqlite_only  # opens the SQLite file itself (or is about SQLite files)
def test_unknown_and_malformed_thread_ids_start_nothing(flows):
    with pytest.raises(ThreadNotFound, match="There is no thread"):
        list(flows.decide(DecisionRequest("nobody", "1", "x", "approve"), ANN))
    with pytest.raises(ThreadNotFound, match="not a valid thread id"):
        list(flows.decide(DecisionRequest("a/../b", "1", "x", "approve"), ANN))
    db = sqlite3.connect(flows.settings.db_path)
    assert db.execute("SELECT COUNT(*) FROM checkpoints WHERE thread_id = 'nobody'").fetchone()[0] == 0


# ---- 4. bad input, each with a plain sentence ----------------------------------------------

def test_empty_edit_is_refused_before_anything_is_claimed(flows, tmp_path):
    start(flows, "counted", "t", draft="Hello", effects=str(tmp_path / "e.txt"))
    with pytest.raises(InvalidAnswer, match="empty"):
        answer(flows, "t", "edit", draft="  \n ")
    assert outcomes(flows, "t") == ["applied"]  # only the start: nothing logged, nothing claimed
    assert answer(flows, "t", "edit", draft="Better").status == "applied"


def test_invalid_json_and_wrong_types_are_refused_naming_the_field(flows):
    start(flows, "gate", "g", draft="text")
    view = flows.thread("g")
    assert view.pause_kind == "before"
    with pytest.raises(InvalidAnswer, match="“tags” is not valid JSON") as err:
        answer(flows, "g", "edit_state", tags="[1, 2")
    assert err.value.field == "tags"
    with pytest.raises(InvalidAnswer, match="“count” must be a number"):
        answer(flows, "g", "edit_state", count="three")
    with pytest.raises(InvalidAnswer, match="“count” must be a whole number"):
        answer(flows, "g", "edit_state", count=2.5)
    assert flows.thread("g").checkpoint_id == view.checkpoint_id and outcomes(flows, "g") == ["applied"]
    answer(flows, "g", "edit_state", count="7", tags='["x"]')
    assert flows.thread("g").values["status"] == "published 7"


def test_answer_rejected_by_the_response_schema_names_the_field_and_can_be_answered_again(flows):
    start(flows, "typed", "o", draft="")
    view = flows.thread("o")
    assert view.interrupts[0].response_schema["properties"]["copies"]["type"] == "integer"
    with pytest.raises(InvalidAnswer, match="Copies"):  # the wrong type: refused by the console, nothing claimed
        answer(flows, "o", "answer", copies="many")
    out = answer(flows, "o", "answer", copies=50)  # passes the schema, refused by the model's validator
    assert out.status == "failed" and "“copies”: We print at most 10 copies" in out.message
    assert "Nothing was applied" in out.message and "try again" in out.message
    again = flows.thread("o")
    assert again.status == "waiting" and again.interrupts[0].id == view.interrupts[0].id
    assert answer(flows, "o", "answer", copies=3).status == "applied"
    assert flows.thread("o").values["copies"] == 3


def test_an_edit_that_makes_the_resumed_node_raise_can_be_answered_again(flows, tmp_path):
    start(flows, "counted", "t", draft="Hello", effects=str(tmp_path / "e.txt"))
    out = answer(flows, "t", "edit", draft="boom")
    assert out.status == "failed" and "must not say boom" in out.message and "Nothing was applied" in out.message
    assert flows.thread("t").interrupts  # the bad value is not stuck
    assert answer(flows, "t", "edit", draft="Fine").status == "applied"
    assert flows.thread("t").values["draft"] == "Fine" and effects(tmp_path / "e.txt") == ["approved"]
    assert outcomes(flows, "t") == ["applied", "applied", "failed"]


def test_a_refused_answer_is_not_replayed_through_a_task_result(flows):
    start(flows, "tasky", "t", draft="hi")
    out = answer(flows, "t", "edit", draft="boom")
    assert out.status == "failed" and "Nothing was applied" in out.message
    # LangGraph saved shout("boom") = "BOOM"; without dropping it, every later answer would replay it and fail.
    assert answer(flows, "t", "edit", draft="fine").status == "applied"
    assert flows.thread("t").values["draft"] == "FINE"


def test_a_node_failing_after_the_decision_shows_failed_and_can_be_retried(flows):
    start(flows, "flaky", "f", draft="Hello")
    flow_module.FAILS_LEFT["n"] = 1
    out = answer(flows, "f", "approve")
    assert out.status == "failed" and "printer is offline" in out.message and "applied" in out.message
    view = flows.thread("f")
    assert view.status == "failed" and view.error_node == "finish"
    assert "f" in set(flows.inbox(InboxQuery(status="failed")).rows["thread_id"])
    flow_module.FAILS_LEFT["n"] = 1
    again = answer(flows, "f", "retry")  # fails once more: still failed, still retryable
    assert again.status == "failed" and "stopped with an error in “Finish”" in again.message and "retry" in again.message
    assert flows.thread("f").status == "failed"
    assert answer(flows, "f", "retry").status == "applied"
    assert flows.thread("f").values["status"] == "printed"
    assert list(flows.decision_log("f")["outcome"]) == ["applied", "failed", "applied", "applied"]  # newest first


def test_large_and_non_json_payloads_stay_readable(flows):
    start(flows, "odd", "odd", draft="")
    view = flows.thread("odd")
    request = view.interrupts[0].request
    assert request.message == "Look at this."
    details = request.details["value"]
    assert len(details["big"]) > 3_000_000 and details["when"].startswith("2026-01-02")
    assert sorted(details["tags"]) == ["a", "b"]
    assert len(flows.inbox().rows.set_index("thread_id").loc["odd", "preview"]) <= 140
    out = answer(flows, "odd", "answer", text="Seen it.")
    assert out.status == "applied" and flows.thread("odd").values["status"] == "seen"
    assert flows.decision_log("odd").iloc[0]["answer"] == '"Seen it."'


@pytest.fixture
def filled_db(make_console, tmp_path) -> Path:
    path = tmp_path / "filled.db"
    make_console(seed_demo=True, path=path).close()
    return path


@pytest.mark.sqlite_only  # opens the SQLite file itself (or is about SQLite files)
def test_a_damaged_database_is_named_at_start_not_an_empty_inbox(make_console, filled_db, tmp_path):
    with sqlite3.connect(filled_db) as db:  # everything into the main file, so damaging it damages the data
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damaged = tmp_path / "damaged.db"
    data = bytearray(filled_db.read_bytes())
    assert len(data) > 8 * 4096
    data[4096:] = b"\x99" * (len(data) - 4096)  # good header, damaged pages
    damaged.write_bytes(bytes(data))
    with pytest.raises(DatabaseUnavailable, match="damaged.*Restore it from a backup"):
        make_console(path=damaged)


@pytest.mark.sqlite_only  # opens the SQLite file itself (or is about SQLite files)
def test_a_file_that_is_not_sqlite_is_named(make_console, tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_text("not a database")
    with pytest.raises(DatabaseUnavailable, match="not a SQLite database"):
        make_console(path=notes)


@pytest.mark.sqlite_only  # opens the SQLite file itself (or is about SQLite files)
def test_a_configured_database_that_is_missing_is_an_error_not_an_empty_inbox(make_console, tmp_path, monkeypatch):
    from console.settings import load_settings

    monkeypatch.setenv("REVIEW_CONSOLE_DB", str(tmp_path / "typo.db"))
    monkeypatch.setenv("REVIEW_CONSOLE_DEMO", "false")
    assert load_settings().create_db is False
    with pytest.raises(DatabaseUnavailable, match="does not exist"):
        make_console(seed_demo=False, path=tmp_path / "typo.db", create_db=False)
    assert not (tmp_path / "typo.db").exists()


@pytest.mark.sqlite_only  # opens the SQLite file itself (or is about SQLite files)
def test_a_read_only_database_is_named(make_console, filled_db, monkeypatch):
    # The tests run as root, so file modes do not stop writes: open the file read-only instead.
    import aiosqlite
    import console.opening as opening

    real = aiosqlite.connect
    monkeypatch.setattr(opening.aiosqlite, "connect", lambda p, **kw: real(f"file:{p}?mode=ro", uri=True, **kw))
    with pytest.raises(DatabaseUnavailable, match="read-only"):
        make_console(path=filled_db)


@pytest.mark.sqlite_only  # opens the SQLite file itself (or is about SQLite files)
def test_thread_from_an_older_saver_without_interrupt_rows_is_listed_and_answerable(flows, tmp_path):
    start(flows, "counted", "old", draft="Hello", effects=str(tmp_path / "e.txt"))
    db = sqlite3.connect(flows.settings.db_path)
    with db:  # what older checkpoint-sqlite versions left: `next` set, no interrupt we can read
        db.execute("DELETE FROM writes WHERE thread_id = 'old' AND channel = '__interrupt__'")
    flows.close()
    from console.service import Console

    app = Console(flows.settings)
    view = app.thread("old")
    assert view.status == "waiting" and not view.interrupts
    assert "old" in set(app.inbox().rows["thread_id"])
    assert answer(app, "old", "continue").status == "applied"  # runs the node again: it asks its question
    assert app.thread("old").interrupts
    assert answer(app, "old", "approve").status == "applied"
    assert effects(tmp_path / "e.txt") == ["approved"]
    app.close()


def test_decision_across_workflow_versions_is_refused_and_flagged(make_console, tmp_path):
    v1 = make_console(seed_demo=False, extra_workflows=FLOWS)
    start(v1, "counted", "t", draft="Hello", effects=str(tmp_path / "e.txt"))
    v1.close()
    v2 = make_console(seed_demo=False, extra_workflows=FLOWS_V2)
    view = v2.thread("t")
    assert view.version_changed and (view.thread_version, view.current_version) == ("1", "2")
    out = answer(v2, "t", "approve")
    assert out.status == "refused" and "second look" in out.message
    assert effects(tmp_path / "e.txt") == [] and v2.thread("t").interrupts
    row = v2.decision_log("t").iloc[0]
    assert (row["outcome"], row["detail"]) == ("refused", "workflow changed")



def test_a_second_click_on_step_one_of_two_questions_on_one_checkpoint_is_refused(demo):
    seen = demo.thread("demo-0005")
    answer(demo, seen.thread_id, "approve", reviewer=BOB)  # step 1 → step 2, same checkpoint
    now = demo.thread(seen.thread_id)
    assert now.interrupts[0].request.step == 2
    out = list(demo.decide(DecisionRequest(seen.thread_id, seen.checkpoint_id, seen.interrupts[0].id, "approve"), ANN))[-1]
    assert out.status == "refused" and "already answered by Bob" in out.message and "waits for step 2 of 2" in out.message
    assert demo.thread(seen.thread_id).interrupts[0].id == now.interrupts[0].id  # step 2 still open


@pytest.mark.sqlite_only  # opens the SQLite file itself (or is about SQLite files)
def test_a_start_left_pending_by_a_dead_console_is_settled_by_whether_the_thread_exists(flows, tmp_path):
    start(flows, "counted", "made", draft="x", effects=str(tmp_path / "e.txt"))
    db = sqlite3.connect(flows.settings.db_path)
    with db:
        for thread_id in ("made", "never"):
            db.execute("INSERT INTO rc_decisions(decided_at, reviewer, thread_id, workflow, checkpoint_id, interrupt_id, "
                       "action, outcome, owner) VALUES ('2026-01-01T00:00:00', 'Ann', ?, 'counted', '', 'start', 'start', "
                       "'pending', 'gone-host:1:dead')", (thread_id,))
    flows.bridge.run(flows.recovery.recover_orphans())
    log = flows.decision_log()
    assert "pending" not in set(log["outcome"])
    assert list(log[log["thread_id"] == "never"]["outcome"]) == ["not applied"]
    assert sorted(log[log["thread_id"] == "made"]["outcome"]) == ["applied", "applied"]


@pytest.mark.sqlite_only  # opens the SQLite file itself (or is about SQLite files)
def test_a_dead_consoles_answer_to_one_of_two_parallel_questions_is_not_taken_for_the_other(demo):
    thread = "demo-0012"
    view = demo.thread(thread)
    a, b = view.interrupts
    bob = list(demo.decide(DecisionRequest(thread, view.checkpoint_id, b.id, "approve"), BOB))[-1]
    assert bob.status == "applied"
    now = demo.thread(thread)
    assert now.checkpoint_id == view.checkpoint_id and [i.id for i in now.interrupts] == [a.id]  # b's branch is done
    # A console claimed a and died before resuming: b's finished writes on this checkpoint must not count for a.
    claim = demo.bridge.run(demo.store.claim({"reviewer": "Ann", "thread_id": thread, "workflow": now.workflow,
                                              "checkpoint_id": now.checkpoint_id, "interrupt_id": a.id, "action": "approve"}))
    db = sqlite3.connect(demo.settings.db_path)
    with db:
        db.execute("UPDATE rc_decisions SET owner = 'gone-host:1:dead' WHERE id = ?", (claim.decision_id,))
    demo.bridge.run(demo.recovery.recover_orphans())
    row = demo.decision_log(thread).iloc[0]
    assert row["outcome"] == "not applied" and row["interrupt_id"] == a.id
    assert [i.id for i in demo.thread(thread).interrupts] == [a.id]
    assert list(demo.decide(DecisionRequest(thread, now.checkpoint_id, a.id, "approve"), ANN))[-1].status == "applied"
