"""Time travel: History in words, and an admin's reopen from an earlier saved step (fork, then resume), on both stores."""

import threading

import pytest

from console.errors import NotAllowed
from console.time_travel import NOT_REOPENABLE, REOPENED_FROM, ReopenRequest
from tests.conftest import ANN, BOB, answer
from tests.test_access import ADMIN, EDITOR, policy_file, signed_in  # noqa: F401  (policy_file is a fixture)
from tests.test_pages import open_thread, texts, unescape


def start(console_, thread_id, workflow="content_approval", topic="time travel", reviewer=ANN):
    outcome = list(console_.start(workflow, topic, reviewer, thread_id))[-1]
    assert outcome.status == "started", outcome.message
    return console_.thread(thread_id)


def finished_thread(console_, thread_id="tt-1"):
    """A content approval thread approved and published: the step that waited for review is in its past."""
    start(console_, thread_id)
    assert answer(console_, thread_id, "approve").status == "applied"
    view = console_.thread(thread_id)
    assert view.status == "finished"
    return view


def saved_step(console_, view, waits_for):
    """The checkpoint id of the current branch's saved step that waited for `waits_for` (in words)."""
    frame = console_.history(view)
    rows = frame[(frame["waits for"] == waits_for) & (frame["branch"] == "current")]
    assert len(rows) == 1, frame.to_string()
    return rows["checkpoint_id"].iloc[0]


def values_at(console_, view, checkpoint_id):
    graph = console_.graphs[view.workflow]
    config = {"configurable": {"thread_id": view.thread_id, "checkpoint_ns": "", "checkpoint_id": checkpoint_id}}
    return console_.bridge.run(graph.aget_state(config), 30).values


def reopen(console_, view, checkpoint_id, reviewer=ANN, seen=None):
    request = ReopenRequest(view.thread_id, checkpoint_id, seen or view.checkpoint_id)
    return list(console_.reopen(request, reviewer))[-1]


def forks(console_, thread_id):
    frame = console_.history(console_.thread(thread_id))
    return frame[frame["what happened"].str.startswith("Reopened from")]


# ---- the fork and the resumed run ------------------------------------------------------------


def test_reopen_puts_the_thread_back_at_that_step_and_runs_on_from_it(make_console):
    c = make_console(seed_demo=False)
    view = finished_thread(c)
    review = saved_step(c, view, "Review")
    before = values_at(c, view, review)
    outcome = reopen(c, view, review)
    assert outcome.status == "applied", outcome.message
    assert outcome.message == "Reopened from step 1. The workflow now waits for your next decision: a question at “Review”."
    now = c.thread(view.thread_id)
    # The state is the one saved at that step; the resumed run re-ran "Review", which asks again.
    assert now.status == "waiting" and now.waiting_node == "review" and now.values == before
    assert "final" not in now.values and now.values["status"] == "drafted"
    # The old branch is still there, finished, in the history.
    assert values_at(c, view, view.checkpoint_id)["status"] == "published"
    # The new branch goes on like any thread: a different answer this time.
    assert answer(c, view.thread_id, "reject", reason="Not this week").status == "applied"
    assert c.thread(view.thread_id).values["status"] == "rejected"


def test_reopen_from_before_a_step_runs_that_step_again(make_console):
    c = make_console(seed_demo=False)
    view = finished_thread(c)
    first = values_at(c, view, saved_step(c, view, "Review"))  # after the first draft was written
    source = saved_step(c, view, "Write draft")
    at_source = values_at(c, view, source)
    assert "draft" not in at_source
    assert reopen(c, view, source).status == "applied"
    now = c.thread(view.thread_id)
    # The state at that step, plus what the resumed run wrote: a new draft (the offline model writes the same one).
    assert now.values == {**at_source, "draft": first["draft"], "status": "drafted"}
    assert now.waiting_node == "review"


# ---- what the page says before confirming --------------------------------------------------------


