"""The Activity page's figures: backlog, ages, time to decision, decisions per day, rejection reasons, aggregated in SQL.

Every figure is a GROUP BY in the database (percentiles by a window function),
so the page reads a few hundred rows whatever the size of the log. They read
rc_decision_facts, a narrow copy of the log kept by triggers, whose times are
whole seconds decoded once per decision (console/store/sqlite_insight.py and
postgres_insight.py spell it per dialect); the queries here are spelled alike
by SQLite and PostgreSQL.
Reads go through the index reader's snapshots (console/inbox.py): the caller's
own thread, one read transaction for every figure.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from types import ModuleType

import pandas as pd

import console.store.postgres_insight as postgres_insight
import console.store.sqlite_insight as sqlite_insight
import console.store.postgres_reads as postgres_reads
from console.wording import workflow_title

DAY_S = 86400
# The reviewer's choice, in plain words; anything that was not applied is "Not applied".
OUTCOMES = {
    "Approved": ("approve", "accept", "continue"),
    "Edited": ("edit", "update", "edit_state"),
    "Rejected": ("reject", "ignore"),
    "Changes requested": ("request_changes", "feedback"),
}
OTHER_ANSWER, NOT_APPLIED = "Other answer", "Not applied"
OUTCOME_ORDER = (*OUTCOMES, OTHER_ANSWER, NOT_APPLIED)
# Ages of what waits now: (label, lower bound in seconds), youngest first.
AGE_BUCKETS = (("Under 1 h", 0), ("1–4 h", 3600), ("4–24 h", 4 * 3600),
               ("1–3 days", DAY_S), ("3–7 days", 3 * DAY_S), ("Over 7 days", 7 * DAY_S))
TOP_REASONS = 10
NO_REASON = "(no reason given)"
EVERYONE_ELSE = "Everyone else"


@dataclass(frozen=True)
class Scope:
    """Whose figures a person sees by name: their own, every reviewer's (an administrator), or every
    reviewer's on the workflows they administer. Everything else counts in the team's totals."""

    name: str | None = None
    verified: bool = False
    everyone: bool = False
    admin_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActivityQuery:
    start: dt.date
    end: dt.date  # inclusive; days are UTC days
    workflows: tuple[str, ...] = ()
    reviewer: tuple[str, bool] | None = None  # (name, verified): one reviewer's decisions only


@dataclass
class Activity:
    decisions: int  # decisions in the range and filters, applied or not
    waiting_now: int
    backlog: pd.DataFrame = field(default_factory=pd.DataFrame)  # day, waiting
    ages: pd.DataFrame = field(default_factory=pd.DataFrame)  # age, threads
    speed: pd.DataFrame = field(default_factory=pd.DataFrame)  # workflow, decisions, median_s, p90_s
    by_outcome: pd.DataFrame = field(default_factory=pd.DataFrame)  # day, outcome, decisions
    by_reviewer: pd.DataFrame = field(default_factory=pd.DataFrame)  # day, reviewer, decisions
    reasons: pd.DataFrame = field(default_factory=pd.DataFrame)  # reason, decisions

    @property
    def empty(self) -> bool:
        return self.decisions == 0 and self.waiting_now == 0 and int(self.backlog["waiting"].sum()) == 0


def scope_for(app, reviewer) -> Scope:
    """What console/policy.py lets this person see: administrators of every workflow see everyone."""
    if reviewer is None:
        return Scope()
    everyone = app.allows(reviewer, None, "reopen")
    admin_of = () if everyone else tuple(sorted(w for w in app.registry if app.allows(reviewer, w, "reopen")))
    return Scope(reviewer.name, bool(reviewer.verified), everyone, admin_of)


def _in(column: str, values, p: str) -> tuple[str, list]:
    return (f"{column} IN ({', '.join(p for _ in values)})", list(values)) if values else ("1 = 1", [])


def _named(scope: Scope, p: str) -> tuple[str, list]:
    """True for a decision this person may see by its reviewer's name."""
    if scope.everyone:
        return "1 = 1", []
    parts, params = [], []
    if scope.name is not None:
        parts.append(f"(reviewer = {p} AND reviewer_verified = {p})")
        params += [scope.name, int(scope.verified)]
    if scope.admin_of:
        clause, more = _in("workflow", scope.admin_of, p)
        parts.append(clause)
        params += more
    return ("(" + " OR ".join(parts) + ")", params) if parts else ("1 = 0", [])


