"""Deadlines (issue 16 item 3): the due column and its order, reminders, the default decision and its races.

Every pass of the timer is given its `now`: nothing here waits for a clock.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from console.decision_types import DEADLINE_REVIEWER, DecisionRequest
from console.deadlines import Deadline, Deadlines, load_deadlines
from console.inbox import InboxQuery
from tests.conftest import ANN, ROOT, Reviewer
from tests.notify_receiver import Receiver
from tests.test_pages import inbox_table, open_thread, submit, texts

HOUR = 3600.0
REJECT_AFTER_4H = """
[[deadline]]
workflows = ["content_approval"]
due_hours = 4
remind_hours = 1
default = { action = "reject", reason = "No reviewer answered within 4 hours." }
"""


def policy(tmp_path: Path, text: str = REJECT_AFTER_4H) -> str:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return str(path)


def start(app, thread_id: str, workflow: str = "content_approval") -> None:
    outcome = list(app.start(workflow, f"a draft for {thread_id}", ANN, thread_id))[-1]
    assert outcome.status == "started", outcome.message


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


# ---- the rules and their words --------------------------------------------------------------


def test_rules_are_read_from_the_policy_file(tmp_path):
    rules = load_deadlines(policy(tmp_path, REJECT_AFTER_4H + '[[deadline]]\nworkflows = ["*"]\ndue_hours = 0.5\ndefault = "approve"\n'))
    rule = rules.for_workflow("content_approval")
    assert (rule.due_s, rule.remind_s, rule.action, rule.inputs) == (4 * HOUR, HOUR, "reject",
                                                                     {"reason": "No reviewer answered within 4 hours."})
    assert rules.for_workflow("anything_else").action == "approve"  # "*" takes the rest
    assert not load_deadlines(None)


def test_due_words():
    rule = Deadline(("w",), 4 * HOUR)
    assert rule.words(since=0, now=2 * HOUR) == "due in 2 h"
    assert rule.words(since=0, now=4 * HOUR - 20 * 60) == "due in 20 min"
    assert rule.words(since=0, now=4 * HOUR) == "overdue"
    assert Deadlines((rule,)).words("other", 0, 0) == ""  # a workflow without a deadline is due nothing


# ---- the inbox: the column and overdue first ------------------------------------------------


def test_inbox_says_due_and_lists_overdue_threads_first(make_console, tmp_path):
    app = make_console(seed_demo=True, policy_path=policy(tmp_path, """
