"""Every edit's field-level diff is kept in the decision log (both stores, and a version-1 database
upgraded), and shown in plain words on the thread page, in Activity and in the CSV export."""

from __future__ import annotations

import io
import json

import pandas as pd

from console.store.records import SCHEMA_VERSION
from tests.conftest import answer
from tests.test_formats_pages import click, confirm, radios, widget
from tests.test_pages import choose, fill, open_activity_tables, open_thread, submit, texts
from tests.test_store import autocommit
from ui import keys
from ui.render import csv_bytes


def _inputs(console_, thread_id: str, action: str) -> dict:
    """The edit form's own values (what the reviewer sees before changing anything)."""
    request = console_.thread(thread_id).interrupts[0].request
    return {f.name: f.default for f in request.action(action).fields}


def _logged(console_, thread_id: str) -> list[dict]:
    return [d for d in console_.bridge.run(console_.store.decisions(thread_id)) if d["action"] != "start"]


def test_the_log_keeps_each_edit_field_by_field(demo):
    inputs = _inputs(demo, "demo-0007", "edit")
    to_field = next(n for n in inputs if n.endswith("to"))
    subject = next(n for n in inputs if n.endswith("subject"))
    inputs.update({to_field: "team@example.org\nann@example.org", subject: "Spring hours"})
    assert answer(demo, "demo-0007", "edit", **inputs).status == "applied"
    row = _logged(demo, "demo-0007")[0]
    changes = {c["field"]: c for c in json.loads(row["changes"])}
    assert set(changes) == {"To", "Subject"}
    assert changes["To"]["added"] == ["ann@example.org"]
    assert changes["Subject"]["before"] == "The team about the spring opening hours"
    assert changes["Subject"]["after"] == "Spring hours"
    shown = demo.decision_log("demo-0007")["what changed"][0]
    assert shown == "To: added “ann@example.org”; Subject: “The team about the spring opening hours” → “Spring hours”"
    # The CSV export (the pages' download button) carries both: the words and the JSON.
    exported = pd.read_csv(io.BytesIO(csv_bytes(demo.decision_log())))
    assert list(exported["what changed"]) == [shown]
    assert [c["field"] for c in json.loads(exported["changes"][0])] == ["To", "Subject"]


def test_a_text_edit_keeps_its_changed_lines_and_a_plain_approve_keeps_none(demo):
    before = demo.thread("demo-0002").interrupts[0].request.draft
    edited = before.splitlines()
    edited[0] = "Open 9 to 5, every day."
    edited = "\n".join(edited + ["Welcome!"])
    assert answer(demo, "demo-0002", "edit", draft=edited).status == "applied"
    assert answer(demo, "demo-0001", "approve").status == "applied"
    (change,) = json.loads(_logged(demo, "demo-0002")[0]["changes"])
    assert change["kind"] == "text"
    assert {"op": "added", "text": "Open 9 to 5, every day."} in change["lines"]
    assert {"op": "added", "text": "Welcome!"} in change["lines"]
    assert {"op": "removed", "text": before.splitlines()[0]} in change["lines"]
    assert _logged(demo, "demo-0001")[0]["changes"] is None  # no edit, no diff
    words = demo.decision_log("demo-0002")["what changed"][0]
    assert "added “Open 9 to 5, every day.”" in words and "added “Welcome!”" in words and "removed “" in words


def test_a_state_edit_keeps_its_diff(demo):
    assert answer(demo, "demo-0003", "continue").status == "applied"
    view = demo.thread("demo-0003")
    draft = view.values["draft"]
    assert answer(demo, "demo-0003", "edit_state", draft=draft + "\nSigned, the editor.").status == "applied"
    row = next(d for d in _logged(demo, "demo-0003") if d["action"] == "edit_state")
    (change,) = json.loads(row["changes"])
    assert change["field"] == "draft" and {"op": "added", "text": "Signed, the editor."} in change["lines"]


def test_a_version_1_database_gains_the_column_and_keeps_its_rows(make_console, db_path):
    """A console of schema version 1 made the tables: the next one adds `changes`, old rows read as no edit."""
    first = make_console(seed_demo=True)
    assert answer(first, "demo-0001", "approve").status == "applied"
    first.close()
    with autocommit(db_path) as conn:  # back to what a version-1 console left
        conn.execute("ALTER TABLE rc_decisions DROP COLUMN changes")
        conn.execute("UPDATE rc_meta SET value = '1' WHERE key = 'schema_version'")
        conn.execute("INSERT INTO rc_decisions(decided_at, reviewer, thread_id, action, outcome) "
                     "VALUES ('2024-01-01T00:00:00', 'Old', 'old-thread', 'approve', 'refused')")
    second = make_console(seed_demo=True)
    with autocommit(db_path) as conn:
        version = conn.execute("SELECT value FROM rc_meta WHERE key = 'schema_version'").fetchone()[0]
    assert int(version) == SCHEMA_VERSION == 2
    old = second.decision_log()
    assert set(old["reviewer"]) >= {"Ann (unverified)", "Old (unverified)"} and set(old["what changed"]) == {""}
    inputs = _inputs(second, "demo-0007", "edit")
    subject = next(n for n in inputs if n.endswith("subject"))
    assert answer(second, "demo-0007", "edit", **{**inputs, subject: "Hours"}).status == "applied"
    assert "→ “Hours”" in second.decision_log("demo-0007")["what changed"][0]


def _table(at, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_the_thread_page_activity_and_csv_show_the_diff(app):
    at = open_thread(app, "demo-0007")
    at = radios(at, "Your decision")[0].set_value("Edit").run()
    widget(at, "Subject").input("Opening hours")
    widget(at, "Priority").set_value(1)
    at = confirm(submit(at, "Send the edited action"))
    assert not at.exception and "finished (done)" in texts(at)
    log = _table(at, "what changed")
    said = "Subject: “The team about the spring opening hours” → “Opening hours”; Priority: 2 → 1"
    assert list(log["what changed"]) == [said]
    # Plain columns only: the raw JSON (answer, changes) and internal ids are for the CSV, not the page.
    assert list(log.columns) == ["when (UTC)", "reviewer", "workflow", "thread_id", "action", "what changed", "outcome",
                                 "detail"]
    assert "What each edit changed" in texts(at) and "Subject: “The team about the spring opening hours” → “Opening hours”" in texts(at)
    at = open_activity_tables(at)
    assert not at.exception and list(_table(at, "what changed")["what changed"]) == [said]


def test_a_text_edit_shows_its_lines_on_the_thread_page(app):
    at = open_thread(app, "demo-0002")
    at = choose(at, "Edit")
    fill(at, "Edited draft", "Open 9 to 5, every day.")
    at = submit(at, "Approve edited version")
    at = submit(at, "Confirm and send")
    assert not at.exception and "finished (published)" in texts(at)
    diffs = [c.value for c in at.code if "+ Open 9 to 5, every day." in c.value]
    assert diffs, "the text diff is not shown line by line under the decisions"
    assert "added “Open 9 to 5, every day.”" in _table(at, "what changed")["what changed"][0]
