"""The Activity page's figures against a small decision log and index whose numbers were worked out by hand, on both stores."""

from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
import pytest

from console import insight
from console.decisions import Reviewer
from console.insight import ActivityQuery, Scope
from tests.conftest import raw_connect

# Day 0 of the fixture is three UTC days before today, so the page's default range (the last 30 days) holds it.
TODAY = dt.datetime.now(dt.timezone.utc).date()
D0 = TODAY - dt.timedelta(days=3)
A, B = "content_approval", "gated_publication"  # demo workflows: the registry gives their titles
ADMIN = Scope("Ann", False, everyone=True)
ANN = Scope("Ann", False)  # a reviewer: her own figures by name, the rest as the team's


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(D0 + dt.timedelta(days=day), dt.time(hour, minute), dt.timezone.utc)


def uuid6_at(when: dt.datetime) -> str:
    """A LangGraph checkpoint id (UUID v6) saved half a second after `when` (langgraph's own layout)."""
    ticks = int(when.timestamp()) * 10**7 + 5 * 10**6 + 0x01B21DD213814000
    value = ((ticks >> 12) & 0xFFFFFFFFFFFF) << 80 | (0x6000 | ticks & 0x0FFF) << 64 | 0x8000 << 48 | 0x1234
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def iso(when: dt.datetime) -> str:
    return when.isoformat(timespec="milliseconds")


# (thread, workflow, paused at, decided at, reviewer, action, answer, outcome). Worked out by hand below.
DECISIONS = [
    ("t1", A, at(0, 9), at(0, 9, 10), "Ann", "approve", {"approved": True}, "applied"),  # 600 s
    ("t2", A, at(0, 10), at(0, 12), "Bob", "reject", {"approved": False, "reason": "Too long"}, "applied"),  # 7200 s
    ("t2", A, at(0, 10), at(0, 12, 5), "Ann", "approve", {"approved": True}, "refused"),  # too late: not applied
    ("t3", A, at(1, 8), at(1, 8, 30), "Ann", "reject", {"approved": False, "reason": "  Too long "}, "applied"),  # 1800 s
    ("t4", B, at(0, 23), at(1, 1), "Bob", "edit", {"draft": "x"}, "applied"),  # 7200 s
    ("t5", B, at(1, 9), at(2, 9), "Bob", "reject", {"decisions": [{"type": "reject", "message": "Wrong tone"}]},
     "applied"),  # 86400 s
]
WAITING = [("w1", A, at(2, 13)), ("w2", B, at(1, 20))]  # in the index now
NOW = at(3, 12).timestamp()  # w1 has waited 23 h, w2 40 h


def write_fixture(where) -> None:
    pg = str(where).startswith("postgresql:")
    p = "%s" if pg else "?"
    with raw_connect(where) as conn:
        # Starts are not decisions: never counted.
        rows = [("t1", A, None, at(0, 8), "Ann", "start", None, "applied")] + DECISIONS
        for thread, workflow, paused, decided, who, action, answer, outcome in rows:
            conn.execute(
                "INSERT INTO rc_decisions(decided_at, reviewer, reviewer_verified, thread_id, workflow, checkpoint_id, "
                f"interrupt_id, action, answer, outcome, finished_at) VALUES ({', '.join([p] * 11)})",
                (iso(decided), who, 0, thread, workflow, uuid6_at(paused) if paused else "", "", action,
                 json.dumps(answer), outcome, iso(decided)))
        for thread, workflow, since in WAITING:
            conn.execute(f"INSERT INTO rc_threads(thread_id, workflow, status, waiting_since) VALUES ({p}, {p}, 'waiting', {p})",
                         (thread, workflow, since.timestamp()))


@pytest.fixture
def fixture_app(make_console, store):
    app = make_console(seed_demo=False)
    write_fixture(store)
    return app


def figures(app, scope=ADMIN, **query) -> insight.Activity:
    q = ActivityQuery(**{"start": D0, "end": D0 + dt.timedelta(days=3), **query})
    return insight.read(app.reader, q, scope, app.registry, now=NOW)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def test_uuid6_helper_matches_langgraph():
    from langgraph.checkpoint.base.id import UUID

    when = at(0, 9)
    assert UUID(uuid6_at(when)).version == 6
    assert (UUID(uuid6_at(when)).time - 0x01B21DD213814000) // 10**7 == int(when.timestamp())


