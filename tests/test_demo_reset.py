"""Reset of the demo data: the demo threads go and come back; a team's threads and the decision log stay."""

import pytest

from console.decisions import Reviewer
from console.demo import RESET_ACTION, find_demo_threads, reset_demo_data, seeded_ids
from console.errors import NotAllowed, ThreadNotFound
from console.inbox import InboxQuery
from tests.conftest import ANN, answer
from tests.test_access import ADMIN, EDITOR, POLICY


def indexed(console_) -> set[str]:
    return set(console_.inbox(InboxQuery(page_size=500)).rows["thread_id"])


def start(console_, workflow, text, thread_id, reviewer=ANN):
    outcome = list(console_.start(workflow, text, reviewer, thread_id))[-1]
    assert outcome.status == "started", outcome.message
    return outcome.view


def test_reset_keeps_a_teams_threads_and_their_decisions(demo):
    first_seed = seeded_ids()
    assert set(first_seed) <= indexed(demo)
    # A team's threads: one plainly named, one whose id looks like a demo thread's, one answered.
    start(demo, "content_approval", "our own post", "team-post")
    start(demo, "two_stage_review", "our look-alike", "demo-content_approval-9")
    start(demo, "content_approval", "answered by the team", "team-answered")
    assert answer(demo, "team-answered", "approve").status == "applied"
    assert answer(demo, "demo-0001", "approve").status == "applied"  # done on a demo thread
    team = {t: demo.thread(t) for t in ("team-post", "demo-content_approval-9", "team-answered")}
    log_before = demo.decision_log()

    result = reset_demo_data(demo, ANN)

    assert sorted(result.removed) == sorted(first_seed)
    for thread_id, view in team.items():  # untouched: same checkpoint, same state
        after = demo.thread(thread_id)
        assert (after.checkpoint_id, after.status, after.values) == (view.checkpoint_id, view.status, view.values)
    for thread_id in first_seed:
        with pytest.raises(ThreadNotFound):
            demo.thread(thread_id)
    # Seeded anew, under ids no decision was ever logged on, and indexed at once.
    assert len(result.seeded) == len(first_seed) and not set(result.seeded) & set(first_seed)
    assert all(demo.decision_log(t).empty for t in result.seeded)
    assert indexed(demo) == {"team-post", "demo-content_approval-9"} | set(result.seeded)  # the inbox: waiting ones
    # The log only grew: every earlier row is still there, and one reset record names who did it.
    log_after = demo.decision_log()
    assert set(log_before["id"]) <= set(log_after["id"])
    new = log_after[~log_after["id"].isin(log_before["id"])]
    assert list(new["action"]) == [RESET_ACTION] and new.iloc[0]["reviewer"].startswith("Ann")
    assert set(demo.decision_log("team-answered")["action"]) == {"start", "approve"}


def test_threads_seeded_before_the_mark_are_recognised_but_a_teams_demo_named_thread_is_not(demo):
    graph, spec = demo.graphs["content_approval"], demo.registry["content_approval"]
    old_style = {"configurable": {"thread_id": "demo-content_approval-7"},
                 "metadata": {"workflow": spec.name, "workflow_version": spec.version, "started_by": "demo"}}
    demo.bridge.run(graph.ainvoke(spec.make_input("seeded by an older console"), old_style, durability="sync"))
    # A person who typed "demo" as their name, starting a thread with a demo-looking id: it has a start record.
    start(demo, "content_approval", "mine", "demo-content_approval-8", reviewer=Reviewer("demo"))
    found = demo.bridge.run(find_demo_threads(demo))
    assert "demo-content_approval-7" in found and "demo-content_approval-8" not in found

    reset_demo_data(demo, ANN)
    with pytest.raises(ThreadNotFound):
        demo.thread("demo-content_approval-7")
    assert demo.thread("demo-content_approval-8").status == "waiting"


def test_a_second_reset_takes_fresh_ids_again(demo):
    second = reset_demo_data(demo, ANN).seeded
    third = reset_demo_data(demo, ANN)
    assert sorted(third.removed) == sorted(second)
    assert not set(third.seeded) & set(second) and all(t.startswith("demo-r3-") for t in third.seeded)
    assert len(demo.decision_log().query("action == @RESET_ACTION")) == 2


def test_only_an_admin_may_reset_when_people_sign_in(make_console, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    console_ = make_console(auth_mode="oidc", policy_path=str(policy))
    before = indexed(console_)
    with pytest.raises(NotAllowed):
        reset_demo_data(console_, EDITOR)  # a reviewer of one workflow only
    with pytest.raises(NotAllowed):
        reset_demo_data(console_, None)
    assert indexed(console_) == before and console_.decision_log().empty
    assert set(reset_demo_data(console_, ADMIN).removed) == before
