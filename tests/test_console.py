"""The console end to end on a temporary SQLite file: inbox, every demo flow, restart, bad input."""

import threading

import pytest

from console.decisions import DecisionRequest, Outcome
from console.errors import DatabaseUnavailable, InvalidAnswer, ThreadNotFound
from console.inbox import InboxQuery
from console.runs import Progress
from console.settings import Settings
from tests.conftest import ANN, BOB, answer


def waiting_ids(console_):
    return set(console_.inbox().rows["thread_id"])


def test_first_start_seeds_every_kind_of_pause(demo):
    page = demo.inbox()
    assert page.total == 13  # 6 of the first three workflows, 7 of the interrupt-format workflows
    kinds = dict(zip(page.rows["thread_id"], page.rows["kind of pause"]))
    assert kinds["demo-0001"] == "asks a question"
    assert kinds["demo-0003"] == "paused after a step"
    assert kinds["demo-0004"] == "paused before a step"
    assert demo.thread("demo-0006").interrupts[0].request.step == 2


def test_approve_publishes_and_leaves_the_inbox(demo):
    outcome = answer(demo, "demo-0001", "approve")
    assert outcome.status == "applied"
    view = demo.thread("demo-0001")
    assert view.status == "finished" and view.values["status"] == "published"
    assert view.values["final"] == view.values["draft"]
    assert "demo-0001" not in waiting_ids(demo)


def test_reject_needs_a_reason_and_records_it(demo):
    with pytest.raises(InvalidAnswer, match="Reason"):
        answer(demo, "demo-0001", "reject", reason="  ")
    assert demo.thread("demo-0001").status == "waiting"  # nothing was claimed or sent
    outcome = answer(demo, "demo-0001", "reject", reason="Off brand")
    view = outcome.view
    assert view.status == "finished" and view.values["status"] == "rejected"
    assert view.values["reason"] == "Off brand" and "final" not in view.values


def test_edit_publishes_the_edited_text_and_logs_before_and_after(demo):
    before = demo.thread("demo-0002").interrupts[0].request.draft
    with pytest.raises(InvalidAnswer, match="empty"):
        answer(demo, "demo-0002", "edit", draft="   ")
    answer(demo, "demo-0002", "edit", draft="Our new hours: 9 to 5.")
    view = demo.thread("demo-0002")
    assert view.values["final"] == "Our new hours: 9 to 5."
    row = demo.decision_log("demo-0002").iloc[0]
    assert (row["text_before"], row["text_after"], row["outcome"]) == (before, "Our new hours: 9 to 5.", "applied")


def test_static_pauses_continue_and_edit_state(demo):
    thread = "demo-0003"
    assert demo.thread(thread).pause_kind == "after"
    answer(demo, thread, "continue")
    view = demo.thread(thread)
    assert (view.status, view.pause_kind, view.waiting_node) == ("waiting", "before", "publish_article")
    with pytest.raises(InvalidAnswer, match="Nothing was changed"):
        answer(demo, thread, "edit_state", draft=view.values["draft"])
    answer(demo, thread, "edit_state", draft="Edited at the gate.")
    view = demo.thread(thread)
    assert view.status == "finished" and view.values["final"] == "Edited at the gate."


def test_state_edit_at_the_first_gate_flows_into_the_next_step(demo):
    answer(demo, "demo-0003", "edit_state", draft="Short text.")
    view = demo.thread("demo-0003")
    assert view.pause_kind == "before" and view.values["draft"].startswith("Short text.")


def test_two_stage_review_answers_each_interrupt_in_order(demo):
    thread = "demo-0005"
    first = demo.thread(thread)
    assert first.interrupts[0].request.step == 1
    assert [a.key for a in first.interrupts[0].request.actions] == ["approve", "request_changes", "edit"]
    view = first.interrupts[0]
    items = list(demo.decide(DecisionRequest(thread, first.checkpoint_id, view.id, "request_changes",
                                             {"changes": "Mention the date."}), ANN))
    assert any(isinstance(i, Progress) and i.kind == "token" for i in items)  # the model's revision streamed
    second = demo.thread(thread)
    assert second.interrupts[0].request.step == 2
    assert second.interrupts[0].id != view.id
    assert "Revised as asked: Mention the date." in second.interrupts[0].request.draft
    answer(demo, thread, "approve")
    done = demo.thread(thread)
    assert done.status == "finished" and done.values["final"] == second.interrupts[0].request.draft
    assert done.values["requested_changes"] == "Mention the date."


