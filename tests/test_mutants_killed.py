"""The claims room's guards, one promise a test: each kills mutants the mutation check (README) found surviving.

The claim decides who may resume a pause; a flipped guard, a lost release or a wrong reason
string would let two resumes through or tell the reviewer the wrong story. The tests talk to the
store's claim/finish/adopt directly, on a real database, with threads started by the console.
"""

from __future__ import annotations

import asyncio

import pytest
from langgraph.types import Command

from console.decisions import DecisionRequest
from console.store import LATEST, Claim, Refusal
from tests import flows as flow_module
from tests.conftest import ANN, BOB, other_saver
from tests.test_decisions import flows, start  # noqa: F401  (flows: the fixture)


def claim(app, thread_id: str, checkpoint_id: str | None, interrupt_id: str | None, reviewer: str = "Ann", **extra):
    record = {"reviewer": reviewer, "thread_id": thread_id, "workflow": "counted", "checkpoint_id": checkpoint_id,
              "interrupt_id": interrupt_id, "action": "approve", **extra}
    return app.bridge.run(app.store.claim(record))


def log_rows(app, thread_id: str) -> list[dict]:
    return app.bridge.run(app.store.decisions(thread_id))  # newest first


@pytest.fixture
def paused(flows, tmp_path):  # noqa: F811
    start(flows, "counted", "t", draft="Hello", effects=str(tmp_path / "effects.txt"))
    view = flows.thread("t")
    return flows, view.checkpoint_id, view.interrupts[0].id


def test_a_claim_on_an_open_pause_is_granted_and_logged_pending(paused):
    app, checkpoint, interrupt = paused
    got = claim(app, "t", checkpoint, interrupt)  # no question_open key: an open pause by default
    assert isinstance(got, Claim)
    row = log_rows(app, "t")[0]
    assert (row["id"], row["outcome"], row["detail"], row["reviewer"]) == (got.decision_id, "pending", None, "Ann")
    assert row["finished_at"] is None and row["interrupt_id"] == interrupt
    assert app.bridge.run(app.store.has_pending_decision("t"))


def test_a_second_claim_on_a_finished_pause_is_already_answered_by_the_first_reviewer(paused):
    app, checkpoint, interrupt = paused
    first = claim(app, "t", checkpoint, interrupt, question_open=True)
    app.bridge.run(app.store.finish(first.decision_id, "applied", result_checkpoint_id=checkpoint))
    second = claim(app, "t", checkpoint, interrupt, reviewer="Bob", question_open=True)
    assert isinstance(second, Refusal)
    assert (second.reason, second.by) == ("already answered", "Ann") and second.at
    row = log_rows(app, "t")[0]
    assert (row["reviewer"], row["outcome"], row["detail"]) == ("Bob", "refused", "already answered")
    assert row["finished_at"] is not None  # a refusal is final at once


def test_a_claim_while_another_decision_on_the_thread_is_pending_is_in_progress(paused):
    app, checkpoint, interrupt = paused
    claim(app, "t", checkpoint, interrupt, question_open=True)
    # Another interrupt id of the same checkpoint: not the same claim, but the thread is busy.
    second = claim(app, "t", checkpoint, "other-question", reviewer="Bob", question_open=True)
    assert isinstance(second, Refusal)
    assert (second.reason, second.by) == ("in progress", "Ann") and second.at


def test_answers_sent_together_do_not_refuse_each_other(paused):
    app, checkpoint, interrupt = paused
    first = claim(app, "t", checkpoint, interrupt, question_open=True)
    second = claim(app, "t", checkpoint, "other-question", question_open=True, siblings=[first.decision_id])
    assert isinstance(second, Claim)


def test_a_claim_on_a_missing_thread_is_thread_not_found(flows):  # noqa: F811
    got = claim(flows, "nowhere", "cp", "q", question_open=True)
    assert got == Refusal("thread not found")
    assert log_rows(flows, "nowhere")[0]["outcome"] == "refused"


@pytest.mark.parametrize("stale", ["checkpoint", "question"])
def test_a_claim_on_a_pause_that_moved_on_names_the_last_answer(paused, stale):
    app, checkpoint, interrupt = paused
    if stale == "checkpoint":
        got = claim(app, "t", "an-older-checkpoint", interrupt, question_open=True)
    else:  # the same checkpoint, but the question seen is no longer asked
        got = claim(app, "t", checkpoint, interrupt, question_open=False)
    assert isinstance(got, Refusal) and got.reason == "moved on"
    assert got.by == "Ann" and got.at  # the start, Ann's, is the thread's last applied decision


def test_finish_with_release_frees_the_pause_for_the_next_answer(paused):
    app, checkpoint, interrupt = paused
    first = claim(app, "t", checkpoint, interrupt, question_open=True)
    app.bridge.run(app.store.finish(first.decision_id, "failed", "boom", release=True))
    row = log_rows(app, "t")[0]
    assert (row["outcome"], row["detail"]) == ("failed", "boom") and row["finished_at"] is not None
    assert isinstance(claim(app, "t", checkpoint, interrupt, question_open=True), Claim)


def test_finish_without_release_keeps_the_pause_claimed(paused):
    app, checkpoint, interrupt = paused
    first = claim(app, "t", checkpoint, interrupt, question_open=True)
    app.bridge.run(app.store.finish(first.decision_id, "applied", result_checkpoint_id="cp-after"))
    assert log_rows(app, "t")[0]["result_checkpoint_id"] == "cp-after"
    again = claim(app, "t", checkpoint, interrupt, question_open=True)
    assert isinstance(again, Refusal) and again.reason == "already answered"


