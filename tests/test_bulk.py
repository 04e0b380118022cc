"""Issue 16, safe bulk approval: only plain approvals offered, each thread checked against what was seen, applied once each."""

from console.decisions import DecisionRequest
from console.service import Console
from tests.conftest import ANN, BOB, answer, settings_for
from tests.test_pages import inbox_table, texts
from ui import bulk, keys

APPROVABLE = ["demo-0001", "demo-0002", "demo-0003"]
NEEDS_INPUT = "demo-0011"


def tick(at, thread_ids):
    rows = list(inbox_table(at)["thread_id"])
    at.session_state[keys.bulk_table_key(at.session_state[bulk.GENERATION] if bulk.GENERATION in at.session_state else 0)] = {
        "selection": {"rows": [rows.index(t) for t in thread_ids], "columns": [], "cells": []}}
    return at.run()


def click(at, label):
    return next(b for b in at.button if b.label == label).click().run()


def summary(at):
    table = next(d.value for d in at.dataframe if "result" in d.value.columns)
    return dict(zip(table["thread_id"], zip(table["result"], table["why"])))


def test_bulk_approval_applies_the_unchanged_refuses_the_changed_and_skips_what_needs_input(app, db_path):
    at = app.run()
    next(t for t in at.toggle if t.label == "Select several to approve").set_value(True)
    at = tick(at.run(), APPROVABLE + [NEEDS_INPUT])
    at = click(at, "Check the 4 selected")
    assert "3 of 4 can be approved here." in texts(at)
    plan = next(d.value for d in at.dataframe if "approve?" in d.value.columns).set_index("thread_id")["approve?"]
    assert plan[NEEDS_INPUT] == "no: It asks for an answer, not an approval."
    # Meanwhile Bob, in another console process, answers one of them.
    other = Console(settings_for(str(db_path), seed_demo=False, offline_token_delay=0))
    try:
        assert answer(other, APPROVABLE[1], "reject", BOB, reason="not this one").status == "applied"
    finally:
        other.close()
    at = click(at, "Approve 3 threads")
    assert not at.exception
    assert "2 approved, 1 refused, 1 not offered, of 4 selected." in texts(at)
    results = summary(at)
    assert results[APPROVABLE[0]][0] == results[APPROVABLE[2]][0] == "approved"
    assert results[APPROVABLE[1]] == ("refused", "It changed after you checked it (someone answered it, or the workflow "
                                                 "moved on). Nothing was applied; open it to look again.")
    assert results[NEEDS_INPUT][0] == "not offered"
    remaining = set(inbox_table(at)["thread_id"])
    assert not remaining & {APPROVABLE[0], APPROVABLE[1]} and NEEDS_INPUT in remaining
    at = click(at, "Done")
    assert not [d for d in at.dataframe if "result" in d.value.columns]


def test_the_checked_list_replaces_the_table_until_approved_or_given_up(app):
    at = app.run()
    next(t for t in at.toggle if t.label == "Select several to approve").set_value(True)
    at = click(tick(at.run(), APPROVABLE[:2]), "Check the 2 selected")
    assert "Approve 2 threads" in [b.label for b in at.button]
    assert not [d for d in at.dataframe if "kind of pause" in d.value.columns]  # no ticks to move under the list
    at = click(at, "Back to the selection")
    at = tick(at, APPROVABLE[:1])
    assert "Check the 1 selected" in [b.label for b in at.button] and "Approve 2 threads" not in [b.label for b in at.button]


def test_each_thread_applies_exactly_once_when_two_reviewers_bulk_approve_the_same_threads(make_console):
    first, second = make_console(), make_console(seed_demo=False)  # two console processes on one database
    plan_a, plan_b = first.team.bulk_plan(APPROVABLE), second.team.bulk_plan(APPROVABLE)
    applied_a = [r.applied for r in first.team.bulk_approve(plan_a, ANN)]
    results_b = second.team.bulk_approve(plan_b, BOB)
    assert applied_a == [True, True, True] and [r.applied for r in results_b] == [False, False, False]
    log = first.decision_log()
    applied = log[log["outcome"] == "applied"]
    assert sorted(applied["thread_id"]) == sorted(APPROVABLE) and set(applied["reviewer"]) == {"Ann (unverified)"}


def test_the_decision_guard_refuses_what_the_check_let_through(demo):
    """The check before each approval is a courtesy; the claim is the guard. A thread answered between the
    two (simulated: the plan's checkpoint still matches, the claim does not) is refused by the claim."""
    item = demo.team.bulk_plan([APPROVABLE[0]])[0]
    view = demo.thread(APPROVABLE[0])
    list(demo.decide(DecisionRequest(view.thread_id, view.checkpoint_id, view.interrupts[0].id, "approve"), BOB))
    from console import bulk as core
    result = core.approve_one(item, view, demo.decide, ANN)  # `view` as it was: the check passes
    assert not result.applied and "already answered by Bob" in result.why


def test_an_approval_that_needs_input_is_not_offered(demo):
    """A team's own format whose Approve asks for a note: bulk approval leaves it to its page."""
    import dataclasses

    from console import bulk as core
    from console.formats import Action, Field

    view = demo.thread(APPROVABLE[0])
    pending = view.interrupts[0]
    asks = dataclasses.replace(pending.request, actions=(Action("approve", "Approve", (Field("note", "Note", required=True),)),))
    item = core.plan_item(view.thread_id, dataclasses.replace(view, interrupts=[dataclasses.replace(pending, request=asks)]))
    assert item.action is None and item.why_not == "Approving it needs input from you: open it."
    assert core.plan_item(view.thread_id, view).action == "approve"


def test_two_bulk_approvals_at_the_same_moment_apply_each_thread_once(make_console):
    """Two reviewers on two console processes approve the same twelve threads at once, in opposite orders."""
    import threading

    first, second = make_console(seed_demo=False), make_console(seed_demo=False)
    ids = [f"race-{n:02d}" for n in range(12)]
    for thread_id in ids:
        assert list(first.start("content_approval", "a post", ANN, thread_id))[-1].status == "started"
    plans = {"Ann": first.team.bulk_plan(ids), "Bob": second.team.bulk_plan(list(reversed(ids)))}
    results: dict[str, list] = {}
    ready = threading.Barrier(2)

    def approve(console_, who, reviewer):
        ready.wait()
        results[who] = console_.team.bulk_approve(plans[who], reviewer)

    workers = [threading.Thread(target=approve, args=(first, "Ann", ANN)), threading.Thread(target=approve, args=(second, "Bob", BOB))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(300)
    tried = sum(len(r) for r in results.values())
    applied = [r.thread_id for rs in results.values() for r in rs if r.applied]
    by_check = sum(1 for rs in results.values() for r in rs if not r.applied and r.why.startswith("It changed after"))
    print(f"bulk race: {tried} tried, {len(applied)} applied, {tried - len(applied)} refused "
          f"({by_check} by the check against what was seen, {tried - len(applied) - by_check} by the decision guard)")
    assert tried == 24 and sorted(applied) == ids  # each thread once, by one of the two
    log = first.decision_log()
    approvals = log[(log["action"] == "approve") & log["thread_id"].isin(ids)]
    assert sorted(approvals[approvals["outcome"] == "applied"]["thread_id"]) == ids  # the log agrees: once each
    assert set(approvals[approvals["outcome"] != "applied"]["outcome"]) <= {"refused"}
