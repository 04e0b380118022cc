"""Server mode's waiting threads against a real `langgraph dev`: deadlines (the due column, overdue first, reminders,
the default once), the Activity page's backlog and age charts, a refused typed answer listed as waiting, and a busy
database at start. Each test sees only its own threads (a metadata scope of its own); the timer is given its `now`."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest

from console.decisions import DecisionRequest, Reviewer
from console.inbox import InboxQuery
from console.insight import ActivityQuery, Scope
from console.server import insight as server_insight
from console.server.service import ServerConsole
from console.settings import Settings
from tests.busy_start import opens_past_a_long_write
from tests.notify_receiver import Receiver
from tests.test_deadlines import REJECT_AFTER_4H  # the local tests' rule: the same words here

ANN = Reviewer("Ann")
HOUR = 3600.0


def _open(url: str, folder: Path, policy: str = "", **more) -> ServerConsole:
    path = ""
    if policy:
        path = str(folder / "policy.toml")
        Path(path).write_text(policy)
    scope = json.dumps({"suite": uuid.uuid4().hex})  # this test's threads only, on the shared server
    return ServerConsole(Settings(server_url=url, db_path=folder / "console.db", server_metadata=scope,
                                  policy_path=path, **{"deadline_check_s": 1e9, **more}))


def _start(app: ServerConsole, workflow: str = "content_approval", inputs: dict | None = None):
    outcome = list(app.start(workflow, inputs or {"topic": "deadline"}, ANN))[-1]
    assert outcome.status == "started", outcome.message
    return outcome.view


def _since(app: ServerConsole, thread_id: str) -> float:
    return next(r["waiting_since"] for r in app.waiting.rows() if r["thread_id"] == thread_id)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


# ---- deadlines -----------------------------------------------------------------------------------


def test_the_inbox_says_due_and_lists_overdue_threads_first(langgraph_server, tmp_path, monkeypatch):
    app = _open(langgraph_server, tmp_path, """
[[deadline]]
workflows = ["ask_name"]
due_hours = 1
[[deadline]]
workflows = ["content_approval"]
due_hours = 3
""")
    try:
        soon = [_start(app).thread_id for _ in range(2)]
        plain = _start(app, "tool_review", {"messages": [{"role": "user", "content": "plan"}]}).thread_id
        # The overdue ones waited least: only the deadline order puts them before the longest waiting.
        late = [_start(app, "ask_name", {"messages": [{"role": "user", "content": "badge"}]}).thread_id for _ in range(2)]
        fetched = []
        real = app.client.threads.get_state
        monkeypatch.setattr(app.client.threads, "get_state", lambda *a, **k: fetched.append(a) or real(*a, **k))
        rows = app.reads.page(InboxQuery(page_size=50), now=time.time() + 2 * HOUR).rows  # overdue first
        assert fetched == [], "a page of the inbox fetched thread states one by one"
        assert set(rows["thread_id"][:2]) == set(late), rows
        due = dict(zip(rows["thread_id"], rows["due"]))
        assert [due[t] for t in late] == ["overdue"] * 2
        assert {due[t] for t in soon} == {"due in 1 h"} and due[plain] == ""
        assert list(rows["thread_id"][2:]) == [*soon, plain]  # then the chosen order: the longest waiting first
        assert "due" not in app.inbox(InboxQuery(status="finished")).rows  # a finished thread is due nothing
    finally:
        app.close()


def test_a_reminder_before_the_deadline_then_the_default_once(langgraph_server, tmp_path, receiver, store):
    """On both of the console's own stores: the outbox and the log in SQLite, or in PostgreSQL for replicas."""
    app = _open(langgraph_server, tmp_path, REJECT_AFTER_4H, notify_urls=(receiver.url,),
                base_url="https://review.example.com", database_url=store if store.startswith("postgresql") else "")
    try:
        view = _start(app)
        t0 = _since(app, view.thread_id)
        early = app.run_deadlines(t0 + 2 * HOUR)
        assert (early.reminded, early.applied) == (0, 0)
        soon = app.run_deadlines(t0 + 3.5 * HOUR)
        assert (soon.reminded, soon.applied) == (1, 0) and app.thread(view.thread_id).status == "waiting"
        assert any("Due soon" in m and "due in 30 min" in m for m in receiver.messages())

        late = app.run_deadlines(t0 + 4 * HOUR + 1)
        assert (late.applied, late.refused) == (1, 0), [o.message for o in late.outcomes]
        after = app.thread(view.thread_id)
        assert after.status == "finished" and after.values.get("status") == "rejected"
        log = app.decision_log(view.thread_id)
        log = log[log["action"] != "start"]
        assert list(log["reviewer"]) == ["the console (deadline passed)"] and list(log["outcome"]) == ["applied"]
        assert "No reviewer answered within 4 hours." in log["answer"].iloc[0]

        again = app.run_deadlines(t0 + 5 * HOUR)
        assert (again.applied, again.refused) == (0, 0)  # applied once, and never tried again
        assert sorted(r["kind"] for r in app.notifications()) == ["overdue", "reminder", "waiting"]  # each once
        link = f"https://review.example.com/thread?thread_id={view.thread_id}"
        assert all(link in m for m in receiver.messages()) and len(receiver.bodies) == 3
    finally:
        app.close()