def test_the_steps_that_run_again_are_listed_in_words(make_console):
    c = make_console(seed_demo=False)
    view = finished_thread(c)
    plan = c.reopen_plan(view, saved_step(c, view, "Review"))
    assert (plan.step, plan.first, plan.then, plan.ran_since) == (1, ("Review",), ("Publish",), ("Review", "Publish"))
    assert plan.sentence.startswith("Reopening from step 1 runs “Review” again, then, depending on the answers, “Publish”")
    assert "may happen again" in plan.sentence
    plan = c.reopen_plan(view, saved_step(c, view, "Write draft"))
    assert (plan.first, plan.then, plan.ran_since) == (("Write draft",), ("Review", "Publish"), ("Write draft", "Review", "Publish"))
    # A thread still waiting at its first question: only the draft ran since, so only it may repeat.
    waiting = start(c, "tt-waiting")
    plan = c.reopen_plan(waiting, saved_step(c, waiting, "Write draft"))
    assert plan.ran_since == ("Write draft",)
    # Static pauses: the gate's own step runs at once; the publication follows after its gate.
    gated = start(c, "tt-gated", "gated_publication")
    assert answer(c, "tt-gated", "continue").status == "applied"
    gated = c.thread("tt-gated")
    plan = c.reopen_plan(gated, saved_step(c, gated, "Polish article"))
    assert (plan.first, plan.then, plan.ran_since) == (("Polish article",), ("Publish article",), ("Polish article",))


def test_only_earlier_steps_with_work_left_are_offered(make_console):
    c = make_console(seed_demo=False)
    view = finished_thread(c)
    choices = c.reopen_choices(view)
    frame = c.history(view)
    by_id = dict(zip(frame["checkpoint_id"], frame["waits for"]))
    # Not the thread's own position, not the finished step, not the raw input checkpoint.
    assert sorted(by_id[cid] for cid in choices) == ["Publish", "Review", "Write draft"]
    assert view.checkpoint_id not in choices
    assert all("_" not in label and "__" not in label for label in choices.values())  # words, not node ids


# ---- the guards -------------------------------------------------------------------------------


def test_a_checkpoint_not_in_this_threads_history_is_refused(make_console):
    c = make_console(seed_demo=False)
    view = finished_thread(c)
    other = finished_thread(c, "tt-other")
    for unseen in (saved_step(c, other, "Review"), "not-a-checkpoint", view.checkpoint_id):
        outcome = reopen(c, view, unseen)
        assert (outcome.status, outcome.message) == ("refused", NOT_REOPENABLE)
    assert forks(c, view.thread_id).empty and forks(c, other.thread_id).empty
    log = c.decision_log(view.thread_id)
    refused = log[log["action"] == "reopen"]
    assert list(refused["outcome"]) == ["refused"] * 3


def test_a_thread_that_moved_since_the_history_was_shown_is_refused(make_console):
    c = make_console(seed_demo=False)
    shown = start(c, "tt-moved")
    source = saved_step(c, shown, "Write draft")
    assert answer(c, "tt-moved", "approve", reviewer=BOB).status == "applied"  # meanwhile, Bob answered
    outcome = reopen(c, shown, source)  # the page still sends the checkpoint it showed
    assert outcome.status == "refused"
    assert outcome.message.startswith("This thread has moved on since its history was shown to you (last change by Bob")
    assert forks(c, "tt-moved").empty and c.thread("tt-moved").status == "finished"


