"""Reopen (time travel) on a real `langgraph dev`, and the moment between the console's look and its run: the plan in
the local words, the server's fork, two admins → one fork, a moved thread refused, an answer sent past the console
in that moment either refused or, once sent, reported and logged. Deterministic: the other answer is sent from
inside the console's own calls, at the moment under test."""

from __future__ import annotations

import threading

import pytest

from console import formats
from console.decisions import DecisionRequest, Outcome, Reviewer
from console.errors import ConsoleError
from console.server import decide as server_decide
from console.server import race
from console.server.time_travel import MOVED_MEANWHILE
from console.time_travel import NOT_REOPENABLE
from tests.server.test_server_mode import _last, _open, _resume_runs, app  # noqa: F401 (app: the fixture)
from tests.test_time_travel import forks, reopen, saved_step

ANN, BOB = Reviewer("Ann"), Reviewer("Bob")


def _started(app, topic="reopen", workflow="content_approval"):
    outcome = _last(app.start(workflow, {"topic": topic}, ANN))
    assert outcome.status == "started", outcome.message
    return outcome.view


def _approve(app, view, reviewer=ANN, action="approve", inputs=None):
    return _last(app.decide(DecisionRequest(view.thread_id, view.checkpoint_id, view.interrupts[0].id, action,
                                            inputs or {}), reviewer))


def _finished(app, topic="reopen"):
    view = _started(app, topic)
    assert _approve(app, view).status == "applied"
    view = app.thread(view.thread_id)
    assert view.status == "finished"
    return view


def _reopen_log(app, thread_id):
    log = app.decision_log(thread_id)
    return log[log["action"] == "reopen"]


def _values_at(app, thread_id, checkpoint_id):
    return app.client.threads.get_state(thread_id, checkpoint_id=checkpoint_id)["values"]


def _agent_inbox_approves(app, view):
    """What an Agent Inbox user does: resume the thread's latest checkpoint through the SDK, past the console."""
    pending = view.interrupts[0]
    app.client.runs.wait(view.thread_id, view.workflow,
                         command={"resume": {pending.id: formats.build_answer(pending.value, "approve", {})}})


def _after_the_last_look(monkeypatch, send) -> None:
    """Send the other answer inside the moment: after the console's last look, before its run or its fork."""
    real_look = race.moved_from

    def look_then_send(c, thread_id, checkpoint_id):
        reason = real_look(c, thread_id, checkpoint_id)
        send()
        return reason

    monkeypatch.setattr(race, "moved_from", look_then_send)


# ---- the plan, in the same words as locally ------------------------------------------------------


def test_history_offers_the_earlier_steps_and_the_plan_says_what_runs_again(app):
    view = _finished(app)
    frame = app.history(view)
    by_id = dict(zip(frame["checkpoint_id"], frame["waits for"]))
    choices = app.reopen_choices(view)
    assert sorted(by_id[c] for c in choices) == ["Publish", "Review", "Write draft"]
    assert view.checkpoint_id not in choices
    assert all("_" not in label for label in choices.values())  # words, not node ids
    assert set(frame["branch"]) == {"current"} and frame["decision"].str.contains("Approved by Ann").any()
    plan = app.reopen_plan(view, saved_step(app, view, "Review"))
    assert (plan.step, plan.first, plan.then, plan.ran_since) == (1, ("Review",), ("Publish",), ("Review", "Publish"))
    assert plan.sentence.startswith("Reopening from step 1 runs “Review” again, then, depending on the answers, “Publish”")
    assert "may happen again" in plan.sentence
    plan = app.reopen_plan(view, saved_step(app, view, "Write draft"))
    assert (plan.first, plan.then) == (("Write draft",), ("Review", "Publish"))
    with pytest.raises(ConsoleError, match="not one this thread can be reopened from"):
        app.reopen_plan(view, view.checkpoint_id)


# ---- the fork ---------------------------------------------------------------------------------------