def test_the_console_applies_a_due_default_by_itself(langgraph_server, tmp_path):
    """The timer's own thread, every REVIEW_CONSOLE_DEADLINE_CHECK seconds, with no pass asked for."""
    app = _open(langgraph_server, tmp_path, REJECT_AFTER_4H.replace("due_hours = 4", "due_hours = 0"),
                deadline_check_s=0.2)
    try:
        view = _start(app)
        for _ in range(600):  # waits on the thread's state (at most about a minute), not on a clock
            if app.client.threads.get(view.thread_id)["status"] == "idle":
                break
            threading.Event().wait(0.1)
        assert app.thread(view.thread_id).values.get("status") == "rejected"
        assert list(app.decision_log(view.thread_id)["reviewer"])[0] == "the console (deadline passed)"
    finally:
        app.close()


def test_the_default_racing_a_persons_click_applies_exactly_once(langgraph_server, tmp_path):
    app = _open(langgraph_server, tmp_path, REJECT_AFTER_4H)
    try:
        for _ in range(3):
            seen = _start(app)
            request = DecisionRequest(seen.thread_id, seen.checkpoint_id, seen.interrupts[0].id, "approve")
            gate, results = threading.Barrier(2), {}

            def person():
                gate.wait()
                results["person"] = list(app.decide(request, Reviewer("Pat")))[-1]

            def timer():
                gate.wait()
                results["timer"] = app.run_deadlines(time.time() + 5 * HOUR)

            workers = [threading.Thread(target=person), threading.Thread(target=timer)]
            for w in workers:
                w.start()
            for w in workers:
                w.join(120)
            log = app.decision_log(seen.thread_id)
            assert list(log[log["action"] != "start"]["outcome"]).count("applied") == 1, log
            runs = [r for r in app.client.runs.list(seen.thread_id, limit=100)
                    if r["status"] == "success" and (r.get("kwargs") or {}).get("command")]
            assert len(runs) == 1, runs
    finally:
        app.close()


def test_a_default_the_request_does_not_offer_is_left_for_a_reviewer(langgraph_server, tmp_path):
    app = _open(langgraph_server, tmp_path, '[[deadline]]\nworkflows = ["content_approval"]\ndue_hours = 1\n'
                                            'default = "ignore"\n')
    try:
        view = _start(app)
        report = app.run_deadlines(time.time() + 2 * HOUR)
        assert (report.applied, report.failed) == (0, 0) and app.thread(view.thread_id).status == "waiting"
    finally:
        app.close()


# ---- a refused typed answer still waits -----------------------------------------------------------------


def _refused(app: ServerConsole):
    view = _start(app, "refund_decision", {"complaint": "The chairs arrived broken."})
    outcome = list(app.decide(DecisionRequest(view.thread_id, view.checkpoint_id, view.interrupts[0].id, "answer",
                                              {"decision": "deny", "amount": 0}), ANN))[-1]
    assert outcome.status == "failed" and "did not accept" in outcome.message, outcome.message
    for run in app.client.runs.list(view.thread_id, limit=100):  # the server settles the thread after the stream ends
        app.client.runs.join(view.thread_id, run["run_id"])
    assert app.client.threads.get(view.thread_id)["status"] == "error"  # what the server says of it
    return view