def _decisions(q: ActivityQuery, scope: Scope, p: str) -> tuple[str, list]:
    """The decisions the filters select, as a WHERE clause over rc_decision_facts."""
    where = ["outcome != 'pending'", f"day >= {p}", f"day <= {p}"]
    params: list = [q.start.isoformat(), q.end.isoformat()]
    clause, more = _in("workflow", q.workflows, p)
    where.append(clause)
    params += more
    if q.reviewer is not None:
        name, verified = q.reviewer
        if not scope.everyone and (name, bool(verified)) != (scope.name, scope.verified):
            where.append("1 = 0")  # only an administrator picks another reviewer; the page offers no such choice
        where.append(f"reviewer = {p} AND reviewer_verified = {p}")
        params += [name, int(bool(verified))]
    return " AND ".join(where), params


def _outcome_case(p: str) -> tuple[str, list]:
    whens, params = ["WHEN outcome != 'applied' THEN " + p], [NOT_APPLIED]
    for label, actions in OUTCOMES.items():
        whens.append(f"WHEN action IN ({', '.join(p for _ in actions)}) THEN {p}")
        params += [*actions, label]
    return f"CASE {' '.join(whens)} ELSE {p} END", params + [OTHER_ANSWER]


class Queries:
    """The figures' statements in one dialect (sqlite_insight or postgres_insight), over rc_decision_facts:
    one narrow row per decision, with its day, its times in whole seconds and its reason (kept by triggers)."""

    def __init__(self, dialect: ModuleType) -> None:
        self.d = dialect

    def totals(self, q: ActivityQuery, scope: Scope) -> tuple[str, list]:
        where, params = _decisions(q, scope, self.d.P)
        return f"SELECT COUNT(*) FROM rc_decision_facts WHERE {where}", params

    def by_outcome(self, q: ActivityQuery, scope: Scope) -> tuple[str, list]:
        where, params = _decisions(q, scope, self.d.P)
        case, case_params = _outcome_case(self.d.P)
        return f"SELECT day, {case}, COUNT(*) FROM rc_decision_facts WHERE {where} GROUP BY 1, 2", case_params + params

    def by_reviewer(self, q: ActivityQuery, scope: Scope) -> tuple[str, list]:
        where, params = _decisions(q, scope, self.d.P)
        named, named_params = _named(scope, self.d.P)
        # Names this person may not see are grouped as NULL: the team's total, never a person.
        return (f"SELECT day, CASE WHEN {named} THEN reviewer END, CASE WHEN {named} THEN reviewer_verified END, "
                f"COUNT(*) FROM rc_decision_facts WHERE {where} GROUP BY 1, 2, 3", named_params + named_params + params)

    def speed(self, q: ActivityQuery, scope: Scope) -> tuple[str, list]:
        """Median and 90th percentile (nearest rank) of pause-to-decision seconds, per workflow."""
        where, params = _decisions(q, scope, self.d.P)
        return (
            "WITH t AS (SELECT COALESCE(workflow, '') AS workflow, CASE WHEN decided < began THEN 0 "
            f"ELSE decided - began END AS s FROM rc_decision_facts WHERE {where} AND outcome = 'applied' "
            "AND began IS NOT NULL), "
            "r AS (SELECT workflow, s, ROW_NUMBER() OVER (PARTITION BY workflow ORDER BY s) AS rn, "
            "COUNT(*) OVER (PARTITION BY workflow) AS n FROM t) "
            "SELECT workflow, MAX(n), MIN(CASE WHEN 2 * rn >= n THEN s END), MIN(CASE WHEN 10 * rn >= 9 * n THEN s END) "
            "FROM r GROUP BY workflow", params)

    def reasons(self, q: ActivityQuery, scope: Scope) -> tuple[str, list]:
        where, params = _decisions(q, scope, self.d.P)
        named, named_params = _named(scope, self.d.P)  # reasons are a person's words: shown as their names are
        return (f"SELECT reason, n FROM (SELECT COALESCE(reason, '') AS reason, COUNT(*) AS n FROM rc_decision_facts "
                f"WHERE {where} AND outcome = 'applied' AND action = 'reject' AND {named} GROUP BY 1) AS reasons "
                f"ORDER BY n DESC, reason{self.d.TEXT_ORDER} LIMIT {TOP_REASONS}", params + named_params)

    def pauses(self, q: ActivityQuery) -> tuple[str, list]:
        """Pauses by (UTC day begun, UTC day ended): answered ones from the log (begun when their checkpoint
        was saved, ended by their first applied decision), and the ones waiting now from the index (never
        ended). A pause ended before the range nets to zero there, so only later answers are read."""
        p = self.d.P
        clause, wf = _in("workflow", q.workflows, p)
        answered = (f"SELECT began / {DAY_S} AS b, decided / {DAY_S} AS e FROM rc_decision_facts "
                    f"WHERE first_answer = 1 AND day >= {p} AND began IS NOT NULL AND {clause}")
        waiting = (f"SELECT {self.d.unix_of_real('waiting_since')} / {DAY_S} AS b, NULL AS e FROM rc_threads "
                   f"WHERE status = 'waiting' AND waiting_since IS NOT NULL AND {clause}")
        return (f"SELECT b, e, COUNT(*) FROM ({answered} UNION ALL {waiting}) AS pauses GROUP BY 1, 2",
                [q.start.isoformat(), *wf, *wf])

    def ages(self, q: ActivityQuery, now: float) -> tuple[str, list]:
        p = self.d.P
        whens, params = [], []
        for n, (_, bound) in reversed(list(enumerate(AGE_BUCKETS))):
            whens.append(f"WHEN waiting_since <= {p} THEN {n}")
            params.append(now - bound)
        clause, wf = _in("workflow", q.workflows, p)
        return (f"SELECT CASE {' '.join(whens)} ELSE 0 END, COUNT(*) FROM rc_threads "
                f"WHERE status = 'waiting' AND waiting_since IS NOT NULL AND {clause} GROUP BY 1", params + wf)

    def choices(self, scope: Scope) -> tuple[str, list, str, list]:
        """Workflows with decisions or threads; reviewers this person may see by name."""
        named, params = _named(scope, self.d.P)
        workflows = ("SELECT workflow FROM rc_decision_facts WHERE workflow IS NOT NULL GROUP BY workflow "
                     "UNION SELECT workflow FROM rc_counts WHERE workflow != '' AND n > 0")
        reviewers = (f"SELECT reviewer, reviewer_verified FROM rc_decision_facts WHERE {named} "
                     f"GROUP BY 1, 2 ORDER BY reviewer{self.d.TEXT_ORDER}, 2 DESC")
        return workflows, [], reviewers, params


