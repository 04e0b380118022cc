"""The Activity page's figures: backlog, ages, time to decision, decisions per day, rejection reasons, aggregated in SQL.

Every figure is a GROUP BY in the database (percentiles by a window function),
so the page reads a few hundred rows whatever the size of the log. The pieces
each dialect spells its own way (seconds from a timestamp, a checkpoint id's
time, a rejection's reason) come from console/store/sqlite_insight.py and
postgres_insight.py; the rest is spelled alike by SQLite and PostgreSQL.
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
# Rows that are not a reviewer's decision on a pause: starts and the demo reset (console/demo.RESET_ACTION).
NOT_DECISIONS = ("start", "reset demo data")
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
AGE_BUCKETS = (("Under 1 hour", 0), ("1 to 4 hours", 3600), ("4 to 24 hours", 4 * 3600),
               ("1 to 3 days", DAY_S), ("3 to 7 days", 3 * DAY_S), ("Over a week", 7 * DAY_S))
TOP_REASONS = 10
REASON_CHARS = 200  # reasons are grouped on their first 200 characters
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
    """The decisions the filters select, as a WHERE clause."""
    where = [f"action NOT IN ({', '.join(p for _ in NOT_DECISIONS)})", "outcome != 'pending'",
             f"decided_at >= {p}", f"decided_at < {p}"]
    params: list = [*NOT_DECISIONS, q.start.isoformat(), (q.end + dt.timedelta(days=1)).isoformat()]
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
    """The figures' statements in one dialect (sqlite_insight or postgres_insight)."""

    def __init__(self, dialect: ModuleType) -> None:
        self.d = dialect

    def totals(self, q: ActivityQuery, scope: Scope) -> tuple[str, list]:
        where, params = _decisions(q, scope, self.d.P)
        return f"SELECT COUNT(*) FROM rc_decisions WHERE {where}", params

    def by_outcome(self, q: ActivityQuery, scope: Scope) -> tuple[str, list]:
        where, params = _decisions(q, scope, self.d.P)
        case, case_params = _outcome_case(self.d.P)
        return (f"SELECT substr(decided_at, 1, 10), {case}, COUNT(*) FROM rc_decisions WHERE {where} GROUP BY 1, 2",
                case_params + params)

    def by_reviewer(self, q: ActivityQuery, scope: Scope) -> tuple[str, list]:
        where, params = _decisions(q, scope, self.d.P)
        named, named_params = _named(scope, self.d.P)
        # Names this person may not see are grouped as NULL: the team's total, never a person.
        return (f"SELECT substr(decided_at, 1, 10), CASE WHEN {named} THEN reviewer END, "
                f"CASE WHEN {named} THEN reviewer_verified END, COUNT(*) FROM rc_decisions WHERE {where} "
                "GROUP BY 1, 2, 3", named_params + named_params + params)

    def speed(self, q: ActivityQuery, scope: Scope) -> tuple[str, list]:
        """Median and 90th percentile (nearest rank) of pause-to-decision seconds, per workflow."""
        where, params = _decisions(q, scope, self.d.P)
        start = self.d.pause_start("checkpoint_id")
        return (
            "WITH t AS (SELECT COALESCE(workflow, '') AS workflow, "
            f"{self.d.unix('decided_at')} - {start} AS s FROM rc_decisions "
            f"WHERE {where} AND outcome = 'applied' AND {start} IS NOT NULL), "
            "r AS (SELECT workflow, CASE WHEN s < 0 THEN 0 ELSE s END AS s, "
            "ROW_NUMBER() OVER (PARTITION BY workflow ORDER BY s) AS rn, COUNT(*) OVER (PARTITION BY workflow) AS n FROM t) "
            "SELECT workflow, MAX(n), MIN(CASE WHEN 2 * rn >= n THEN s END), MIN(CASE WHEN 10 * rn >= 9 * n THEN s END) "
            "FROM r GROUP BY workflow", params)

    def reasons(self, q: ActivityQuery, scope: Scope) -> tuple[str, list]:
        where, params = _decisions(q, scope, self.d.P)
        named, named_params = _named(scope, self.d.P)  # reasons are a person's words: shown as their names are
        reason = f"substr(COALESCE(trim({self.d.reason('answer')}), ''), 1, {REASON_CHARS})"
        return (f"SELECT reason, n FROM (SELECT {reason} AS reason, COUNT(*) AS n FROM rc_decisions WHERE {where} "
                f"AND outcome = 'applied' AND action = 'reject' AND {named} GROUP BY 1) AS reasons "
                f"ORDER BY n DESC, reason{self.d.TEXT_ORDER} LIMIT {TOP_REASONS}", params + named_params)

    def pauses(self, q: ActivityQuery) -> tuple[str, list, str, list]:
        """Pauses begun and ended per UTC day: answered ones from the log (begun when their checkpoint
        was saved, ended at their first applied decision), and the ones waiting now from the index."""
        p = self.d.P
        start = self.d.pause_start("checkpoint_id")
        clause, wf = _in("workflow", q.workflows, p)
        answered = (f"SELECT {start} AS began, MIN({self.d.unix('decided_at')}) AS ended FROM rc_decisions "
                    f"WHERE outcome = 'applied' AND action NOT IN ({', '.join(p for _ in NOT_DECISIONS)}) AND {clause} "
                    f"AND {start} IS NOT NULL GROUP BY thread_id, checkpoint_id")
        waiting = (f"SELECT {self.d.unix_of_real('waiting_since')} AS began, NULL AS ended FROM rc_threads "
                   f"WHERE status = 'waiting' AND waiting_since IS NOT NULL AND {clause}")
        both = f"{answered} UNION ALL {waiting}"
        params = [*NOT_DECISIONS, *wf, *wf]
        began = f"SELECT began / {DAY_S}, COUNT(*) FROM ({both}) AS pauses GROUP BY 1"
        ended = f"SELECT ended / {DAY_S}, COUNT(*) FROM ({both}) AS pauses WHERE ended IS NOT NULL GROUP BY 1"
        return began, params, ended, params

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
        workflows = ("SELECT workflow FROM rc_decisions WHERE workflow IS NOT NULL GROUP BY workflow "
                     "UNION SELECT workflow FROM rc_counts WHERE workflow != '' AND n > 0")
        reviewers = (f"SELECT reviewer, reviewer_verified FROM rc_decisions WHERE action NOT IN ('start', 'reset demo data') "
                     f"AND {named} GROUP BY 1, 2 ORDER BY reviewer{self.d.TEXT_ORDER}, 2 DESC")
        return workflows, [], reviewers, params


def dialect_of(reader) -> ModuleType:
    return postgres_insight if reader.dialect is postgres_reads else sqlite_insight


def reviewer_label(name: str | None, verified) -> str:
    if name is None:
        return EVERYONE_ELSE
    return name if verified else f"{name} (unverified)"


def _backlog(began: list, ended: list, q: ActivityQuery) -> pd.DataFrame:
    """Threads waiting at the end of each day of the range: pauses begun by then, minus those ended by then."""
    first, last = q.start.toordinal(), q.end.toordinal()
    epoch = dt.date(1970, 1, 1).toordinal()
    delta: dict[int, int] = {}
    for day, n in began:
        delta[int(day) + epoch] = delta.get(int(day) + epoch, 0) + int(n)
    for day, n in ended:
        delta[int(day) + epoch] = delta.get(int(day) + epoch, 0) - int(n)
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
        began_sql, began_params, ended_sql, ended_params = sql.pauses(q)
        began, ended = rows((began_sql, began_params)), rows((ended_sql, ended_params))
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
    return Activity(decisions=total, waiting_now=int(ages["threads"].sum()), backlog=_backlog(began, ended, q),
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
