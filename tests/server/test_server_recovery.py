"""A pending log row left by a crashed server-mode console does not block its thread: the next console settles it
from what the LangGraph Server says (still waiting: not applied; moved on: unknown), never by running anything."""

from __future__ import annotations

import sqlite3

import pytest

from console.decisions import DecisionRequest, Reviewer
from console.server.claims import claim
from console.server.service import ServerConsole
from console.settings import Settings

ANN = Reviewer("Ann")


@pytest.fixture
def crashed(langgraph_server, tmp_path):
    """A thread waiting on the server, and a pending decision on it whose console is gone (another host, no beat)."""
    app = ServerConsole(Settings(server_url=langgraph_server, db_path=tmp_path / "console.db"))
    app.recovery.stop()  # its passes are made by the test itself, in order
    outcome = list(app.start("content_approval", {"topic": "a crash"}, ANN))[-1]
    view = outcome.view
    record = {"reviewer": "Zoe", "reviewer_verified": False, "thread_id": view.thread_id, "workflow": view.workflow,
              "checkpoint_id": view.checkpoint_id, "interrupt_id": view.interrupts[0].id, "action": "approve"}
    decision_id = app.store_call(claim(app.store, record)).decision_id
    with sqlite3.connect(tmp_path / "console.db") as db:
        db.execute("UPDATE rc_decisions SET owner = 'gone-host:1:dead' WHERE id = ?", (decision_id,))
    yield app, view, decision_id
    app.close()


def _outcome(app, decision_id):
    return next(d for d in app.store_call(app.store.decisions(None)) if d["id"] == decision_id)


def test_a_crashed_consoles_pending_row_is_settled_and_the_thread_answered_again(crashed):
    app, view, decision_id = crashed
    request = DecisionRequest(view.thread_id, view.checkpoint_id, view.interrupts[0].id, "approve", {})
    blocked = list(app.decide(request, ANN))[-1]
    assert blocked.status == "refused" and "not applied" in blocked.message  # the dead console's claim holds
    app.recovery.recover_orphans()
    settled = _outcome(app, decision_id)
    assert settled["outcome"] == "not applied" and "can be answered again" in settled["detail"]
    assert list(app.decide(request, ANN))[-1].status == "applied"
    assert app.stopped_run(app.thread(view.thread_id)) is None  # settled "not applied", then answered: no warning


def test_a_thread_that_moved_on_meanwhile_gets_an_unknown_outcome(crashed):
    app, view, decision_id = crashed
    from console import formats
    pending = view.interrupts[0]
    app.client.runs.wait(view.thread_id, view.workflow, checkpoint_id=view.checkpoint_id,
                         command={"resume": {pending.id: formats.build_answer(pending.value, "approve", {})}})
    app.recovery.recover_orphans()
    settled = _outcome(app, decision_id)
    assert settled["outcome"] == "unknown" and "cannot tell" in settled["detail"]
    # The thread page warns (views/thread.py draws stopped_run's sentence), naming the reviewer as the log has them.
    warning = app.stopped_run(app.thread(view.thread_id))
    assert warning is not None and "Zoe (unverified)" in warning.sentence and "cannot tell" in warning.sentence
    assert app.stopped_run(view) is not None  # whatever view the page holds: the log decides
    assert "applied" not in [d["outcome"] for d in app.store_call(app.store.decisions(view.thread_id))
                             if d["action"] != "start"]
