"""Deadlines in the browser: the inbox's due column, and a deadline default racing a person's click.

On both backends: the local store, and a LangGraph Server's threads (console/server/deadlines.py), where this module's
own threads carry a metadata scope of their own, so that the race's default (every overdue content thread in the
console's scope) touches no other journey's thread on the shared server."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.e2e.conftest import ROOT, running_app, server_mode_app

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


# Server mode: the threads of this module alone (the console's REVIEW_CONSOLE_SERVER_METADATA), one per rule. The
# overdue one (two-stage, due at once) is written last: it waits least, so only the deadline order lists it first.
SCOPE = '{"e2e": "deadlines"}'
SERVER_THREADS = {
    "e2e-approve": ("content_approval", {"topic": "the deadline race"}),
    "e2e-gate": ("gated_publication", {"topic": "the deadline's gate thread"}),
    "e2e-two-stage": ("two_stage_review", {"topic": "the deadline's two-stage thread"}),
}


def _server_threads(url: str) -> dict[str, str]:
    """local id → server thread id, each run up to its first pause, in this module's scope."""
    from console.server.client import connect
    from tests.e2e.server_mode import _run

    client = connect(url)
    try:
        return {local: _run(client, graph, json.loads(SCOPE), input=inputs)
                for local, (graph, inputs) in SERVER_THREADS.items()}
    finally:
        client.close()


@pytest.fixture(scope="module", params=["local", "server"])
def deadline_server(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"e2e-deadlines-{request.param}")
    (folder / "policy.toml").write_text(POLICY)
    # The app's own timer never fires during the test: the race's timer pass is the worker's.
    env = {"REVIEW_CONSOLE_POLICY": str(folder / "policy.toml"), "REVIEW_CONSOLE_DEADLINE_CHECK": "1000000000"}
    if request.param == "local":
        opened = running_app(folder, env_extra=env)
    else:
        url = request.getfixturevalue("langgraph_server")
        opened = server_mode_app(folder, (url, _server_threads(url), []),
                                 env_extra={**env, "REVIEW_CONSOLE_SERVER_METADATA": SCOPE})
    with opened as app:
        app.policy = str(folder / "policy.toml")
        # The worker's console: the same store (server mode: the console's own database, and the server, in scope).
        app.worker_args = [str(app.db_path), app.policy] + ([] if app.backend == "local" else [url, SCOPE])
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
    if reviewer_on.server.backend != "local":
        return  # the README's picture is the local one
    (ROOT / "docs" / "screenshots").mkdir(parents=True, exist_ok=True)
    (ROOT / "docs" / "screenshots" / "deadlines-inbox.png").write_bytes(shot.read_bytes())


def test_a_deadline_default_racing_a_click_applies_once_and_the_page_says_which(reviewer_on, deadline_server):
    from tests.e2e.test_journeys import open_thread

    thread_id = deadline_server.id("e2e-approve")
    open_thread(reviewer_on, thread_id, "Content approval")
    # A second console process whose one timer pass runs as at five hours on: past the content rule's four.
    args = [*deadline_server.worker_args[:2], str(time.time() + 5 * 3600), *deadline_server.worker_args[2:]]
    worker = subprocess.Popen([sys.executable, str(ROOT / "tests" / "deadline_worker.py"), *args],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
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
        rows = conn.execute("SELECT reviewer, outcome FROM rc_decisions WHERE thread_id = ? "
                            "AND reviewer != 'Seeder' AND action != 'start' ORDER BY id", (thread_id,)).fetchall()
    applied = [r for r, o in rows if o == "applied"]
    assert len(applied) == 1, rows
    if applied[0] == "Ann":
        reviewer_on.expect(person_won).to_be_visible()
    else:
        assert applied == ["the console (deadline passed)"] and report["applied"] >= 1  # (every overdue content thread)
        reviewer_on.expect(console_won.first).to_be_visible()
        reviewer_on.see("Your decision was not applied")
    print(f"\n[deadline race, browser, {deadline_server.backend}] tried {len(rows)}, applied {len(applied)}, refused "
          f"{sum(o == 'refused' for _, o in rows)}; won by {applied[0]}")
    reviewer_on.no_exception()
