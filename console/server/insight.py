"""The Activity page on a LangGraph Server: the decision-log figures from the console's own database (console/insight.py),
the backlog and age charts with the server's waiting threads (threads.search, paged; no per-thread state)."""

from __future__ import annotations

import dataclasses
import time

import pandas as pd

from console import insight
from console.insight import AGE_BUCKETS, DAY_S, Activity, ActivityQuery, Scope


def age_bucket(age_s: float) -> int:
    """The AGE_BUCKETS position of a pause this old (the local query's CASE: the largest bound it reached)."""
    return max(n for n, (_, bound) in enumerate(AGE_BUCKETS) if age_s >= bound or n == 0)


def read(console, q: ActivityQuery, scope: Scope, now: float | None = None) -> Activity:
    """The same Activity as locally, counted the same way: pauses answered, from the decision log (each from its
    checkpoint's time to its first applied decision), plus the threads waiting now, here the server's, from the day
    each began waiting."""
    now = time.time() if now is None else now
    logged = insight.read(console.reader, q, scope, console.registry, now)  # its index is empty in server mode
    waiting = [r for r in console.waiting.rows() if not q.workflows or r["workflow"] in q.workflows]
    began = [r["waiting_since"] for r in waiting if r["waiting_since"] is not None]
    counts = [0] * len(AGE_BUCKETS)
    for since in began:
        counts[age_bucket(now - since)] += 1
    ages = pd.DataFrame([(label, counts[n]) for n, (label, _) in enumerate(AGE_BUCKETS)], columns=["age", "threads"])
    per_day: dict[int, int] = {}
    for since in began:
        per_day[int(since // DAY_S)] = per_day.get(int(since // DAY_S), 0) + 1
    waiting_backlog = insight.backlog_frame([(day, None, n) for day, n in per_day.items()], q)  # never ended: waiting now
    backlog = logged.backlog.assign(waiting=logged.backlog["waiting"].to_numpy() + waiting_backlog["waiting"].to_numpy())
    return dataclasses.replace(logged, waiting_now=len(began), ages=ages, backlog=backlog)