def test_start_a_thread_runs_to_its_first_pause(demo):
    items = list(demo.start("content_approval", "a bake sale", ANN, thread_id="bake-sale"))
    outcome = items[-1]
    assert isinstance(outcome, Outcome) and outcome.status == "started"
    assert [i.node for i in items if isinstance(i, Progress) and i.kind == "started"] == ["write_draft", "review"]
    assert "bake-sale" in waiting_ids(demo)
    with pytest.raises(InvalidAnswer, match="already exists"):
        list(demo.start("content_approval", "again", ANN, thread_id="bake-sale"))
    with pytest.raises(InvalidAnswer, match="Topic"):
        list(demo.start("content_approval", "  ", ANN))


def test_restart_keeps_everything_and_can_resume(make_console, db_path):
    first = make_console()
    answer(first, "demo-0001", "approve")
    before = waiting_ids(first)
    first.close()
    second = make_console()
    assert waiting_ids(second) == before
    assert second.thread("demo-0001").status == "finished"
    assert len(second.decision_log()) == 1
    answer(second, "demo-0006", "approve")
    assert second.thread("demo-0006").status == "finished"


def test_two_sessions_at_once_through_one_bridge(demo):
    """Two reviewers click at the same moment: different threads both apply; the same thread applies once."""
    views = {t: demo.thread(t) for t in ("demo-0001", "demo-0002")}
    results = {}

    def click(name, thread_id, reviewer):
        v = views[thread_id]
        items = list(demo.decide(DecisionRequest(thread_id, v.checkpoint_id, v.interrupts[0].id, "approve"), reviewer))
        results[name] = items[-1].status

    clicks = [threading.Thread(target=click, args=(f"{t}-{i}", t, who)) for t in views for i, who in enumerate((ANN, BOB))]
    for c in clicks:
        c.start()
    for c in clicks:
        c.join(30)
    assert sorted(results.values()) == ["applied", "applied", "refused", "refused"]
    assert all(demo.thread(t).values["status"] == "published" for t in views)


def test_a_stale_decision_is_refused_with_who_answered(demo):
    seen = demo.thread("demo-0001")
    answer(demo, "demo-0001", "reject", reviewer=BOB, reason="No")
    items = list(demo.decide(DecisionRequest(seen.thread_id, seen.checkpoint_id, seen.interrupts[0].id, "approve"), ANN))
    assert items[-1].status == "refused"
    assert "Bob" in items[-1].message and "not applied" in items[-1].message
    assert demo.thread(seen.thread_id).values["status"] == "rejected"


@pytest.mark.parametrize("bad", ["", "../etc/passwd", "x" * 300, "a b"])
def test_malformed_thread_ids_are_refused_plainly(demo, bad):
    with pytest.raises(ThreadNotFound, match="not a valid thread id"):
        demo.thread(bad)


def test_unknown_thread_id(demo):
    with pytest.raises(ThreadNotFound, match="There is no thread"):
        demo.thread("no-such-thread")


def test_inbox_filters_search_sort_and_pages(demo):
    assert demo.inbox(InboxQuery(workflows=("gated_publication",))).total == 2
    assert demo.inbox(InboxQuery(kinds=("before",))).rows["thread_id"].tolist() == ["demo-0004"]
    assert demo.inbox(InboxQuery(search="price change")).rows["thread_id"].tolist() == ["demo-0006"]
    assert demo.inbox(InboxQuery(search="100%_")).total == 0  # LIKE wildcards are taken literally
    first_three = ("content_approval", "gated_publication", "two_stage_review")
    page = demo.inbox(InboxQuery(workflows=first_three, sort="thread id", oldest_first=False, page_size=4, page=2))
    assert page.total == 6 and page.pages == 2
    assert page.rows["thread_id"].tolist() == ["demo-0002", "demo-0001"]


def test_database_path_problems_are_plain_sentences(tmp_path):
    from console.service import Console

    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("hello, this is not a database")
    with pytest.raises(DatabaseUnavailable, match="not a SQLite database"):
        Console(Settings(db_path=not_sqlite, seed_demo=False))
    with pytest.raises(DatabaseUnavailable, match="folder"):
        Console(Settings(db_path=tmp_path, seed_demo=False))


def test_a_thread_of_several_mb_is_measured_before_it_is_loaded(make_console):
    from console.errors import ThreadTooLarge

    console_ = make_console(seed_demo=False, large_thread_bytes=1_000_000)
    list(console_.start("content_approval", "n" * 1_500_000, ANN, thread_id="big"))  # a 1.5 MB topic, and its draft
    with pytest.raises(ThreadTooLarge, match="MB of saved data") as caught:
        console_.thread("big")
    assert caught.value.size_bytes > 1_500_000 and caught.value.row["status"] == "waiting"
    assert console_.thread("big", load_large=True).status == "waiting"
    list(console_.start("content_approval", "small", ANN, thread_id="small"))
    assert console_.thread("small").status == "waiting"  # small threads open as before