def test_reopen_forks_on_the_server_and_runs_on_from_that_step(app):
    view = _finished(app)
    review = saved_step(app, view, "Review")
    before = _values_at(app, view.thread_id, review)
    outcome = reopen(app, view, review)
    assert outcome.status == "applied", outcome.message
    assert outcome.message == "Reopened from step 1. The workflow now waits for your next decision: a question at “Review”."
    now = app.thread(view.thread_id)
    assert now.status == "waiting" and now.interrupts and now.values == before
    assert _values_at(app, view.thread_id, view.checkpoint_id)["status"] == "published"  # the old branch stays
    frame = app.history(now)
    fork = frame[frame["what happened"] == "Reopened from step 1"]
    assert len(fork) == 1 and fork["branch"].iloc[0] == "current"
    old = frame[frame["checkpoint_id"] == view.checkpoint_id]
    assert old["branch"].iloc[0] == "earlier" and old["decision"].iloc[0] == "Reopened by Ann"
    row = _reopen_log(app, view.thread_id).iloc[0]
    assert (row["outcome"], row["checkpoint_id"], row["result_checkpoint_id"]) == ("applied", view.checkpoint_id, now.checkpoint_id)
    assert f"the new branch starts at checkpoint {fork['checkpoint_id'].iloc[0]}" in row["detail"]
    # The new branch goes on like any thread: a different answer this time.
    assert _approve(app, now, action="reject", inputs={"reason": "Not this week"}).status == "applied"
    assert app.thread(view.thread_id).values["status"] == "rejected"


def test_a_step_not_in_this_threads_history_is_refused_and_logged(app):
    view, other = _finished(app, "one"), _finished(app, "other")
    for unseen in (saved_step(app, other, "Review"), view.checkpoint_id):
        outcome = reopen(app, view, unseen)
        assert (outcome.status, outcome.message) == ("refused", NOT_REOPENABLE)
    assert forks(app, view.thread_id).empty
    assert list(_reopen_log(app, view.thread_id)["outcome"]) == ["refused", "refused"]


def test_a_thread_that_moved_since_the_history_was_shown_is_refused(app):
    shown = _started(app, "moved")
    source = saved_step(app, shown, "Write draft")
    assert _approve(app, shown, reviewer=BOB).status == "applied"  # meanwhile, Bob answered
    outcome = reopen(app, shown, source)
    assert outcome.status == "refused"
    assert outcome.message.startswith("This thread has moved on since its history was shown to you, so it was not reopened.")
    assert forks(app, shown.thread_id).empty and app.thread(shown.thread_id).status == "finished"
    assert list(_reopen_log(app, shown.thread_id)["outcome"]) == ["refused"]


def test_two_admins_reopening_at_once_give_one_fork(langgraph_server, tmp_path):
    first, second = _open(langgraph_server, tmp_path), _open(langgraph_server, tmp_path)  # two replicas, one database
    try:
        view = _finished(first)
        source = saved_step(first, view, "Review")
        together = threading.Barrier(2)
        outcomes = {}

        def go(console_, reviewer):
            together.wait(30)
            try:
                outcomes[reviewer.name] = reopen(console_, view, source, reviewer=reviewer)
            except ConsoleError as exc:  # the server's own refusal of a second run, in words
                outcomes[reviewer.name] = Outcome("refused", str(exc))

        workers = [threading.Thread(target=go, args=(first, ANN)), threading.Thread(target=go, args=(second, BOB))]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        assert sorted(o.status for o in outcomes.values()) == ["applied", "refused"], {k: o.message for k, o in outcomes.items()}
        assert len(forks(first, view.thread_id)) == 1
        assert sorted(_reopen_log(first, view.thread_id)["outcome"]) == ["applied", "refused"]
    finally:
        first.close()
        second.close()


def test_a_second_admin_while_the_first_reopen_is_on_its_way_is_refused_by_the_claim(langgraph_server, tmp_path):
    """The first admin's reopen is held just before the server's fork: the thread still stands where both saw it,
    so only the console's own claim can refuse the second."""
    first, second = _open(langgraph_server, tmp_path), _open(langgraph_server, tmp_path)
    try:
        view = _finished(first)
        source = saved_step(first, view, "Review")
        inside, second_done = threading.Event(), threading.Event()
        real_update = first.client.threads.update_state

        def held_update(*a, **k):
            inside.set()
            assert second_done.wait(60), "the second admin's reopen did not return"
            return real_update(*a, **k)

        first.client.threads.update_state = held_update
        outcomes = {}
        worker = threading.Thread(target=lambda: outcomes.setdefault("Ann", reopen(first, view, source)))
        worker.start()
        assert inside.wait(60), "the first reopen never reached the fork"
        try:
            outcomes["Bob"] = reopen(second, view, source, reviewer=BOB)
        finally:
            second_done.set()
        worker.join(120)
        # The claim of Ann's reopen on the step both saw refuses Bob's, naming her (the server alone could not).
        assert outcomes["Bob"].status == "refused" and "(last change by Ann at " in outcomes["Bob"].message
        assert outcomes["Ann"].status == "applied", outcomes["Ann"].message
        assert len(forks(first, view.thread_id)) == 1
        assert sorted(_reopen_log(first, view.thread_id)["outcome"]) == ["applied", "refused"]
    finally:
        first.close()
        second.close()


