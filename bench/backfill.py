"""Benchmark (not a test): a console's first start on an existing database, until its inbox is complete.

    .venv/bin/python bench/backfill.py                      # 100,000 threads (built first, ~3 min)
    .venv/bin/python bench/backfill.py --threads 10000
    .venv/bin/python bench/backfill.py --db /tmp/rc-raw.db  # build once, reuse after (copied per run)

The database is bench/inbox.py's (10 % waiting, half of them static pauses), never opened by a
console: no index tables. The clock runs from `Console(...)` (open, schema, the first batch) until
the index has no backlog left; the inbox is then checked against the number of waiting threads.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import console  # noqa: E402,F401  (strict checkpoint decoding before langgraph loads)
from bench.inbox import build  # noqa: E402
from console.service import Console  # noqa: E402
from console.settings import Settings  # noqa: E402
from console.store.sqlite_schema import SORT_INDEX_NAMES  # noqa: E402


# Indexing is done when no mark is left and the sort indexes a first indexing drops are built again.
PENDING = ("SELECT EXISTS (SELECT 1 FROM rc_marks) OR (SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
           f"AND name IN ({', '.join(repr(n) for n in SORT_INDEX_NAMES)})) < {len(SORT_INDEX_NAMES)}")


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def first_start(db: Path) -> tuple[float, float, float, int, int]:
    """Seconds from opening a console on `db` to a complete index, this process's CPU seconds
    meanwhile (a figure other jobs on the machine barely move) and its indexing helper's
    (console/index_helper.py, counted once it has ended); threads indexed; waiting listed."""
    began, cpu, helper = time.perf_counter(), time.process_time(), children_cpu()
    app = Console(Settings(db_path=db, seed_demo=False))
    try:
        # Not app.index_backlog() (it counts the marks: at 100,000 it took a core from the indexing
        # it measures): one seek for "any mark left?", and the inbox's sort indexes all there.
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as probe:
            while probe.execute(PENDING).fetchone()[0]:
                time.sleep(0.02)  # polling, a benchmark's clock, not a test's wait
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        listed = app.inbox().total
    finally:
        app.close()
    until = time.monotonic() + 3  # the helper's CPU counts once it is reaped (killed at the end of the indexing)
    while children_cpu() == helper and time.monotonic() < until:
        time.sleep(0.05)
    with sqlite3.connect(db) as conn:
        indexed = conn.execute("SELECT COUNT(*) FROM rc_threads").fetchone()[0]
    return elapsed, cpu, children_cpu() - helper, indexed, listed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=100_000, help="threads in a newly built database")
    parser.add_argument("--db", type=Path, help="a database never opened by a console: reused when it exists, else built here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rc-backfill-") as tmp:
        raw = args.db or Path(tmp) / f"raw-{args.threads}.db"
        if not raw.exists():
            began = time.perf_counter()
            build(raw, args.threads)
            print(f"built {args.threads:,} threads in {time.perf_counter() - began:.0f} s: {raw}", flush=True)
        copy = Path(tmp) / "first-start.db"
        shutil.copyfile(raw, copy)  # the raw file stays unindexed for the next run
        elapsed, cpu, helper, indexed, listed = first_start(copy)
    print(f"first start on {indexed:,} threads: indexed in {elapsed:.1f} s = {indexed / elapsed:,.0f} threads/s "
          f"({cpu:.1f} CPU s in the console's process + {helper:.1f} in its helper = {indexed / (cpu + helper):,.0f} "
          f"threads per CPU second); {listed:,} waiting in the inbox; "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
