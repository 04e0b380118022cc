"""Deadlines in the browser: the inbox's due column, and a deadline default racing a person's click.

Local store only: no deadline is applied to a LangGraph Server's threads yet."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.e2e.conftest import ROOT, running_app

pytestmark = pytest.mark.e2e

POLICY = """
[[deadline]]
workflows = ["content_approval"]
due_hours = 4
default = { action = "reject", reason = "No reviewer answered within 4 hours." }
[[deadline]]
workflows = ["two_stage_review"]
due_hours = 0
[[deadline]]
workflows = ["gated_publication"]
due_hours = 2
"""


@pytest.fixture(scope="module")
def deadline_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e-deadlines")
    (folder / "policy.toml").write_text(POLICY)
    # The server's own timer never fires during the test: the race's timer pass is the worker's.
    env = {"REVIEW_CONSOLE_POLICY": str(folder / "policy.toml"), "REVIEW_CONSOLE_DEADLINE_CHECK": "1000000000"}
    with running_app(folder, env_extra=env) as app:
        app.policy = str(folder / "policy.toml")
        yield app


@pytest.fixture
def reviewer_on(page, deadline_server):
    from tests.e2e.conftest import Reviewer
    return Reviewer(page, deadline_server)


def test_inbox_shows_due_and_overdue_first(reviewer_on):
    reviewer_on.goto("/")
    table = reviewer_on.main().get_by_test_id("stDataFrame").first
    rows = reviewer_on.grid_rows(table)
    assert rows[0][0] == "Two-stage review" and "overdue" in rows[0]  # overdue first, whatever the sort
    reviewer_on.see("waiting ·")
    shot = reviewer_on.screenshot("deadlines-inbox")
    (ROOT / "docs" / "screenshots").mkdir(parents=True, exist_ok=True)
    (ROOT / "docs" / "screenshots" / "deadlines-inbox.png").write_bytes(shot.read_bytes())


def test_a_deadline_default_racing_a_click_applies_once_and_the_page_says_which(reviewer_on, deadline_server):
    from tests.e2e.test_journeys import open_thread

    open_thread(reviewer_on, "e2e-approve", "Content approval")
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "deadline_worker.py"), str(deadline_server.db_path), deadline_server.policy,
         str(time.time() + 5 * 3600)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert worker.stdout.readline().strip() == "ready"
        button = reviewer_on.button("Approve")
        reviewer_on.expect(button).to_be_enabled()
        worker.stdin.write("go\n")  # the timer pass and the click, released together
        worker.stdin.flush()
        button.click()
        report = json.loads(worker.stdout.readline())
    finally:
        worker.wait(60)
    person_won = reviewer_on.main().get_by_text("Done. The workflow finished (published).", exact=True)
    console_won = reviewer_on.main().get_by_text("by the console (deadline passed)", exact=False)
    reviewer_on.show(person_won.or_(console_won).first)
    with sqlite3.connect(deadline_server.db_path) as conn:
        rows = conn.execute("SELECT reviewer, outcome FROM rc_decisions WHERE thread_id = 'e2e-approve' "
                            "AND reviewer != 'Seeder' ORDER BY id").fetchall()
    applied = [r for r, o in rows if o == "applied"]
    assert len(applied) == 1, rows
    if applied[0] == "Ann":
        reviewer_on.expect(person_won).to_be_visible()
    else:
        assert applied == ["the console (deadline passed)"] and report["applied"] >= 1  # (every overdue content thread)
        reviewer_on.expect(console_won.first).to_be_visible()
        reviewer_on.see("Your decision was not applied")
    print(f"\n[deadline race, browser] tried {len(rows)}, applied {len(applied)}, refused "
          f"{sum(o == 'refused' for _, o in rows)}; won by {applied[0]}")
    reviewer_on.no_exception()
