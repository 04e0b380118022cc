"""The decision path under faults: locks held by another program, double clicks, rival resumes, odd numbers.

Each test here failed before the fix it holds (issues #11 and #20); the README's
"Decision guarantees" name them.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from console.decisions import DecisionRequest
from console.errors import DatabaseBusy, InvalidAnswer
from console.recovery import LOCKED_MID_RUN, STOPPED_MID_RUN
from tests import flows as flow_module
from tests.conftest import ANN, BOB, answer
from tests.test_decisions import effects, flows, start  # noqa: F401  (flows: the fixture)

SAFETY_S = 60  # a stuck run fails the test instead of hanging it; no assertion is about time


def recover(app) -> None:
    app.bridge.run(app.recovery.recover_orphans())


class OtherWriter:
    """Another program holding the console's tables locked: SQLite's write lock on the whole file;
    on PostgreSQL an EXCLUSIVE lock on the claims and the log (reads go on, writes wait)."""

    def __init__(self, where) -> None:
        self.where = str(where)
        self.pg = self.where.startswith("postgresql:")
        if self.pg:
            import psycopg
            self.conn = psycopg.connect(self.where)
        else:
            self.conn = sqlite3.connect(self.where, isolation_level=None, check_same_thread=False)

    def take(self) -> None:
        if self.pg:
            self.conn.execute("LOCK TABLE rc_claims, rc_decisions IN EXCLUSIVE MODE")
        else:
            self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.pg:
            self.conn.rollback()
        else:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def other_writer(db_path):
    writer = OtherWriter(db_path)
    yield writer
    writer.close()


# ---- a database locked by another program ---------------------------------------------------

def test_database_locked_by_another_writer_is_a_retryable_message(flows, tmp_path, other_writer):
    start(flows, "counted", "t", draft="Hello", effects=str(tmp_path / "e.txt"))
    other_writer.take()
    try:
        with pytest.raises(DatabaseBusy, match="try again"):  # how fast is bench's business, not this test's
            answer(flows, "t", "approve")
    finally:
        other_writer.release()
    assert flows.thread("t").status == "waiting" and effects(tmp_path / "e.txt") == []  # nothing half-applied
    assert answer(flows, "t", "approve").status == "applied"


def test_database_locked_while_the_answer_is_saved_is_settled_saying_what_happened(flows, tmp_path, other_writer):
    start(flows, "counted", "t", draft="Hello", effects=str(tmp_path / "e.txt"))
    flow_module.HOOKS["after_answer"] = other_writer.take  # another writer, mid-run
    try:
        if other_writer.pg:  # the saver's writes go on; only the outcome cannot be written yet
            out = answer(flows, "t", "approve")
            assert out.status == "applied" and "busy" in out.message
        else:  # SQLite: the whole file is locked, the answer itself cannot be saved
            out = answer(flows, "t", "approve")
            assert out.status == "failed" and "busy" in out.message and "Traceback" not in out.message
    finally:
        flow_module.HOOKS.clear()
    assert "pending" in set(flows.decision_log("t")["outcome"])  # could not be written yet …
    other_writer.release()
    recover(flows)  # … the background pass settles it from the checkpoints
    log = flows.decision_log("t")
    row = log.iloc[0]
    assert STOPPED_MID_RUN not in str(row["detail"]) and "locked by another program" in str(row["detail"])
    if other_writer.pg:
        assert sorted(log["outcome"]) == ["applied", "applied"]
        assert flows.thread("t").status == "finished" and effects(tmp_path / "e.txt") == ["approved"]
    else:
        assert sorted(log["outcome"]) == ["applied", "not applied"]
        assert flows.thread("t").interrupts and effects(tmp_path / "e.txt") == []  # nothing half-applied
        assert answer(flows, "t", "approve").status == "applied"
        assert effects(tmp_path / "e.txt") == ["approved"]


def lock_before_final_checkpoint(monkeypatch, saver, writer: OtherWriter, step: int) -> None:
    """Take the lock just before LangGraph saves the checkpoint of `step`: that step's node has run."""
    kind = type(saver)
    real = kind.aput

    async def aput(self, config, checkpoint, metadata, new_versions):
        if (metadata or {}).get("step") == step:
            monkeypatch.setattr(kind, "aput", real)  # once
            writer.take()
        return await real(self, config, checkpoint, metadata, new_versions)

    monkeypatch.setattr(kind, "aput", aput)


@pytest.mark.sqlite_only  # PostgreSQL's saver waits for a lock without a time limit: there the run is slowed, not cut
def test_a_lock_after_a_step_ran_says_so_and_offers_no_second_run(flows, tmp_path, other_writer, monkeypatch):
    start(flows, "counted", "t", draft="Hello", effects=str(tmp_path / "e.txt"))
    lock_before_final_checkpoint(monkeypatch, flows.saver, other_writer, step=2)  # after `effect` ran
    out = answer(flows, "t", "approve")
    assert out.status == "failed" and effects(tmp_path / "e.txt") == ["approved"]
    other_writer.release()
    recover(flows)
    row = flows.decision_log("t").iloc[0]
    assert row["outcome"] == "applied" and LOCKED_MID_RUN in row["detail"] and STOPPED_MID_RUN not in row["detail"]
    view = flows.thread("t")
    assert view.status == "waiting" and view.waiting_node == "effect"
    stopped = flows.stopped_run(view)
    assert stopped is not None and stopped.cause == "lock" and stopped.step_ran and not stopped.may_continue
    assert "ran to its end" in stopped.sentence and "locked by another program" in stopped.sentence
    again = answer(flows, "t", "continue")  # a direct call, past the page that offers no Continue
    assert again.status == "refused" and "Nothing was run" in again.message
    assert effects(tmp_path / "e.txt") == ["approved"]  # the step's work was not repeated
    assert flows.decision_log("t").iloc[0]["detail"] == "step ran, result not saved"