def test_every_figure_matches_the_hand_count(fixture_app):
    f = figures(fixture_app)
    title = {w: fixture_app.registry[w].title for w in (A, B)}
    assert f.decisions == 6 and f.waiting_now == 2
    # End of day 0: t1, t2, t4 paused, t1 and t2 answered → 1. Day 1: + t3, t5, w2; − t4, t3 → 2.
    # Day 2: + w1; − t5 → 2. Day 3: nothing changes → 2.
    assert list(f.backlog["waiting"]) == [1, 2, 2, 2]
    assert list(f.backlog["day"]) == [day(0), day(1), day(2), day(3)]
    assert dict(zip(f.ages["age"], f.ages["threads"])) == {
        "Under 1 h": 0, "1–4 h": 0, "4–24 h": 1, "1–3 days": 1, "3–7 days": 0, "Over 7 days": 0}
    # Content approval: 600, 1800, 7200 s → median (rank 2) 1800, p90 (rank 3) 7200. Gated: 7200, 86400 → 7200, 86400.
    assert f.speed.to_dict("records") == [
        {"workflow": title[A], "decisions": 3, "median_s": 1800.0, "p90_s": 7200.0},
        {"workflow": title[B], "decisions": 2, "median_s": 7200.0, "p90_s": 86400.0},
    ] if title[A] < title[B] else list(reversed(f.speed.to_dict("records")))
    assert [tuple(r) for r in f.by_outcome.itertuples(index=False)] == [
        (day(0), "Approved", 1), (day(0), "Rejected", 1), (day(0), "Not applied", 1),
        (day(1), "Edited", 1), (day(1), "Rejected", 1), (day(2), "Rejected", 1)]
    assert [tuple(r) for r in f.by_reviewer.itertuples(index=False)] == [
        (day(0), "Ann (unverified)", 2), (day(0), "Bob (unverified)", 1),
        (day(1), "Ann (unverified)", 1), (day(1), "Bob (unverified)", 1), (day(2), "Bob (unverified)", 1)]
    assert f.reasons.to_dict("records") == [{"reason": "Too long", "decisions": 2}, {"reason": "Wrong tone", "decisions": 1}]


def test_a_reviewer_sees_her_own_figures_and_the_teams_totals(fixture_app):
    f = figures(fixture_app, scope=ANN)
    assert f.decisions == 6  # the team's total
    assert [tuple(r) for r in f.by_reviewer.itertuples(index=False)] == [
        (day(0), "Ann (unverified)", 2), (day(0), "Everyone else", 1),
        (day(1), "Ann (unverified)", 1), (day(1), "Everyone else", 1), (day(2), "Everyone else", 1)]
    assert f.reasons.to_dict("records") == [{"reason": "Too long", "decisions": 1}]  # her own words only
    # Only an administrator picks another reviewer: Bob's figures are not hers to see.
    assert figures(fixture_app, scope=ANN, reviewer=("Bob", False)).decisions == 0
    assert figures(fixture_app, scope=ANN, reviewer=("Ann", False)).decisions == 3
    nobody = figures(fixture_app, scope=Scope())  # no name typed: the team's totals, no one by name
    assert set(nobody.by_reviewer["reviewer"]) == {"Everyone else"} and nobody.reasons.empty


def test_an_administrator_of_one_workflow_sees_its_reviewers(fixture_app):
    f = figures(fixture_app, scope=Scope("Ann", False, admin_of=(B,)))
    assert [tuple(r) for r in f.by_reviewer.itertuples(index=False)] == [
        (day(0), "Ann (unverified)", 2), (day(0), "Everyone else", 1),  # t2's reviewer is on workflow A
        (day(1), "Ann (unverified)", 1), (day(1), "Bob (unverified)", 1), (day(2), "Bob (unverified)", 1)]