def test_a_refused_typed_answer_is_listed_as_waiting_not_failed(langgraph_server, tmp_path, monkeypatch):
    app = _open(langgraph_server, tmp_path)
    try:
        view = _refused(app)
        other = _start(app).thread_id
        assert app.thread(view.thread_id).status == "waiting"  # as its page says
        fetched = []
        real = app.client.threads.get_state
        monkeypatch.setattr(app.client.threads, "get_state", lambda *a, **k: fetched.append(a) or real(*a, **k))
        waiting = app.inbox(InboxQuery(page_size=50))
        assert fetched == [], "a page of the inbox fetched thread states one by one"
        rows = waiting.rows.set_index("thread_id")
        assert set(rows.index) == {view.thread_id, other} and waiting.total == 2
        assert rows.loc[view.thread_id, "kind of pause"] == "asks a question"
        assert "did not accept the last answer" in rows.loc[view.thread_id, "preview"]
        assert list(waiting.rows["thread_id"]) == [view.thread_id, other]  # the longest waiting first
        one = app.inbox(InboxQuery(workflows=("refund_decision",), page_size=1))
        assert list(one.rows["thread_id"]) == [view.thread_id] and one.total == 1
        failed = app.inbox(InboxQuery(status="failed"))
        assert failed.total == 0 and failed.rows.empty  # not under "Stopped with an error" as well
        counts = app.counts().set_index(["workflow", "status"])["threads"].to_dict()
        assert counts.get(("refund_decision", "waiting")) == 1 and ("refund_decision", "failed") not in counts
        assert app.next_thread(InboxQuery(workflows=("refund_decision",)), None) == view.thread_id
    finally:
        app.close()


def test_a_run_that_failed_otherwise_stays_failed(langgraph_server, tmp_path):
    app = _open(langgraph_server, tmp_path)
    try:
        view = _start(app, "fails_after_answer", {"draft": "Poster"})
        list(app.decide(DecisionRequest(view.thread_id, view.checkpoint_id, view.interrupts[0].id, "approve"), ANN))
        assert app.inbox(InboxQuery()).total == 0
        assert list(app.inbox(InboxQuery(status="failed")).rows["thread_id"]) == [view.thread_id]
    finally:
        app.close()


# ---- the Activity page's backlog and ages --------------------------------------------------------


def test_activity_counts_the_servers_waiting_threads_by_age_and_day(langgraph_server, tmp_path, monkeypatch):
    app = _open(langgraph_server, tmp_path)
    try:
        answered = _start(app)
        assert list(app.decide(DecisionRequest(answered.thread_id, answered.checkpoint_id, answered.interrupts[0].id,
                                               "approve"), ANN))[-1].status == "applied"
        waiting = [_start(app).thread_id, _refused(app).thread_id]
        fetched = []
        real = app.client.threads.get_state
        monkeypatch.setattr(app.client.threads, "get_state", lambda *a, **k: fetched.append(a) or real(*a, **k))
        today = dt.datetime.now(dt.timezone.utc).date()
        query = ActivityQuery(start=today - dt.timedelta(days=2), end=today + dt.timedelta(days=1))
        now = time.time() + 2 * HOUR  # both paused within the last minutes: "1–4 h" two hours on
        read = server_insight.read(app, query, Scope(everyone=True), now)
        assert fetched == [], "the Activity page fetched thread states one by one"
        assert read.waiting_now == len(waiting)
        assert dict(zip(read.ages["age"], read.ages["threads"])) == {
            "Under 1 h": 0, "1–4 h": 2, "4–24 h": 0, "1–3 days": 0, "3–7 days": 0, "Over 7 days": 0}
        backlog = dict(zip(read.backlog["day"], read.backlog["waiting"]))
        assert backlog[today - dt.timedelta(days=1)] == 0 and backlog[today] == 2  # the answered one ended today
        assert read.decisions == 2  # the approval and the refused answer, from the console's own log
        only = server_insight.read(app, ActivityQuery(start=today, end=today, workflows=("refund_decision",)),
                                   Scope(everyone=True), now)
        assert only.waiting_now == 1 and int(only.backlog["waiting"].iloc[-1]) == 1
        assert app.activity(query, Scope(everyone=True)).waiting_now == 2  # the page's own call
    finally:
        app.close()


# ---- the console's own database, opened as locally ------------------------------------------------------


def test_a_start_waits_for_another_consoles_long_write_instead_of_failing(langgraph_server, tmp_path, caplog):
    _open(langgraph_server, tmp_path).close()  # an existing database, as a second replica meets it
    caplog.set_level(logging.INFO, logger="review_console")
    opens_past_a_long_write(tmp_path / "console.db", lambda: _open(langgraph_server, tmp_path, busy_timeout_s=0.1)).close()


def test_a_damaged_database_is_a_sentence_at_start(langgraph_server, tmp_path):
    """The quick check at start, as locally (tests/test_opening_check.py damages a file the same way)."""
    from console.errors import DatabaseUnavailable
    app = _open(langgraph_server, tmp_path)
    try:
        for _ in range(3):
            _start(app)
    finally:
        app.close()
    path = tmp_path / "console.db"
    with sqlite3.connect(path) as db:  # everything into the main file, so damaging it damages the data
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[4096:] = b"\x99" * (len(data) - 4096)  # a good header and schema page, damaged pages after them
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseUnavailable, match="damaged.*Restore it from a backup"):
        _open(langgraph_server, tmp_path)
