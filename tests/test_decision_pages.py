"""Issue #4 on the thread page: a stale click says who and where, with Reload; huge payloads stay usable."""

import json

import pytest

from console.decisions import DecisionRequest
from console.service import Console
from tests.conftest import BOB, settings_for
from tests.test_pages import open_thread, submit, texts
from ui import keys


def test_a_click_on_what_someone_else_already_answered_is_refused_with_reload(app, db_path):
    at = open_thread(app, "demo-0001")  # Ann opens the thread …
    other = Console(settings_for(str(db_path), seed_demo=False, offline_token_delay=0))
    try:  # … Bob, in another console process, approves it first
        view = other.thread("demo-0001")
        list(other.decide(DecisionRequest(view.thread_id, view.checkpoint_id, view.interrupts[0].id, "approve"), BOB))
    finally:
        other.close()
    at = submit(at, "Approve")
    assert not at.exception
    shown = texts(at)
    assert "already answered by Bob" in shown and "Your decision was not applied" in shown and "has finished" in shown
    reload = next(b for b in at.button if b.label == "Reload")
    at = reload.click().run()
    assert "Finished" in texts(at) and "not applied" not in texts(at)
    log = list(next(d.value for d in at.dataframe if "outcome" in d.value.columns)["outcome"])
    assert sorted(log) == ["applied", "refused"]


def test_a_payload_of_several_megabytes_is_cut_with_a_way_to_see_all(app, db_path, monkeypatch):
    monkeypatch.setenv("REVIEW_CONSOLE_WORKFLOWS", "tests.flows:ODD")
    setup = Console(settings_for(str(db_path), seed_demo=True, extra_workflows=("tests.flows:ODD",), offline_token_delay=0))
    try:
        list(setup.start("odd", json.dumps({"draft": ""}), BOB, thread_id="odd"))
    finally:
        setup.close()
    at = open_thread(app, "odd")
    assert not at.exception
    assert "Look at this." in texts(at) and "Large value" in texts(at)
    assert max(len(c.value) for c in at.code) < 100_000  # the page is not sent megabytes
    assert any(t.label == "Show all of it" for t in at.toggle)
    assert "Send answer" in [b.label for b in at.button]
    assert keys.THREAD_ID in at.query_params


@pytest.mark.sqlite_only  # plants the crash's leftovers with sqlite3
def test_a_thread_left_half_way_by_a_crash_warns_before_continuing(app, db_path, monkeypatch, tmp_path):
    import sqlite3

    monkeypatch.setenv("REVIEW_CONSOLE_WORKFLOWS", "tests.flows:COUNTED")
    setup = Console(settings_for(str(db_path), seed_demo=True, extra_workflows=("tests.flows:COUNTED",), offline_token_delay=0))
    try:
        list(setup.start("counted", json.dumps({"draft": "x", "effects": str(tmp_path / "e.txt")}), BOB, thread_id="half"))
        view = setup.thread("half")
        graph = setup.graphs["counted"]
        config = {"configurable": {"thread_id": "half"}}
        from langgraph.types import Command
        # What a console killed inside `effect` leaves: `ask` done and saved, `effect` next, a pending log row.
        setup.bridge.run(graph.ainvoke(Command(resume={view.interrupts[0].id: {"approved": True}}), config,
                                       interrupt_before=["effect"], durability="sync"))
    finally:
        setup.close()
    db = sqlite3.connect(db_path)
    with db:
        db.execute("INSERT INTO rc_decisions(decided_at, reviewer, thread_id, workflow, checkpoint_id, interrupt_id, action, "
                   "outcome, owner) VALUES ('2026-01-01T00:00:00', 'Bob', 'half', 'counted', ?, ?, 'approve', 'pending', "
                   "'gone-host:1:dead')", (view.checkpoint_id, view.interrupts[0].id))
    at = open_thread(app, "half")  # opening the console recovers the dead console's decision
    assert not at.exception
    assert "The console stopped while applying a decision by Bob (unverified)" in texts(at) and "may have partly run" in texts(at)
    assert "Continue" in [b.label for b in at.button]


def test_a_very_large_thread_opens_only_when_asked(app, monkeypatch):
    """Decoding a huge checkpoint costs seconds and gigabytes: the page asks first, then shows it all."""
    monkeypatch.setenv("REVIEW_CONSOLE_LARGE_THREAD_MB", "0.0001")  # every demo thread counts as large (100 bytes)
    at = open_thread(app, "demo-0001")
    assert not at.exception
    assert "MB of saved data" in texts(at) and "Please review this post" not in texts(at)
    assert "the new reviewer console" in texts(at)  # the preview, from the index
    next(b for b in at.button if b.label == "Load the whole thread").click().run()
    assert not at.exception and "Please review this post before it is published." in texts(at)


@pytest.mark.sqlite_only  # SQLite's busy timeout cuts the run; PostgreSQL's saver waits for the lock instead
def test_a_step_that_ran_before_a_lock_is_not_offered_again(app, db_path, monkeypatch, tmp_path):
    from tests.test_decision_faults import OtherWriter, lock_before_final_checkpoint
    from tests.test_decisions import effects

    monkeypatch.setenv("REVIEW_CONSOLE_WORKFLOWS", "tests.flows:COUNTED")
    setup = Console(settings_for(str(db_path), seed_demo=True, extra_workflows=("tests.flows:COUNTED",), offline_token_delay=0))
    writer = OtherWriter(db_path)
    try:
        list(setup.start("counted", json.dumps({"draft": "x", "effects": str(tmp_path / "e.txt")}), BOB, thread_id="locked"))
        view = setup.thread("locked")
        lock_before_final_checkpoint(monkeypatch, setup.saver, writer, step=2)  # after `effect` ran
        list(setup.decide(DecisionRequest("locked", view.checkpoint_id, view.interrupts[0].id, "approve"), BOB))
        writer.release()
        setup.bridge.run(setup.recovery.recover_orphans())
    finally:
        writer.close()
        setup.close()
    at = open_thread(app, "locked")
    assert not at.exception
    shown = texts(at)
    assert "locked by another program while a decision by Bob (unverified)" in shown and "ran to its end" in shown
    assert "The console stopped" not in shown
    assert "Continue" not in [b.label for b in at.button]  # no second run of a step that finished
    assert effects(tmp_path / "e.txt") == ["approved"]