[[deadline]]
workflows = ["two_stage_review"]
due_hours = 1
[[deadline]]
workflows = ["content_approval"]
due_hours = 3
"""), deadline_check_s=1e9)
    now = time.time() + 2 * HOUR
    plain = app.reader.page(InboxQuery(sort="thread id"), now=now).rows
    assert list(plain["workflow"][:2]) == ["two_stage_review"] * 2  # overdue, although "t…" sorts last
    due = dict(zip(plain["workflow"], plain["due"]))
    assert due["two_stage_review"] == "overdue" and due["content_approval"] == "due in 1 h" and due["agent_inbox"] == ""
    rest = list(plain["thread_id"][2:])
    assert rest == sorted(rest)  # then the chosen order
    app.reader.deadlines = None  # without deadlines: no column, the plain order
    assert "due" not in app.reader.page(InboxQuery(sort="thread id"), now=now).rows


def test_inbox_page_shows_the_due_column(app, tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEW_CONSOLE_POLICY", policy(tmp_path, """
[[deadline]]
workflows = ["two_stage_review"]
due_hours = 0
[[deadline]]
workflows = ["content_approval"]
due_hours = 2
"""))
    monkeypatch.setenv("REVIEW_CONSOLE_DEADLINE_CHECK", "1000000000")  # no default runs by itself here
    at = app.run()
    assert not at.exception
    table = inbox_table(at)
    assert list(table["due"][:2]) == ["overdue", "overdue"] and set(table["workflow"][:2]) == {"Two-stage review"}
    assert set(table[table["workflow"] == "Content approval"]["due"]) == {"due in 2 h"}


# ---- reminder before, default after, once ---------------------------------------------------


def test_reminder_before_the_deadline_then_the_default_once(make_console, tmp_path, receiver):
    app = make_console(seed_demo=False, policy_path=policy(tmp_path), notify_urls=(receiver.url,), deadline_check_s=1e9,
                       base_url="https://review.example.com")
    start(app, "late-1")
    t0 = app.thread("late-1").index_row()["waiting_since"]

    early = app.run_deadlines(t0 + 2 * HOUR)  # before the reminder window: only "waiting"
    assert early.reminded == 0 and early.applied == 0
    soon = app.run_deadlines(t0 + 3.5 * HOUR)
    assert soon.reminded == 1 and soon.applied == 0 and app.thread("late-1").status == "waiting"
    assert any("Due soon" in m and "due in 30 min" in m for m in receiver.messages())

    late = app.run_deadlines(t0 + 4 * HOUR + 1)
    assert (late.applied, late.refused) == (1, 0)
    assert app.thread("late-1").status == "finished"
    log = app.decision_log("late-1")
    log = log[log["reviewer"] != "Ann (unverified)"]  # who started it
    assert list(log["reviewer"]) == ["the console (deadline passed)"]  # verified: no "(unverified)" mark
    assert list(log["action"]) == ["reject"] and list(log["outcome"]) == ["applied"]
    assert "No reviewer answered within 4 hours." in log["answer"][0]

    again = app.run_deadlines(t0 + 5 * HOUR)
    assert (again.applied, again.refused) == (0, 0)  # applied once, and never tried again
    kinds = [row["kind"] for row in app.notifications()]
    assert sorted(kinds) == ["overdue", "reminder", "waiting"]  # each event once
    link = "https://review.example.com/thread?thread_id=late-1"
    assert all(link in m for m in receiver.messages()) and len(receiver.bodies) == 3


def test_a_default_the_request_does_not_offer_is_left_for_a_reviewer(make_console, tmp_path):
    app = make_console(seed_demo=False, deadline_check_s=1e9, policy_path=policy(tmp_path, """
[[deadline]]
workflows = ["content_approval"]
due_hours = 1
default = "ignore"
"""))
    start(app, "odd-default")
    report = app.run_deadlines(time.time() + 2 * HOUR)
    assert (report.applied, report.failed) == (0, 0)
    assert app.thread("odd-default").status == "waiting"
    assert list(app.decision_log("odd-default")["reviewer"]) == ["Ann (unverified)"]  # her start, nothing after


def test_a_typed_name_like_the_consoles_is_not_the_console(make_console, tmp_path):
    """Only the timer's own reviewer object passes as the console; a person typing its name is a typed name."""
    app = make_console(seed_demo=False, deadline_check_s=1e9)
    assert app.allows(DEADLINE_REVIEWER, "content_approval", "approve")
    assert not app.allows(DEADLINE_REVIEWER, "content_approval", "retry")  # never an admin's action
    impostor = Reviewer(DEADLINE_REVIEWER.name)
    assert impostor.label.endswith("(unverified)")


# ---- the default racing a person ------------------------------------------------------------