def test_finish_at_latest_records_the_threads_latest_checkpoint(paused):
    app, checkpoint, interrupt = paused
    first = claim(app, "t", checkpoint, interrupt, question_open=True)
    app.bridge.run(app.store.finish(first.decision_id, "applied", result_checkpoint_id=LATEST))
    assert log_rows(app, "t")[0]["result_checkpoint_id"] == checkpoint  # nothing ran: still the latest


def test_a_new_thread_id_is_claimed_once(flows):  # noqa: F811
    record = {"reviewer": "Ann", "thread_id": "fresh", "workflow": "counted", "action": "start"}
    first = flows.bridge.run(flows.store.claim_new_thread(record))
    assert isinstance(first, Claim)
    assert log_rows(flows, "fresh")[0]["outcome"] == "pending"
    assert flows.bridge.run(flows.store.claim_new_thread(record)) == Refusal("thread exists")


def test_an_existing_thread_id_cannot_be_claimed_as_new(paused):
    app, _, _ = paused
    record = {"reviewer": "Bob", "thread_id": "t", "workflow": "counted", "action": "start"}
    assert app.bridge.run(app.store.claim_new_thread(record)) == Refusal("thread exists")


def test_only_one_console_adopts_a_pending_decision(paused):
    app, checkpoint, interrupt = paused
    first = claim(app, "t", checkpoint, interrupt, question_open=True)
    owner = app.store.owner  # this console wrote the claim; adopting from it stands in for a dead one
    assert app.bridge.run(app.store.adopt(first.decision_id, "someone-else")) is False  # not that owner's
    assert app.bridge.run(app.store.adopt(first.decision_id, owner)) is True
    assert app.bridge.run(app.store.adopt(first.decision_id, owner)) is True  # same owner again: still one row
    pending = [d for d in app.bridge.run(app.store.pending_decisions()) if d["id"] == first.decision_id]
    assert [d["owner"] for d in pending] == [owner]


def test_reviewer_verified_is_logged(paused):
    app, checkpoint, interrupt = paused
    claim(app, "t", checkpoint, interrupt, question_open=True, reviewer_verified=True)
    assert log_rows(app, "t")[0]["reviewer_verified"] in (1, True)


# ---- the decision path's claim: is the pause still open? ------------------------------------

@pytest.mark.parametrize("action", ["continue", "edit_state"])
def test_a_static_pause_answered_already_is_refused_on_its_latest_checkpoint(flows, action):  # noqa: F811
    """A finished thread sits on its latest checkpoint: only "no question is pending and it still waits"
    tells the claim that this Continue (or state edit) is late."""
    start(flows, "gate", "g")
    view = flows.thread("g")
    assert view.status == "waiting" and not view.interrupts
    first = list(flows.decide(DecisionRequest("g", view.checkpoint_id, None, "continue", {}), ANN))[-1]
    assert first.status == "applied"
    done = flows.thread("g")
    assert done.status == "finished"
    inputs = {"status": "again"} if action == "edit_state" else {}
    late = list(flows.decide(DecisionRequest("g", done.checkpoint_id, None, action, inputs), ANN))[-1]
    assert late.status == "refused" and "moved on" in late.message
    assert flows.thread("g").values["status"] == done.values["status"]  # nothing ran, nothing was edited


def test_a_refused_claim_answers_with_the_thread_as_it_is_now(flows, tmp_path):  # noqa: F811
    """The page redraws from the outcome's view: a refusal must carry the fresh one, not the stale one."""
    start(flows, "counted", "t", draft="Hello", effects=str(tmp_path / "effects.txt"))
    seen = flows.thread("t")
    request = DecisionRequest("t", seen.checkpoint_id, seen.interrupts[0].id, "approve", {})
    assert list(flows.decide(request, ANN))[-1].status == "applied"
    late = list(flows.decide(request, ANN))[-1]
    assert late.status == "refused" and "already answered" in late.message
    assert late.view is not None and late.view.status == "finished"
    assert late.view.checkpoint_id == flows.thread("t").checkpoint_id != seen.checkpoint_id


def test_a_question_answered_outside_the_console_is_refused_on_the_same_checkpoint(flows, db_path, tmp_path):  # noqa: F811
    """Two questions on one checkpoint; one is answered by another program (no claim): the checkpoint
    stays, so only "is this question still asked?" refuses the console's late answer to it."""
    start(flows, "forked", "f", effects=str(tmp_path / "effects.txt"))
    seen = flows.thread("f")
    left = next(i for i in seen.interrupts if i.value.get("draft") == "left")

    async def answer_elsewhere():
        async with other_saver(db_path) as saver:
            graph = flow_module.build_forked().compile(checkpointer=saver)
            await graph.ainvoke(Command(resume={left.id: {"approved": True}}), {"configurable": {"thread_id": "f"}},
                                durability="sync")

    asyncio.run(answer_elsewhere())
    now = flows.thread("f")
    assert now.checkpoint_id == seen.checkpoint_id and [i.id for i in now.interrupts] != [i.id for i in seen.interrupts]
    late = list(flows.decide(DecisionRequest("f", seen.checkpoint_id, left.id, "approve", {}), BOB))[-1]
    assert late.status == "refused" and "moved on" in late.message
    assert flows.decision_log("f")["outcome"].tolist()[0] == "refused"