def test_scope_follows_the_policy(make_console, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('default_role = "viewer"\n'
                      '[[grant]]\nwho = ["boss@example.com"]\nrole = "admin"\n'
                      '[[grant]]\nwho = ["lead@example.com"]\nworkflows = ["gated_publication"]\nrole = "admin"\n'
                      '[[grant]]\nwho = ["ed@example.com"]\nrole = "reviewer"\n')
    app = make_console(seed_demo=False, policy_path=str(policy), auth_mode="oidc")

    def signed_in(email):
        return Reviewer(email, verified=True, email=email)
    assert insight.scope_for(app, signed_in("boss@example.com")) == Scope("boss@example.com", True, everyone=True)
    assert insight.scope_for(app, signed_in("lead@example.com")) == Scope("lead@example.com", True,
                                                                          admin_of=("gated_publication",))
    assert insight.scope_for(app, signed_in("ed@example.com")) == Scope("ed@example.com", True)
    assert insight.scope_for(app, None) == Scope()


def test_filters(fixture_app):
    only_a = figures(fixture_app, workflows=(A,))
    assert list(only_a.backlog["waiting"]) == [0, 0, 1, 1]  # t1, t2, t3 answered the day they paused; w1 waits
    assert only_a.decisions == 4 and list(only_a.speed["decisions"]) == [3]
    assert only_a.waiting_now == 1
    bob = figures(fixture_app, reviewer=("Bob", False))
    assert bob.decisions == 3
    assert sorted(map(tuple, bob.speed[["decisions", "median_s", "p90_s"]].itertuples(index=False))) == [
        (1, 7200.0, 7200.0), (2, 7200.0, 86400.0)]
    one_day = figures(fixture_app, end=D0 + dt.timedelta(days=1), start=D0 + dt.timedelta(days=1))
    assert one_day.decisions == 2 and list(one_day.backlog["waiting"]) == [2]
    assert set(one_day.by_outcome["outcome"]) == {"Edited", "Rejected"}


def test_choices_name_workflows_by_title(fixture_app):
    titles, reviewers = insight.choices(fixture_app.reader, ADMIN, fixture_app.registry)
    assert titles[fixture_app.registry[A].title] == A and A not in titles
    assert reviewers == [("Ann", False), ("Bob", False)]
    assert insight.choices(fixture_app.reader, ANN, fixture_app.registry)[1] == [("Ann", False)]


def test_an_empty_log_is_empty(make_console):
    app = make_console(seed_demo=False)
    f = figures(app)
    assert f.empty and f.decisions == 0 and list(f.backlog["waiting"]) == [0, 0, 0, 0]


def test_each_csv_holds_the_charts_numbers(fixture_app):
    from ui import charts
    from ui.render import csv_bytes

    f = figures(fixture_app)
    read = {name: pd.read_csv(io.BytesIO(csv_bytes(charts.csv_of(name, f))))
            for name in ("backlog", "ages", "speed", "by_outcome", "by_reviewer", "reasons")}
    assert list(read["backlog"]["waiting"]) == [1, 2, 2, 2]
    assert list(read["ages"]["threads"]) == [0, 0, 1, 1, 0, 0]
    speed = read["speed"].set_index("workflow")
    assert speed.loc[fixture_app.registry[B].title, "p90_seconds"] == 86400
    assert speed.loc[fixture_app.registry[B].title, "p90_hours"] == 24.0  # the chart's unit: under 3 days, hours
    assert list(read["by_outcome"]["decisions"]) == [1, 1, 1, 1, 1, 1]
    assert list(read["by_reviewer"]["reviewer"])[:2] == ["Ann (unverified)", "Bob (unverified)"]
    assert read["reasons"].to_dict("records") == [{"reason": "Too long", "decisions": 2},
                                                 {"reason": "Wrong tone", "decisions": 1}]


def test_real_decisions_are_counted_and_an_older_log_is_backfilled(make_console, store):
    from tests.conftest import answer

    app = make_console(seed_demo=True)
    assert answer(app, "demo-0001", "approve").status == "applied"
    assert answer(app, "demo-0002", "reject", reason="Off topic").status == "applied"
    today = ActivityQuery(start=TODAY, end=TODAY)
    f = insight.read(app.reader, today, ADMIN, app.registry)
    assert f.by_outcome.groupby("outcome")["decisions"].sum().to_dict() == {"Approved": 1, "Rejected": 1}
    assert f.reasons.to_dict("records") == [{"reason": "Off topic", "decisions": 1}]
    assert list(f.speed["decisions"]) == [2]  # paused at the demo's seeding, answered now: a known pause time
    app.close()
    with raw_connect(store) as conn:  # a log written by a console from before the facts table
        conn.execute("DROP TABLE rc_decision_facts")
    again = make_console(seed_demo=False)
    assert insight.read(again.reader, today, ADMIN, again.registry).by_outcome.equals(f.by_outcome)


def test_answers_sent_together_end_one_pause(make_console, store):
    """Two interrupts of one checkpoint answered in one resume: two decisions, one pause in the backlog,
    whether they finish in one statement (PostgreSQL fires the row triggers at its end) or the later one first."""
    app = make_console(seed_demo=False)
    p = "%s" if store.startswith("postgresql:") else "?"
    with raw_connect(store) as conn:
        for thread in ("t9", "t10"):
            for interrupt in ("i1", "i2"):
                conn.execute(
                    "INSERT INTO rc_decisions(decided_at, reviewer, reviewer_verified, thread_id, workflow, checkpoint_id, "
                    f"interrupt_id, action, answer, outcome) VALUES ({', '.join([p] * 10)})",
                    (iso(at(1, 10)), "Ann", 0, thread, A, uuid6_at(at(0, 20)), interrupt, "approve", "{}", "pending"))
        conn.execute("UPDATE rc_decisions SET outcome = 'applied' WHERE thread_id = 't9'")
        conn.execute("UPDATE rc_decisions SET outcome = 'applied' WHERE thread_id = 't10' AND interrupt_id = 'i2'")
        conn.execute("UPDATE rc_decisions SET outcome = 'applied' WHERE thread_id = 't10' AND interrupt_id = 'i1'")
    f = figures(app, end=D0 + dt.timedelta(days=1))
    assert list(f.backlog["waiting"]) == [2, 0]  # two pauses, not four, at the end of day 0
    assert list(f.speed["decisions"]) == [4] and list(f.speed["median_s"]) == [14 * 3600]