def dialect_of(reader) -> ModuleType:
    return postgres_insight if reader.dialect is postgres_reads else sqlite_insight


def reviewer_label(name: str | None, verified) -> str:
    if name is None:
        return EVERYONE_ELSE
    return name if verified else f"{name} (unverified)"


def backlog_frame(pauses: list, q: ActivityQuery) -> pd.DataFrame:
    """Threads waiting at the end of each day of the range: pauses begun by then, minus those ended by then."""
    first, last = q.start.toordinal(), q.end.toordinal()
    epoch = dt.date(1970, 1, 1).toordinal()
    delta: dict[int, int] = {}
    for began, ended, n in pauses:
        delta[int(began) + epoch] = delta.get(int(began) + epoch, 0) + int(n)
        if ended is not None:
            delta[int(ended) + epoch] = delta.get(int(ended) + epoch, 0) - int(n)
    running = sum(n for day, n in delta.items() if day < first)
    rows = []
    for day in range(first, last + 1):
        running += delta.get(day, 0)
        rows.append((dt.date.fromordinal(day), running))
    return pd.DataFrame(rows, columns=["day", "waiting"])


def read(reader, q: ActivityQuery, scope: Scope, registry, now: float | None = None) -> Activity:
    """Every figure of the Activity page, from one read transaction."""
    now = time.time() if now is None else now
    sql = Queries(dialect_of(reader))
    with reader.snapshot() as conn:
        def rows(statement: tuple) -> list:
            return conn.execute(statement[0], statement[1]).fetchall()
        total = int(rows(sql.totals(q, scope))[0][0])
        outcome_rows = rows(sql.by_outcome(q, scope))
        reviewer_rows = rows(sql.by_reviewer(q, scope))
        speed_rows = rows(sql.speed(q, scope))
        reason_rows = rows(sql.reasons(q, scope))
        pauses = rows(sql.pauses(q))
        age_rows = dict(rows(sql.ages(q, now)))
    ages = pd.DataFrame([(label, int(age_rows.get(n, 0))) for n, (label, _) in enumerate(AGE_BUCKETS)],
                        columns=["age", "threads"])
    speed = pd.DataFrame(
        sorted(((workflow_title(w or None, registry), int(n), float(m), float(p90)) for w, n, m, p90 in speed_rows),
               key=lambda r: r[0]),
        columns=["workflow", "decisions", "median_s", "p90_s"])
    by_outcome = pd.DataFrame(
        sorted(((dt.date.fromisoformat(d), o, int(n)) for d, o, n in outcome_rows),
               key=lambda r: (r[0], OUTCOME_ORDER.index(r[1]))),
        columns=["day", "outcome", "decisions"])
    merged: dict[tuple, int] = {}
    for d, name, verified, n in reviewer_rows:
        key = (dt.date.fromisoformat(d), reviewer_label(name, verified))
        merged[key] = merged.get(key, 0) + int(n)
    by_reviewer = pd.DataFrame(sorted(((d, who, n) for (d, who), n in merged.items()),
                                      key=lambda r: (r[0], r[1] == EVERYONE_ELSE, r[1])),
                               columns=["day", "reviewer", "decisions"])
    reasons = pd.DataFrame([(r or NO_REASON, int(n)) for r, n in reason_rows], columns=["reason", "decisions"])
    return Activity(decisions=total, waiting_now=int(ages["threads"].sum()), backlog=backlog_frame(pauses, q),
                    ages=ages, speed=speed, by_outcome=by_outcome, by_reviewer=by_reviewer, reasons=reasons)


def choices(reader, scope: Scope, registry) -> tuple[dict[str, str], list[tuple[str, bool]]]:
    """Filter choices: workflow title → name (loaded workflows and any in the log), and reviewers by name."""
    sql = Queries(dialect_of(reader))
    workflows_sql, workflows_params, reviewers_sql, reviewers_params = sql.choices(scope)
    with reader.snapshot() as conn:
        names = {r[0] for r in conn.execute(workflows_sql, workflows_params).fetchall()} | set(registry)
        reviewers = [(r[0], bool(r[1])) for r in conn.execute(reviewers_sql, reviewers_params).fetchall()]
    titles = {}
    for name in sorted(names):
        title = workflow_title(name, registry)
        titles[title if title not in titles else f"{title} ({len(titles) + 1})"] = name
    return dict(sorted(titles.items())), reviewers
