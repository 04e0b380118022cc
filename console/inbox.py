"""Inbox queries over the console's thread index → pandas DataFrames. Filters, sort, paging and counts run in SQL.

The index (rc_threads, kept by the deriver in console/service.py) is read in
the caller's own thread, not through the bridge (console/store/sqlite_reads.py,
postgres_reads.py lend the connections). The filters a reviewer sets make the
WHERE clause: each dialect's reads module gives its placeholder and its
search clause; everything else here is spelled alike by SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pandas as pd

from console.errors import InvalidAnswer
from console.queue_filter import mine_clause, mine_params
import console.store.postgres_reads as postgres_reads
import console.store.sqlite_reads as sqlite_reads
from console.threads import PAUSE_WORDS

# sort name → ORDER BY columns; each has an index led by status (see store/sqlite_schema.INDEX_SCHEMA).
SORTS = {
    "waiting time": ("waiting_since", "thread_id"),
    "workflow": ("workflow", "waiting_since", "thread_id"),
    "thread id": ("thread_id",),
}
COLUMNS = ["workflow", "thread_id", "waiting at", "kind of pause", "preview", "waiting for", "since"]
ROW_COLUMNS = ("thread_id", "workflow", "waiting_node", "pause_kind", "preview", "waiting_since", "error")
MAX_PAGE_SIZE = 500

# Threads a console decision is answering right now: out of the waiting list at once,
# before the deriver has seen the resumed run (the partial index keeps this tiny).
IN_DECISION = "SELECT thread_id FROM rc_decisions WHERE outcome = 'pending'"

# What the pages' reads depend on, in three index seeks: the index's change counter (bumped by
# every save of derived rows, on any replica), and the decisions under way (a new claim raises
# the newest id, a finished one lowers the pending count). Same spelling in both dialects.
VERSION_SQL = (
    "SELECT (SELECT value FROM rc_meta WHERE key = 'index_changes'), (SELECT MAX(id) FROM rc_decisions), "
    "(SELECT COUNT(*) FROM rc_decisions WHERE outcome = 'pending')"
)

# The backlog is counted exactly up to this many threads (a walk of at most that many index entries).
EXACT_BACKLOG = 1000
BACKLOG_SQL = f"SELECT COUNT(*) FROM (SELECT DISTINCT thread_id FROM rc_marks LIMIT {EXACT_BACKLOG}) AS few"


@dataclass(frozen=True)
class InboxQuery:
    status: str = "waiting"
    workflows: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    min_age_s: float | None = None
    search: str = ""
    sort: str = "waiting time"
    oldest_first: bool = True
    page: int = 1
    page_size: int = 50
    mine: str = ""  # a reviewer's name: only the threads they are on or are assigned (console/queue.py)


@dataclass(frozen=True)
class InboxPage:
    rows: pd.DataFrame
    total: int
    page: int
    pages: int
    read_at: float | None = None  # when the rows were read from a LangGraph Server (None: the console's own index)


NUL_IN_SEARCH = ("The search contains an invisible NUL character (it sometimes comes with pasted text), "
                 "which no thread can contain. Remove it and search again.")


def _where(q: InboxQuery, now: float, dialect: ModuleType) -> tuple[str, list]:
    p = dialect.P
    clauses, params = [f"status = {p}"], [q.status]
    for column, values in (("workflow", q.workflows), ("waiting_node", q.nodes), ("pause_kind", q.kinds)):
        if values:
            clauses.append(f"{column} IN ({', '.join(p for _ in values)})")
            params.extend(values)
    if q.min_age_s:
        clauses.append(f"waiting_since <= {p}")
        params.append(now - q.min_age_s)
    text = q.search.strip()
    if text:
        if "\x00" in text:  # SQLite's FTS5 reads it as the end of the text, psycopg refuses it
            raise InvalidAnswer(NUL_IN_SEARCH, "search")
        more, values = dialect.search(text, q.status)
        clauses.extend(more)
        params.extend(values)
    if q.mine:
        clauses.append(mine_clause(p))
        params.extend(mine_params(q.mine, now))
    return " AND ".join(clauses), params


def _only_counted_by_table(q: InboxQuery) -> bool:
    """True when rc_counts answers the total: no filter but status and workflow."""
    return not (q.nodes or q.kinds or q.min_age_s or q.search.strip() or q.mine)


def _overdue_first(deadlines, now: float, p: str) -> tuple[str, list]:
    """ORDER BY's first term when deadlines are set: 0 for an overdue thread (its workflow's cutoff passed), else 1."""
    named, star = deadlines.cutoffs(now)
    real = f"CAST({p} AS DOUBLE PRECISION)"  # typed, so PostgreSQL takes a NULL cutoff too (SQLite reads it as REAL)
    cases = " ".join(f"WHEN {p} THEN {real}" for _ in named)
    params = [v for pair in named for v in pair]
    cutoff = f"CASE workflow {cases} ELSE {real} END" if named else real
    return f"CASE WHEN waiting_since <= {cutoff} THEN 0 ELSE 1 END, ", params + [star]


def page_sql(q: InboxQuery, now: float, dialect: ModuleType = sqlite_reads, deadlines=None) -> tuple[str, list, str, list]:
    """The page's rows and its total, in `dialect`'s spelling (sqlite_reads or postgres_reads).
    With `deadlines` (console/deadlines.Deadlines), overdue waiting threads come first."""
    p = dialect.P
    where, params = _where(q, now, dialect)
    direction = "ASC" if q.oldest_first else "DESC"
    order = ", ".join(f"{c} {direction}" for c in SORTS.get(q.sort, SORTS["waiting time"]))
    order_params: list = []
    if deadlines and q.status == "waiting":
        first, order_params = _overdue_first(deadlines, now, p)
        order = first + order
    size = max(1, min(int(q.page_size), MAX_PAGE_SIZE))
    offset = (max(1, int(q.page)) - 1) * size
    rows_sql = (
        f"SELECT {', '.join(ROW_COLUMNS)} FROM rc_threads "
        f"WHERE {where} AND thread_id NOT IN ({IN_DECISION}) ORDER BY {order} LIMIT {p} OFFSET {p}"
    )
    if _only_counted_by_table(q):
        # Counted by triggers; minus the few threads under a decision right now.
        wf = f" AND workflow IN ({', '.join(p for _ in q.workflows)})" if q.workflows else ""
        count_sql = (
            f"SELECT (SELECT COALESCE(SUM(n), 0) FROM rc_counts WHERE status = {p}{wf}) - "
            f"(SELECT COUNT(*) FROM rc_threads WHERE {where} AND thread_id IN ({IN_DECISION})) AS n"
        )
        count_params = [q.status, *q.workflows, *params]
    else:
        count_sql = f"SELECT COUNT(*) AS n FROM rc_threads WHERE {where} AND thread_id NOT IN ({IN_DECISION})"
        count_params = list(params)
    return rows_sql, params + order_params + [size, offset], count_sql, count_params


def humanize_age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


def to_frame(rows: list[tuple], now: float | None = None, deadlines=None) -> pd.DataFrame:
    """At most one page of rows, built column by column in plain Python (no per-column
    pandas map/to_datetime calls beyond one: their fixed cost dominates at 50 rows).
    With `deadlines`, a "due" column: "due in 2 h", "overdue", or empty for a workflow without one."""
    now = time.time() if now is None else now
    cols = list(zip(*rows)) if rows else [()] * len(ROW_COLUMNS)
    thread_id, workflow, node, kind, preview, since, _error = cols
    frame = pd.DataFrame({
        "workflow": [w or "unknown" for w in workflow],
        "thread_id": list(thread_id),
        "waiting at": [n or "" for n in node],
        "kind of pause": [PAUSE_WORDS.get(k, k or "") for k in kind],
        "preview": [p or "" for p in preview],
        "waiting for": [humanize_age(now - s) if s is not None else "" for s in since],
        "since": pd.to_datetime(pd.Series(since, dtype="float64"), unit="s", utc=True),
    }, columns=COLUMNS)
    if deadlines:
        frame.insert(frame.columns.get_loc("waiting for") + 1, "due",
                     [deadlines.words(w, s, now) for w, s in zip(workflow, since)])
    return frame


def page_of(rows: list[tuple], total: int, q: InboxQuery, now: float | None = None, deadlines=None) -> InboxPage:
    size = max(1, min(int(q.page_size), MAX_PAGE_SIZE))
    pages = max(1, -(-total // size))
    shown = deadlines if q.status == "waiting" else None  # a finished or failed thread is due nothing
    return InboxPage(rows=to_frame(rows, now, shown), total=total, page=min(max(1, q.page), pages), pages=pages)


def _distinct(column: str, status: str) -> str:
    """DISTINCT by skip-scan: one index seek per distinct value, not a walk over every waiting row."""
    return (
        f"WITH RECURSIVE v(x) AS ("
        f"SELECT (SELECT MIN({column}) FROM rc_threads WHERE status = '{status}') "
        f"UNION ALL SELECT (SELECT MIN({column}) FROM rc_threads WHERE status = '{status}' AND {column} > v.x) "
        f"FROM v WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x IS NOT NULL"
    )


class IndexReader:
    """The queries pages make, over one dialect's connections (`snapshots`) and spelling (`dialect`)."""

    def __init__(self, snapshots, dialect: ModuleType) -> None:
        self.snapshots, self.dialect = snapshots, dialect
        self.deadlines = None  # console/deadlines.Deadlines, set by the Console when the policy has any

    def snapshot(self):
        return self.snapshots.snapshot()

    def close(self) -> None:
        self.snapshots.close()

    def page(self, q: InboxQuery, now: float | None = None) -> InboxPage:
        now = time.time() if now is None else now
        rows_sql, rows_params, count_sql, count_params = page_sql(q, now, self.dialect, self.deadlines)
        with self.snapshot() as conn:
            rows = conn.execute(rows_sql, rows_params).fetchall()
            total = conn.execute(count_sql, count_params).fetchone()[0]
        return page_of(rows, int(total), q, now, self.deadlines)

    def counts(self) -> pd.DataFrame:
        with self.snapshot() as conn:
            rows = conn.execute(
                "SELECT NULLIF(workflow, '') AS workflow, status, n FROM rc_counts WHERE n > 0 ORDER BY workflow, status"
            ).fetchall()
            busy = conn.execute(
                f"SELECT workflow, status, COUNT(*) FROM rc_threads WHERE thread_id IN ({IN_DECISION}) "
                "AND status = 'waiting' GROUP BY 1, 2"
            ).fetchall()
        # Threads being answered right now count as running, as the deriver will soon say.
        moved: dict[tuple, int] = {}
        for w, _, n in busy:
            moved[(w, "waiting")] = moved.get((w, "waiting"), 0) - n
            moved[(w, "running")] = moved.get((w, "running"), 0) + n
        totals = {(w, s): n for w, s, n in rows}
        for key, n in moved.items():
            totals[key] = totals.get(key, 0) + n
        out = sorted(((w, s, n) for (w, s), n in totals.items() if n > 0), key=lambda r: (r[0] or "", r[1]))
        return pd.DataFrame(out, columns=["workflow", "status", "threads"])

    def filter_choices(self) -> dict[str, list[str]]:
        with self.snapshot() as conn:
            workflows = [r[0] for r in conn.execute(
                "SELECT workflow FROM rc_counts WHERE status = 'waiting' AND n > 0 AND workflow != '' ORDER BY workflow")]
            nodes = [r[0] for r in conn.execute(_distinct("waiting_node", "waiting"))]
            kinds = [r[0] for r in conn.execute(_distinct("pause_kind", "waiting"))]
        return {"workflows": workflows, "nodes": nodes, "kinds": kinds}

    def version(self) -> tuple[int, int, int]:
        """Changes when anything the inbox, counts or filter choices show may have changed."""
        with self.snapshots.statement() as conn:  # one statement: consistent by itself, no transaction around it
            changes, newest, pending = conn.execute(VERSION_SQL).fetchone()
        return int(changes or 0), int(newest or 0), int(pending or 0)

    def backlog(self) -> int:
        """About how many threads wait to be (re-)derived: exact up to EXACT_BACKLOG (0 means none), past
        that the span of the marks' ids, two seeks. Counting every distinct mark walked one index entry
        per thread during a first indexing (10-50 ms at 100,000). The span counts a thread marked twice
        twice, and a mark cleared out of order still: the figure is said as "about"."""
        with self.snapshot() as conn:
            few = int(conn.execute(BACKLOG_SQL).fetchone()[0])
            if few < EXACT_BACKLOG:
                return few
            low, high = conn.execute("SELECT MIN(id), MAX(id) FROM rc_marks").fetchone()
        return max(few, int(high) - int(low) + 1) if low is not None else 0


def sqlite_reader(path: Path | str, busy_timeout_s: float) -> IndexReader:
    return IndexReader(sqlite_reads.SqliteSnapshots(path, busy_timeout_s), sqlite_reads)


def postgres_reader(url: str, busy_timeout_s: float) -> IndexReader:
    return IndexReader(postgres_reads.PgSnapshots(url, busy_timeout_s), postgres_reads)