def test_two_admins_reopening_at_once_give_one_fork(make_console):
    first, second = make_console(seed_demo=False), make_console(seed_demo=False)  # two processes' worth of consoles
    view = finished_thread(first)
    source = saved_step(first, view, "Review")
    together = threading.Barrier(2)
    outcomes = {}

    def go(console_, reviewer):
        together.wait(30)
        outcomes[reviewer.name] = reopen(console_, view, source, reviewer=reviewer)

    workers = [threading.Thread(target=go, args=(first, ANN)), threading.Thread(target=go, args=(second, BOB))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert sorted(o.status for o in outcomes.values()) == ["applied", "refused"], {k: o.message for k, o in outcomes.items()}
    assert len(forks(first, view.thread_id)) == 1
    log = first.decision_log(view.thread_id)
    assert sorted(log[log["action"] == "reopen"]["outcome"]) == ["applied", "refused"]


def test_reopen_is_for_administrators(make_console, policy_file):
    c = make_console(seed_demo=False, auth_mode="oidc", policy_path=str(policy_file))
    start(c, "tt-admin", reviewer=EDITOR)
    assert answer(c, "tt-admin", "approve", reviewer=EDITOR).status == "applied"
    view = c.thread("tt-admin")
    source = saved_step(c, view, "Review")
    with pytest.raises(NotAllowed, match="cannot reopen here"):
        reopen(c, view, source, reviewer=EDITOR)
    assert forks(c, "tt-admin").empty
    log = c.decision_log("tt-admin")
    assert list(log[log["action"] == "reopen"]["outcome"]) == ["refused"]
    assert reopen(c, view, source, reviewer=ADMIN).status == "applied"


def test_the_log_links_the_new_branch_to_the_old_one(make_console):
    c = make_console(seed_demo=False)
    view = finished_thread(c)
    source = saved_step(c, view, "Review")
    assert reopen(c, view, source).status == "applied"
    now = c.thread(view.thread_id)
    row = c.decision_log(view.thread_id).iloc[0]
    assert (row["action"], row["outcome"], row["reviewer"]) == ("reopen", "applied", "Ann (unverified)")
    assert row["checkpoint_id"] == view.checkpoint_id  # where the old branch stood
    assert row["result_checkpoint_id"] == now.checkpoint_id  # where the new branch stands
    assert f'"{REOPENED_FROM}": "{source}"' in row["answer"] and f"(checkpoint {source})" in row["detail"]
    frame = c.history(now)
    fork = frame[frame["what happened"] == "Reopened from step 1"]
    assert len(fork) == 1 and fork["branch"].iloc[0] == "current"
    assert f"the new branch starts at checkpoint {fork['checkpoint_id'].iloc[0]}" in row["detail"]
    old = frame[frame["checkpoint_id"] == view.checkpoint_id]
    assert old["branch"].iloc[0] == "earlier" and old["decision"].iloc[0] == "Reopened by Ann"


# ---- the page ---------------------------------------------------------------------------------


def reopen_box(at):
    return next(s for s in at.selectbox if s.label.startswith("Reopen from an earlier step"))


def choose_step(at, waits_for):
    """Pick, in the reopen box, the saved step the History table shows waiting for `waits_for`."""
    history = next(d.value for d in at.dataframe if "waits for" in d.value.columns)
    checkpoint_id = history[(history["waits for"] == waits_for) & (history["branch"] == "current")]["checkpoint_id"].iloc[0]
    return reopen_box(at).set_value(checkpoint_id).run()


def test_an_admin_reopens_from_history_after_reading_what_runs_again(app):
    at = open_thread(app.run(), "demo-0001")
    assert not at.exception
    assert not [b for b in at.button if unescape(b.label).startswith("Reopen from step")]  # nothing chosen: nothing to confirm
    at = choose_step(at, "Write draft")
    warning = unescape(at.warning[-1].value)
    assert warning.startswith("Reopening from step 0 runs “Write draft” again, then, depending on the answers, “Review”")
    assert "may happen again" in warning
    at = next(b for b in at.button if unescape(b.label) == "Reopen from step 0").click().run()
    assert not at.exception
    assert "Reopened from step 0. The workflow now waits for your next decision: a question at “Review”." in texts(at)
    history = next(d.value for d in at.dataframe if "waits for" in d.value.columns)
    # Newest first: the draft written again on the new branch, then the fork it grew from.
    assert list(history["what happened"].iloc[:2]) == ["Write draft", "Reopened from step 0"]
    assert set(history["branch"].iloc[:2]) == {"current"}
    assert reopen_box(at).value is None  # the choice is cleared: it belongs to the old branch now


def test_the_page_sends_the_checkpoint_it_showed(app):
    from ui import runtime

    at = choose_step(open_thread(app.run(), "demo-0001"), "Write draft")
    console_ = next(iter(runtime._consoles.values()))
    assert answer(console_, "demo-0001", "approve", reviewer=BOB).status == "applied"  # meanwhile
    at = next(b for b in at.button if unescape(b.label) == "Reopen from step 0").click().run()
    assert "This thread has moved on since its history was shown to you (last change by Bob" in texts(at)
    assert forks(console_, "demo-0001").empty


def test_reviewers_who_are_not_admins_see_the_history_but_no_reopen(oidc_app_for_history):
    at = open_thread(signed_in(oidc_app_for_history, EDITOR), "demo-0001")
    assert not at.exception
    assert any("waits for" in d.value.columns for d in at.dataframe)
    assert not [s for s in at.selectbox if s.label.startswith("Reopen")]
    at = open_thread(signed_in(oidc_app_for_history, ADMIN), "demo-0001")
    assert reopen_box(at) is not None


@pytest.fixture
def oidc_app_for_history(app, policy_file, monkeypatch):  # noqa: F811
    monkeypatch.setenv("REVIEW_CONSOLE_AUTH", "oidc")
    monkeypatch.setenv("REVIEW_CONSOLE_POLICY", str(policy_file))
    return app