# ---- one reviewer's double click --------------------------------------------------------------

def test_a_double_click_is_one_decision_and_both_clicks_hear_it_applied(flows, tmp_path):
    start(flows, "counted", "t", draft="Hello", effects=str(tmp_path / "e.txt"))
    seen = flows.thread("t")
    request = DecisionRequest("t", seen.checkpoint_id, seen.interrupts[0].id, "approve")

    async def twice():  # both clicks reach the loop before the first run ends (one loop, turns in order)
        return await asyncio.gather(*(flows.decisions.decide(request, ANN, lambda item: None) for _ in range(2)))

    first, second = flows.bridge.run(twice(), SAFETY_S)
    assert (first.status, second.status) == ("applied", "applied")
    assert "not applied" not in second.message and "being applied" not in second.message
    assert effects(tmp_path / "e.txt") == ["approved"]
    log = flows.decision_log("t")
    assert list(log[log["outcome"] == "applied"]["action"]) == ["approve", "start"]
    later = list(flows.decide(request, BOB))[-1]  # once it has ended, the same answer again is refused, by anyone
    assert later.status == "refused" and "already answered by Ann" in later.message


# ---- two interrupts on one checkpoint ---------------------------------------------------------

def test_a_second_resume_on_the_other_interrupt_of_the_checkpoint_waits_for_the_first(flows, tmp_path):
    start(flows, "forked", "f", effects=str(tmp_path / "e.txt"))
    seen = flows.thread("f")
    by_node = {i.node: i for i in seen.interrupts}
    assert set(by_node) == {"left", "right"}
    entered, go_on = threading.Event(), threading.Event()

    def hold():  # the first run, inside `left`, after its answer: still in flight
        entered.set()
        assert go_on.wait(SAFETY_S)

    flow_module.HOOKS["in_left"] = hold
    first: list = []
    runner = threading.Thread(target=lambda: first.append(list(flows.decide(
        DecisionRequest("f", seen.checkpoint_id, by_node["left"].id, "approve"), ANN))[-1]))
    runner.start()
    try:
        assert entered.wait(SAFETY_S)
        second = list(flows.decide(DecisionRequest("f", seen.checkpoint_id, by_node["right"].id, "approve"), BOB))[-1]
    finally:
        go_on.set()
        runner.join(SAFETY_S)
        flow_module.HOOKS.clear()
    assert second.status == "refused" and "being applied right now" in second.message
    assert first[0].status == "applied"
    now = flows.thread("f")
    assert [i.node for i in now.interrupts] == ["right"]  # the right question is still open …
    assert answer(flows, "f", "approve", reviewer=BOB).status == "applied"  # … and answerable now
    assert effects(tmp_path / "e.txt") == ["yes/yes"]  # the graph ran through the join once


# ---- several answers sent together: claims released, whichever order the ids fall in ---------

@pytest.mark.parametrize("answered_first", ["lower id", "higher id"])
def test_answers_sent_together_release_their_claims_when_one_is_refused(flows, tmp_path, answered_first):
    start(flows, "forked", "f", effects=str(tmp_path / "e.txt"))
    seen = flows.thread("f")
    low, high = sorted(seen.interrupts, key=lambda i: i.id)  # the order the claims are taken in
    taken, other = (low, high) if answered_first == "lower id" else (high, low)
    bob = list(flows.decide(DecisionRequest("f", seen.checkpoint_id, taken.id, "approve"), BOB))[-1]
    assert bob.status == "applied"
    together = DecisionRequest("f", seen.checkpoint_id, other.id, "approve", {}, together=((taken.id, "approve", {}),))
    assert list(flows.decide(together, ANN))[-1].status == "refused"
    # Whether Ann's claim on `other` was taken before the refusal (higher id answered) or not, it is free now.
    assert [i.id for i in flows.thread("f").interrupts] == [other.id]
    assert list(flows.decide(DecisionRequest("f", seen.checkpoint_id, other.id, "approve"), ANN))[-1].status == "applied"
    assert effects(tmp_path / "e.txt") == ["yes/yes"]


# ---- numbers JSON cannot carry -----------------------------------------------------------------

@pytest.mark.parametrize("tags", ["[1, NaN]", '{"x": Infinity}', "-Infinity"])
def test_nan_and_infinity_are_refused_naming_the_field(flows, tags):
    start(flows, "gate", "g", draft="text")
    view = flows.thread("g")
    with pytest.raises(InvalidAnswer, match="“tags” holds NaN or Infinity") as err:
        answer(flows, "g", "edit_state", tags=tags)
    assert err.value.field == "tags"
    log = flows.decision_log("g")
    assert list(log["action"]) == ["start"]  # nothing claimed, nothing logged
    assert flows.thread("g").checkpoint_id == view.checkpoint_id