def race_once(app, thread_id: str, now: float) -> list:
    """A person's click on what they saw and a timer pass, released together; returns both outcomes."""
    seen = app.thread(thread_id)
    request = DecisionRequest(thread_id, seen.checkpoint_id, seen.interrupts[0].id, "approve")
    gate = threading.Barrier(2)
    results: dict[str, object] = {}

    def person() -> None:
        gate.wait()
        results["person"] = list(app.decide(request, Reviewer("Pat")))[-1]

    def timer() -> None:
        gate.wait()
        report = app.run_deadlines(now)
        results["timer"] = report.outcomes[0] if report.outcomes else None

    workers = [threading.Thread(target=person), threading.Thread(target=timer)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    return [results["person"], results["timer"]]


def test_the_default_racing_a_persons_click_applies_exactly_once(make_console, tmp_path, capsys):
    app = make_console(seed_demo=False, policy_path=policy(tmp_path), deadline_check_s=1e9)
    tried = applied = refused = 0
    for i in range(6):
        thread_id = f"race-{i}"
        start(app, thread_id)
        person, timer = race_once(app, thread_id, time.time() + 5 * HOUR)
        outcomes = [o for o in (person, timer) if o is not None]  # the timer skips a thread answered before it looked
        tried += len(outcomes)
        log = app.decision_log(thread_id)
        log = log[log["reviewer"] != "Ann (unverified)"]  # who started it
        assert list(log["outcome"]).count("applied") == 1, log
        assert [o.status for o in outcomes].count("applied") == 1
        for o in outcomes:
            if o.status == "refused":
                refused += 1
                assert "Your decision was not applied" in o.message and "Traceback" not in o.message
        applied += 1
        winner = log[log["outcome"] == "applied"]["reviewer"].iloc[0]
        assert app.thread(thread_id).values.get("status") == ("published" if winner.startswith("Pat") else "rejected")
    with capsys.disabled():
        print(f"\n[deadline race, one process] tried {tried}, applied {applied}, refused {refused}")
    assert applied == 6 and tried == applied + refused


def test_the_default_under_two_processes_with_a_person_clicking(make_console, store, tmp_path, capsys):
    """Two console processes run the timer at once while a person, in a third, approves every thread."""
    path = policy(tmp_path)
    app = make_console(seed_demo=False, policy_path=path, deadline_check_s=1e9)
    threads = [f"two-{i}" for i in range(4)]
    for t in threads:
        start(app, t)
    seen = {t: app.thread(t) for t in threads}
    now = time.time() + 5 * HOUR
    workers = [subprocess.Popen([sys.executable, str(ROOT / "tests" / "deadline_worker.py"), store, path, str(now)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(2)]
    try:
        for w in workers:
            assert w.stdout.readline().strip() == "ready"
        person: list = []

        def clicks() -> None:
            for t in threads:
                v = seen[t]
                person.append(list(app.decide(DecisionRequest(t, v.checkpoint_id, v.interrupts[0].id, "approve"),
                                              Reviewer("Pat")))[-1].status)

        clicker = threading.Thread(target=clicks)
        for w in workers:
            w.stdin.write("go\n")
            w.stdin.flush()
        clicker.start()
        reports = [json.loads(w.stdout.readline()) for w in workers]
        clicker.join(120)
    finally:
        for w in workers:
            w.wait(60)
    log = app.decision_log()
    log = log[log["reviewer"] != "Ann (unverified)"]  # who started them
    for t in threads:
        assert list(log[log["thread_id"] == t]["outcome"]).count("applied") == 1, log[log["thread_id"] == t]
    applied = sum(r["applied"] for r in reports) + person.count("applied")
    refused = sum(r["refused"] for r in reports) + person.count("refused")
    tried = sum(r["applied"] + r["refused"] + r["failed"] for r in reports) + len(person)
    with capsys.disabled():
        print(f"\n[deadline race, two timer processes + a person, {'postgresql' if store.startswith('postgresql') else 'sqlite'}] "
              f"tried {tried}, applied {applied}, refused {refused}")
    assert applied == len(threads) and tried == applied + refused


def test_the_page_says_the_console_applied_the_default_first(app, db_path, tmp_path, make_console):
    """The person opened the thread; the deadline passed and the default went first; their click is refused, plainly."""
    at = open_thread(app, "demo-0001")
    other = make_console(seed_demo=False, policy_path=policy(tmp_path), deadline_check_s=1e9)
    assert other.run_deadlines(time.time() + 5 * HOUR).applied == 2  # both demo content threads
    at = submit(at, "Approve")
    assert not at.exception
    shown = texts(at)
    assert "already answered by the console (deadline passed)" in shown and "Your decision was not applied" in shown
