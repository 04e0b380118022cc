"""Benchmark (not a test): reviewers on one console replica, then twice as many on two, on one PostgreSQL.

    .venv/bin/python bench/replicas.py                          # N = 10, 20; 10,000 threads
    .venv/bin/python bench/replicas.py --sessions 20 --threads 100000 --duration 60
    .venv/bin/python bench/replicas.py --pg-url postgresql://user@host/db_to_create_databases_from

A throwaway PostgreSQL server (tests/pg_server.py; or `--pg-url`) gets a database of `--threads`
threads (bench/stores.py's builder, 10 % waiting), indexed once before the clock starts. Two
console processes (`streamlit run`, REVIEW_CONSOLE_DB = the database URL) serve it, beside a bare
page. For each N: N sessions on the bare page; N sessions on replica A alone; then 2N sessions,
N on each replica, at once. The sessions are bench/reviewers.py's (inbox 50 %, a waiting thread
35 %, a decision 15 %, think time exponential, the app's run_every reruns honoured). "Twice the
reviewers at the same p95" is the last column against the one before it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import console  # noqa: E402,F401  (strict checkpoint decoding before langgraph loads)
from bench.reviewers import Tally, figures, index_fully, reviewer  # noqa: E402
from bench.stores import build_postgres  # noqa: E402
from bench.streamlit_session import serve  # noqa: E402
from console.settings import Settings  # noqa: E402


async def sessions_on(ports: list[int], per_port: int, duration: float, think: float, bare: bool,
                      threads: list[str]) -> Tally:
    """`per_port` sessions on each port at once, each with its own seed; one tally for all."""
    tally = Tally()
    until = time.monotonic() + duration
    await asyncio.gather(*(reviewer(port, n, until, think, bare, threads, tally, seed=7919 * (i + 1) + n)
                           for i, port in enumerate(ports) for n in range(per_port)))
    return tally


def prepare(url: str, threads: int) -> list[str]:
    """Build, index fully (as a first start would), and return waiting thread ids."""
    import psycopg

    began = time.perf_counter()
    asyncio.run(build_postgres(url, threads))
    print(f"built {threads:,} threads in {time.perf_counter() - began:.0f} s", flush=True)
    index_fully(Settings(database_url=url, seed_demo=False))
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT thread_id FROM rc_threads WHERE status = 'waiting' ORDER BY thread_id LIMIT 2000").fetchall()
    return [r[0] for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 20], help="values of N (sessions per replica)")
    parser.add_argument("--duration", type=float, default=40.0, help="seconds each phase runs")
    parser.add_argument("--think", type=float, default=3.0, help="mean think time between requests, seconds")
    parser.add_argument("--threads", type=int, default=10_000, help="threads in the database")
    parser.add_argument("--pg-url", help="an existing server's maintenance database URL (default: a throwaway server)")
    args = parser.parse_args()
    import psycopg

    from tests.pg_server import Server

    server = None if args.pg_url else Server().start()
    admin = args.pg_url or server.url
    name = f"rc_replicas_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = f"{admin.rsplit('/', 1)[0]}/{name}"
    rows = []
    try:
        threads = prepare(url, args.threads)
        work = Path(tempfile.mkdtemp(prefix="rc-replicas-"))
        env = {"REVIEW_CONSOLE_DB": url, "REVIEW_CONSOLE_DEMO": "false", "REVIEW_CONSOLE_DEMO_WORKFLOWS": "true",
               "REVIEW_CONSOLE_TOKEN_DELAY": "0"}
        with serve("bench/bare_page.py", {}, work / "bare.log", ROOT) as (bare_port, _), \
                serve("streamlit_app.py", env, work / "a.log", ROOT) as (a_port, _), \
                serve("streamlit_app.py", env, work / "b.log", ROOT) as (b_port, _):
            for port, bare in ((bare_port, True), (a_port, False), (b_port, False)):  # imports, first opens
                asyncio.run(sessions_on([port], 2, 3.0, 1.0, bare, threads))
            for n in args.sessions:
                bare = asyncio.run(sessions_on([bare_port], n, args.duration, args.think, True, threads))
                one = asyncio.run(sessions_on([a_port], n, args.duration, args.think, False, threads))
                two = asyncio.run(sessions_on([a_port, b_port], n, args.duration, args.think, False, threads))
                rows.append((n, bare, one, two))
                print(f"N={n}: bare {figures(bare.pages)}; one replica {figures(one.pages)} ({one.errors} errors); "
                      f"two replicas, {2 * n} sessions {figures(two.pages)} ({two.errors} errors) {two.notes[:2]}", flush=True)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if server is not None:
            server.stop()
    print()
    print("| N | bare page, N sessions: p50 / p95 / max | one replica, N sessions | two replicas, 2N sessions "
          "| requests one / two | errors one / two |")
    print("|---:|---|---|---|---|---|")
    for n, bare, one, two in rows:
        print(f"| {n} | {figures(bare.pages)} | {figures(one.pages)} | {figures(two.pages)} "
              f"| {len(one.pages)} / {len(two.pages)} | {one.errors} / {two.errors} |")
    print()
    print(f"{args.threads:,} threads on PostgreSQL (127.0.0.1); {args.duration:.0f} s per phase, think exponential, mean "
          f"{args.think:.0f} s; python {sys.version.split()[0]}, {os.cpu_count()} CPUs; both replicas, the bare page, "
          f"the database and the client on this machine")


if __name__ == "__main__":
    main()