# ---- the moment between the last look and the run ------------------------------------------------


def test_an_answer_sent_past_the_console_before_its_last_look_refuses_the_reviewers(app, monkeypatch):
    """The other answer lands after the first check and the claim, before the console sends: the last look refuses."""
    view = _started(app, "last look")
    real_claim = server_decide.claim

    async def claim_after_agent_inbox(store, record):
        _agent_inbox_approves(app, view)  # runs on the bridge's thread; the SDK's sync client is its own
        return await real_claim(store, record)

    monkeypatch.setattr(server_decide, "claim", claim_after_agent_inbox)
    outcome = _approve(app, view, BOB, "reject", {"reason": "too late"})
    assert outcome.status == "refused" and "moved on" in outcome.message, outcome.message
    assert len(_resume_runs(app, view.thread_id)) == 1, "the console sent its run anyway"
    log = app.decision_log(view.thread_id)
    assert list(log.query("action != 'start'")["outcome"]) == ["refused"]


def test_an_answer_landing_after_the_last_look_is_reported_and_not_logged_as_applied(app, monkeypatch):
    """langgraph-api 0.16.7 runs a resume sent on a checkpoint the thread has left, and replays there the answer
    that landed first: the console cannot stop it, so it reads afterwards what the server did, says so, logs it."""
    view = _started(app, "after the look")
    _after_the_last_look(monkeypatch, lambda: _agent_inbox_approves(app, view))
    outcome = _approve(app, view, BOB, "reject", {"reason": "mine"})
    assert (outcome.status, outcome.message) == ("refused", race.NOT_USED)
    assert len(_resume_runs(app, view.thread_id)) == 2  # what the server did: both ran
    assert app.thread(view.thread_id).values["status"] == "published"  # on the other answer, not Bob's rejection
    row = app.decision_log(view.thread_id).iloc[0]
    assert row["outcome"] == "refused" and f"Two runs applied from checkpoint {view.checkpoint_id}" in row["detail"]
    assert "this answer was not used" in row["detail"]
    assert "applied" not in set(app.decision_log(view.thread_id).query("action != 'start'")["outcome"])


def test_an_edit_landing_with_another_answer_is_applied_and_reported(app, monkeypatch):
    """A state edit runs from a checkpoint of its own: both runs apply, and the outcome says so."""
    view = _started(app, "edit in the moment", "gated_publication")
    _after_the_last_look(monkeypatch, lambda: app.client.runs.wait(view.thread_id, view.workflow, input=None))  # a continue
    field = next(k for k, v in view.values.items() if isinstance(v, str))
    outcome = _last(app.decide(DecisionRequest(view.thread_id, view.checkpoint_id, None, "edit_state",
                                               {field: "edited in the console"}), BOB))
    assert outcome.status == "applied" and race.TWO_RUNS in outcome.message, outcome.message
    row = app.decision_log(view.thread_id).iloc[0]
    assert row["outcome"] == "applied" and "This decision's answer was used." in row["detail"]


def test_without_another_answer_nothing_is_reported(app):
    view = _started(app, "alone")
    outcome = _approve(app, view)
    assert outcome.status == "applied" and race.TWO_RUNS not in outcome.message
    assert not app.decision_log(view.thread_id)["detail"].fillna("").str.contains("Two runs").any()


def test_a_reopen_the_thread_moved_under_is_reported_and_logged(app, monkeypatch):
    shown = _started(app, "reopen moment")
    source = saved_step(app, shown, "Write draft")
    _after_the_last_look(monkeypatch, lambda: _agent_inbox_approves(app, shown))
    outcome = reopen(app, shown, source)
    assert outcome.status == "applied" and MOVED_MEANWHILE in outcome.message, outcome.message
    row = _reopen_log(app, shown.thread_id).iloc[0]
    assert row["outcome"] == "applied" and "sent to the server outside this console, moved the old branch on" in row["detail"]
