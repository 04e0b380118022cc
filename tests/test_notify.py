"""Notifications (issue 16 item 4): a deep link to a local receiver, once across processes, retried, never in a decision's way."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest

from console.notify import FIRST_RETRY_S, MAX_ATTEMPTS, retry_delay
from tests.conftest import ANN, answer
from tests.test_deadlines import HOUR, policy, receiver, start  # noqa: F401  (receiver: the fixture)


def test_a_thread_that_starts_waiting_is_notified_once_with_its_deep_link(make_console, receiver):
    options = dict(seed_demo=False, notify_urls=(receiver.url,), deadline_check_s=1e9, base_url="https://rc.example.com/")
    app, other = make_console(**options), make_console(**options)  # two consoles: two processes' worth of timers
    start(app, "new:one@2")
    now = time.time()
    app.run_deadlines(now)
    other.run_deadlines(now + 1)
    app.run_deadlines(now + 2)
    assert len(receiver.bodies) == 1
    body = receiver.bodies[0]
    assert body["title"] == "Waiting for a review: Content approval"
    assert "https://rc.example.com/thread?thread_id=new%3Aone%402" in body["message"]
    assert [(r["kind"], r["state"], r["attempts"]) for r in app.notifications()] == [("waiting", "sent", 1)]


def test_a_failing_receiver_is_logged_and_retried_with_backoff(make_console, receiver, caplog):
    app = make_console(seed_demo=False, notify_urls=(receiver.url,), deadline_check_s=1e9)
    start(app, "retried")
    receiver.status = 500
    now = time.time()
    with caplog.at_level(logging.WARNING, logger="review_console"):
        app.run_deadlines(now)
    (row,) = app.notifications()
    assert (row["state"], row["attempts"]) == ("waiting", 1) and row["last_error"]
    assert row["next_at"] == pytest.approx(now + FIRST_RETRY_S)
    assert any("failed (attempt 1), retried in 30 s" in r.getMessage() for r in caplog.records)

    app.run_deadlines(now + FIRST_RETRY_S - 1)  # not yet: the backoff holds
    assert app.notifications()[0]["attempts"] == 1
    app.run_deadlines(now + FIRST_RETRY_S)  # second attempt, still failing: a longer wait
    row = app.notifications()[0]
    assert row["attempts"] == 2 and row["next_at"] == pytest.approx(now + FIRST_RETRY_S + retry_delay(2))

    receiver.status = 200
    app.run_deadlines(row["next_at"])
    row = app.notifications()[0]
    assert (row["state"], row["attempts"], row["last_error"]) == ("sent", 3, None)
    assert len(receiver.bodies) == 1


def test_a_receiver_that_never_accepts_is_given_up_and_logged_as_an_error(make_console, receiver, caplog):
    app = make_console(seed_demo=False, notify_urls=(receiver.url,), deadline_check_s=1e9)
    start(app, "given-up")
    receiver.status = 500
    at = time.time()
    with caplog.at_level(logging.WARNING, logger="review_console"):
        for _ in range(MAX_ATTEMPTS):
            app.run_deadlines(at)
            at = app.notifications()[0]["next_at"]
    assert app.notifications()[0]["state"] == "given up"
    assert any(r.levelno == logging.ERROR and "given up" in r.getMessage() for r in caplog.records)


def test_a_decision_is_never_blocked_by_a_hanging_receiver(make_console, receiver, tmp_path):
    app = make_console(seed_demo=False, notify_urls=(receiver.url,), deadline_check_s=1e9)
    start(app, "first")
    start(app, "second")
    receiver.hold.clear()  # the receiver takes the request and does not answer
    sending = threading.Thread(target=app.run_deadlines, args=(time.time(),))
    sending.start()
    assert receiver.arrived.wait(30)  # a notification is on its way, and stuck
    outcome = answer(app, "second", "approve")  # the decision goes through all the same
    assert outcome.status == "applied"
    receiver.hold.set()
    sending.join(60)


def test_a_failed_decision_is_notified(make_console, receiver, tmp_path):
    app = make_console(seed_demo=False, notify_urls=(receiver.url,), deadline_check_s=1e9,
                       extra_workflows=("tests.flows:COUNTED",))
    outcome = list(app.start("counted", json.dumps({"draft": "x", "effects": str(tmp_path / "e.txt")}), ANN, "boom"))[-1]
    assert outcome.status == "started"
    failed = answer(app, "boom", "edit", draft="boom")
    assert failed.status == "failed"
    app.run_deadlines(time.time())
    (message,) = [m for m in receiver.messages() if m.startswith("A decision failed")]
    assert "A decision by Ann on “Counted”, thread boom, did not go through" in message
    assert "/thread?thread_id=boom" in message


def test_reminder_and_overdue_notices_name_the_deadline(make_console, receiver, tmp_path):
    app = make_console(seed_demo=False, notify_urls=(receiver.url,), deadline_check_s=1e9, policy_path=policy(tmp_path, """
[[deadline]]
workflows = ["content_approval"]
due_hours = 2
remind_hours = 1
"""))
    start(app, "slow")
    t0 = app.thread("slow").index_row()["waiting_since"]
    app.run_deadlines(t0 + 1.5 * HOUR)
    app.run_deadlines(t0 + 2.5 * HOUR)
    titles = [b["title"] for b in receiver.bodies]
    assert titles == ["Waiting for a review: Content approval", "Due soon: Content approval", "Overdue: Content approval"]
    assert "No default decision is set: it waits for a reviewer." in receiver.bodies[-1]["message"]
    assert app.thread("slow").status == "waiting"
