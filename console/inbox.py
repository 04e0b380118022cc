"""Inbox queries over the console's thread index → pandas DataFrames. Filters run in SQL."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from console.threads import PAUSE_WORDS

SORTS = {"waiting time": "waiting_since", "workflow": "workflow", "thread id": "thread_id"}
COLUMNS = ["workflow", "thread_id", "waiting at", "kind of pause", "preview", "waiting for", "since"]


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


@dataclass(frozen=True)
class InboxPage:
    rows: pd.DataFrame
    total: int
    page: int
    pages: int


def _where(q: InboxQuery, now: float) -> tuple[str, list]:
    clauses, params = ["status = ?"], [q.status]
    for column, values in (("workflow", q.workflows), ("waiting_node", q.nodes), ("pause_kind", q.kinds)):
        if values:
            clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if q.min_age_s:
        clauses.append("waiting_since <= ?")
        params.append(now - q.min_age_s)
    if q.search.strip():
        clauses.append("(preview LIKE ? ESCAPE '\\' OR thread_id LIKE ? ESCAPE '\\')")
        pattern = "%" + q.search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params.extend([pattern, pattern])
    return " AND ".join(clauses), params


def page_sql(q: InboxQuery, now: float) -> tuple[str, list, str, list]:
    where, params = _where(q, now)
    column = SORTS.get(q.sort, "waiting_since")
    direction = "ASC" if q.oldest_first else "DESC"
    size = max(1, min(int(q.page_size), 500))
    offset = (max(1, int(q.page)) - 1) * size
    rows_sql = (
        "SELECT thread_id, workflow, waiting_node, pause_kind, preview, waiting_since, error FROM rc_threads "
        f"WHERE {where} ORDER BY {column} {direction}, thread_id {direction} LIMIT ? OFFSET ?"
    )
    count_sql = f"SELECT COUNT(*) AS n FROM rc_threads WHERE {where}"
    return rows_sql, params + [size, offset], count_sql, params


def humanize_age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


def to_frame(rows: list[dict], now: float | None = None) -> pd.DataFrame:
    now = time.time() if now is None else now
    frame = pd.DataFrame(rows, columns=["thread_id", "workflow", "waiting_node", "pause_kind", "preview", "waiting_since", "error"])
    since = pd.to_datetime(frame["waiting_since"], unit="s", utc=True)
    return pd.DataFrame({
        "workflow": frame["workflow"].fillna("unknown"),
        "thread_id": frame["thread_id"],
        "waiting at": frame["waiting_node"].fillna(""),
        "kind of pause": frame["pause_kind"].map(lambda k: PAUSE_WORDS.get(k, k or "")),
        "preview": frame["preview"].fillna(""),
        "waiting for": [humanize_age(now - s) if pd.notna(s) else "" for s in frame["waiting_since"]],
        "since": since,
    })


def page_of(rows: list[dict], total: int, q: InboxQuery) -> InboxPage:
    size = max(1, min(int(q.page_size), 500))
    pages = max(1, -(-total // size))
    return InboxPage(rows=to_frame(rows), total=total, page=min(max(1, q.page), pages), pages=pages)
