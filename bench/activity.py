"""Benchmark (not a test): the Activity page on a log of 100,000 decisions, beside a bare Streamlit page, in one run.

Run from the repository root:

    .venv/bin/python bench/activity.py                      # 100,000 decisions
    .venv/bin/python bench/activity.py --decisions 10000 --repeat 20

It builds a SQLite database whose decision log holds `--decisions` decisions
over the last 90 days (three workflows, eight reviewers, every outcome, a few
rejection reasons, checkpoint ids carrying their pause time as LangGraph's do)
and 1,000 waiting threads in the index. Then it serves bench/bare_page.py (one
50-row table) and the console, and reloads each page `--repeat` times from one
websocket client (bench/streamlit_session.py): the figure is each run's server
time, request to script_finished, as medians (the Inbox page of the same console
beside it, for scale). The page's figures are read once
per change of the log (ui/charts.py); the uncached read of every aggregate is
timed too, in this process, as a page pays it after a decision or a new filter.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.streamlit_session import Session, serve  # noqa: E402

WORKFLOWS = ("content_approval", "gated_publication", "two_stage_review")
REVIEWERS = [f"Reviewer {n}" for n in range(1, 9)]
ACTIONS = [("approve", 55), ("reject", 20), ("edit", 15), ("continue", 5), ("request_changes", 5)]
REASONS = ["Too long", "Wrong tone", "Facts not checked", "Off topic", "Needs a source", "Duplicate"]
WAITING = 1_000
DAYS = 90


def uuid6_at(seconds: float, rng: random.Random) -> str:
    """A checkpoint id laid out as LangGraph's uuid6: its time is when the pause began."""
    ticks = int(seconds * 10**7) + 0x01B21DD213814000
    value = ((ticks >> 12) & 0xFFFFFFFFFFFF) << 80 | (0x6000 | ticks & 0x0FFF) << 64 | (0x8000 | rng.getrandbits(14)) << 48
    text = f"{value | rng.getrandbits(48):032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def build(path: Path, decisions: int) -> None:
    """The console's tables (made by a console), then the log and the index written straight in."""
    import console  # noqa: F401  (strict checkpoint decoding before langgraph loads)
    from console.service import Console
    from console.settings import Settings

    Console(Settings(db_path=path, seed_demo=False, create_db=True)).close()
    rng = random.Random(17)
    now = time.time()
    rows = []
    for n in range(decisions):
        decided = now - rng.uniform(0, DAYS * 86400)
        paused = decided - rng.expovariate(1 / (6 * 3600))  # six hours on average
        action = rng.choices([a for a, _ in ACTIONS], [w for _, w in ACTIONS])[0]
        answer = {"approved": action != "reject"} | ({"reason": rng.choice(REASONS)} if action == "reject" else {})
        outcome = "applied" if rng.random() > 0.03 else "refused"
        when = dt.datetime.fromtimestamp(decided, dt.timezone.utc).isoformat(timespec="milliseconds")
        rows.append((when, rng.choice(REVIEWERS), f"bench-{n}", rng.choice(WORKFLOWS), uuid6_at(paused, rng), action,
                     json.dumps(answer), outcome, when))
    waiting = [(f"waiting-{n}", rng.choice(WORKFLOWS), now - rng.expovariate(1 / (4 * 86400))) for n in range(WAITING)]
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO rc_decisions(decided_at, reviewer, reviewer_verified, thread_id, workflow, checkpoint_id, "
            "interrupt_id, action, answer, outcome, finished_at) VALUES (?, ?, 0, ?, ?, ?, '', ?, ?, ?, ?)", rows)
        conn.executemany("INSERT INTO rc_threads(thread_id, workflow, status, waiting_since) VALUES (?, ?, 'waiting', ?)",
                         waiting)


def uncached_ms(path: Path, repeat: int) -> float:
    """Every aggregate of the page's default view, read without the page's cache."""
    from console import insight
    from console.inbox import sqlite_reader
    from workflows.registry import load_registry

    registry, _ = load_registry((), True)
    reader = sqlite_reader(path, 2.0)
    today = dt.datetime.now(dt.timezone.utc).date()
    query = insight.ActivityQuery(start=today - dt.timedelta(days=29), end=today)
    scope = insight.Scope("Reviewer 1", False, everyone=True)
    try:
        insight.read(reader, query, scope, registry)
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            insight.read(reader, query, scope, registry)
            insight.choices(reader, scope, registry)
            times.append(time.perf_counter() - began)
    finally:
        reader.close()
    return statistics.median(times) * 1000


async def page_runs(port: int, path: str, repeat: int, name: str | None) -> list[float]:
    """Open the page, then reload it `repeat` times; each run's server time, in seconds."""
    async with Session(port) as tab:
        await tab.open(path)
        if name is not None:  # a reviewer's own figures and everyone's (an administrator, in demo mode)
            tab.set("Your name", string_value=name)
            await tab.rerun()
        times = []
        for _ in range(repeat):
            run = await tab.rerun()
            if run.exceptions:
                raise SystemExit(f"the page shows an exception: {run.exceptions[0]}")
            times.append(run.elapsed_s)
        return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=100_000, help="decisions in the log")
    parser.add_argument("--repeat", type=int, default=50, help="reloads of each page (medians)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rc-activity-"))
    db = work / "activity.db"
    began = time.perf_counter()
    build(db, args.decisions)
    print(f"built {args.decisions:,} decisions and {WAITING:,} waiting threads in {time.perf_counter() - began:.0f} s",
          flush=True)
    aggregates = uncached_ms(db, max(5, args.repeat // 5))
    env = {"REVIEW_CONSOLE_DB": str(db), "REVIEW_CONSOLE_DEMO": "false", "REVIEW_CONSOLE_DEMO_WORKFLOWS": "true"}
    with serve("bench/bare_page.py", {}, work / "bare.log", ROOT) as (bare_port, _), \
            serve("streamlit_app.py", env, work / "console.log", ROOT) as (console_port, _):
        asyncio.run(page_runs(bare_port, "", 2, None))  # first runs import and warm up, on both servers
        asyncio.run(page_runs(console_port, "activity", 2, "Lead"))
        bare = asyncio.run(page_runs(bare_port, "", args.repeat, None))
        page = asyncio.run(page_runs(console_port, "activity", args.repeat, "Lead"))
        inbox = asyncio.run(page_runs(console_port, "inbox", args.repeat, "Lead"))  # the console's own frame, for scale
    bare_ms, page_ms, inbox_ms = (statistics.median(t) * 1000 for t in (bare, page, inbox))
    print()
    print("| decisions | bare page | Activity page | Activity / bare | Inbox page (same console) "
          "| every aggregate, uncached |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.decisions:,} | {bare_ms:.0f} ms | {page_ms:.0f} ms | {page_ms / bare_ms:.2f}× | {inbox_ms:.0f} ms "
          f"| {aggregates:.0f} ms |")
    print()
    print(f"{args.repeat} reloads of each page from one websocket client, server time (request to script_finished); "
          f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
