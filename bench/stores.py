"""Benchmark (not a test): the same console figures on SQLite and on PostgreSQL, side by side, in one run.

    python bench/stores.py                       # 1,000 and 10,000 threads; a throwaway PostgreSQL server
    python bench/stores.py --threads 1000 10000 100000   # these sizes, in one run
    python bench/stores.py --pg-url postgresql://user@host/db_to_create_databases_from

Each database holds 10 % pending threads (interrupt() and interrupt_after
pauses) and 90 % finished ones: TEMPLATES threads run through the real graphs by
the real saver, the rest copies of their saver rows under new ids (each copy
reads back with aget_state). Then a console opens the database and indexes it
from scratch (timed), and we measure: the inbox's first page and a filtered
page, sidebar counts, an approve (click to saved), and how long a decision made
on one replica takes to leave the other replica's inbox: the other replica is a
second console process (bench/replica.py), as in a real deployment.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import console  # noqa: E402,F401  (strict checkpoint decoding before langgraph loads)
from langgraph.types import Command  # noqa: E402

from bench.inbox import median_ms  # noqa: E402  (one timing rule for both benches: warm once, then median)
from console.decisions import DecisionRequest, Reviewer  # noqa: E402
from console.inbox import InboxQuery  # noqa: E402
from console.service import Console  # noqa: E402
from console.settings import Settings  # noqa: E402
from workflows import content_approval, gated_publication  # noqa: E402
from workflows.models import instant_tokens  # noqa: E402

TEMPLATES = 200
FIRST_PAGE = InboxQuery()
FILTERED = InboxQuery(workflows=("content_approval",), search="topic 1", page_size=50)
REVIEWER = Reviewer("bench")


def graphs(saver):
    return {
        "content_approval": content_approval.build().compile(checkpointer=saver),
        "gated_publication": gated_publication.build().compile(checkpointer=saver, **gated_publication.SPEC.compile_options),
    }


async def run_templates(saver) -> None:
    token = instant_tokens.set(True)
    try:
        g = graphs(saver)
        for i in range(TEMPLATES):
            workflow = "content_approval" if i % 20 < 10 else "gated_publication"
            cfg = {"configurable": {"thread_id": f"t{i:04d}"}, "metadata": {"workflow": workflow, "workflow_version": "1"}}
            await g[workflow].ainvoke({"topic": f"topic {i}"}, cfg, durability="sync")
            if i % 10 == 0:
                continue  # pending
            if workflow == "content_approval":
                snap = await g[workflow].aget_state(cfg)
                await g[workflow].ainvoke(Command(resume={snap.interrupts[0].id: {"approved": True}}), cfg, durability="sync")
            else:
                await g[workflow].ainvoke(None, cfg, durability="sync")
                await g[workflow].ainvoke(None, cfg, durability="sync")
    finally:
        instant_tokens.reset(token)


async def build_sqlite(path: Path, threads: int) -> None:
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    async with AsyncSqliteSaver.from_conn_string(str(path)) as saver:
        await run_templates(saver)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN")
    for copy in range(1, threads // TEMPLATES):
        suffix = f"-{copy:05d}"
        conn.execute("INSERT INTO checkpoints SELECT thread_id || ?, checkpoint_ns, checkpoint_id, parent_checkpoint_id, "
                     "type, checkpoint, metadata FROM checkpoints WHERE length(thread_id) = 5", (suffix,))
        conn.execute("INSERT INTO writes SELECT thread_id || ?, checkpoint_ns, checkpoint_id, task_id, task_path, idx, "
                     "channel, type, value FROM writes WHERE length(thread_id) = 5", (suffix,))
    conn.execute("COMMIT")
    conn.close()


async def build_postgres(url: str, threads: int) -> None:
    import psycopg
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

    async with AsyncPostgresSaver.from_conn_string(url) as saver:
        await saver.setup()
        await run_templates(saver)
    async with await psycopg.AsyncConnection.connect(url) as conn:
        copies = [f"-{c:05d}" for c in range(1, threads // TEMPLATES)]
        for table, cols in (
            ("checkpoints", "checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata"),
            ("checkpoint_blobs", "checkpoint_ns, channel, version, type, blob"),
            ("checkpoint_writes", "checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob, task_path"),
        ):
            await conn.execute(
                f"INSERT INTO {table}(thread_id, {cols}) SELECT t.thread_id || s.suffix, {', '.join('t.' + c for c in cols.split(', '))} "
                f"FROM {table} t CROSS JOIN unnest(%s::text[]) AS s(suffix) WHERE length(t.thread_id) = 5", (copies,))
        await conn.commit()
        await conn.execute("ANALYZE")


class Replica:
    """A second console process on the same database (bench/replica.py), driven over its stdin."""

    def __init__(self, where: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "replica.py"), where],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self._expect("ready")

    def _expect(self, word: str) -> str:
        line = self.proc.stdout.readline().strip()
        if not line.startswith(word):
            raise SystemExit(f"the second console process said {line!r} (expected {word!r})")
        return line

    def watch(self, thread_id: str) -> None:
        """Returns once the thread is in the replica's inbox."""
        self.proc.stdin.write(thread_id + "\n")
        self._expect("listed")

    def gone_at(self) -> float:
        """time.monotonic() in the replica when the thread had left its inbox."""
        return float(self._expect("gone").split()[1])

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def measure(kind: str, settings: Settings, where: str, threads: int) -> dict:
    row: dict = {"store": kind, "threads": threads}
    start = time.perf_counter()
    app = Console(settings)
    other = None
    try:
        while app.index_backlog() > 0:
            time.sleep(0.05)
        row["backfill_s"] = time.perf_counter() - start
        page = app.inbox(FIRST_PAGE)
        assert page.total == threads // 10 and len(page.rows) == 50, (page.total, len(page.rows))
        row["inbox"] = median_ms(lambda: app.inbox(FIRST_PAGE), 100)
        row["inbox_f"] = median_ms(lambda: app.inbox(FILTERED), 100)
        row["counts"] = median_ms(lambda: (app.counts(), app.filter_choices()), 100)
        other = Replica(where)  # a second console process on the same database
        pending = [t for t in page.rows["thread_id"] if t.startswith("t") and app.thread(t).interrupts][:10]
        decide, seen = [], []
        for t in pending:
            view = app.thread(t)
            other.watch(t)
            began = time.perf_counter()
            outcome = list(app.decide(DecisionRequest(t, view.checkpoint_id, view.interrupts[0].id, "approve"), REVIEWER))[-1]
            decide.append(time.perf_counter() - began)
            returned = time.monotonic()
            assert outcome.status == "applied", outcome.message
            # The thread may leave the other inbox before decide returns (it does once claimed): 0 then.
            seen.append(max(0.0, other.gone_at() - returned))
        row["decide"] = statistics.median(decide) * 1000
        row["replica"] = statistics.median(seen) * 1000
    finally:
        if other is not None:
            other.close()
        app.close()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", help="sizes, e.g. 1000 10000 100000 (default: 1000 and 10000)")
    parser.add_argument("--pg-url", help="an existing server's maintenance database URL (default: a throwaway server)")
    args = parser.parse_args()
    sizes = args.threads or [1_000, 10_000]
    import psycopg

    from tests.pg_server import SETTINGS, Server

    server = None
    if args.pg_url:
        admin = args.pg_url
        server_settings = "the server given with --pg-url"
    else:
        server = Server().start()
        admin = server.url
        server_settings = "throwaway server: " + ", ".join(f"{k}={v}" for k, v in SETTINGS.items())
    base = admin.rsplit("/", 1)[0]
    rows = []
    with psycopg.connect(admin, autocommit=True) as conn:
        server_version = conn.execute("SHOW server_version").fetchone()[0]
    try:
        with tempfile.TemporaryDirectory(prefix="rc-bench-") as tmp:
            for n in sizes:
                path = Path(tmp) / f"bench-{n}.db"
                asyncio.run(build_sqlite(path, n))
                rows.append(measure("SQLite", Settings(db_path=path, seed_demo=False, offline_token_delay=0), str(path), n))
                name = f"rc_bench_{n}_{os.getpid()}"
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f"CREATE DATABASE {name}")
                try:
                    url = f"{base}/{name}"
                    asyncio.run(build_postgres(url, n))
                    rows.append(measure("PostgreSQL", Settings(database_url=url, seed_demo=False, offline_token_delay=0), url, n))
                finally:
                    with psycopg.connect(admin, autocommit=True) as conn:
                        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        if server is not None:
            server.stop()
    print()
    print("| store | threads | inbox first page | filtered page | sidebar counts + filter choices | approve, click to saved "
          "| decision gone from the other replica's inbox | index backfill |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['store']} | {r['threads']:,} | {r['inbox']:.2f} ms | {r['inbox_f']:.2f} ms | {r['counts']:.2f} ms "
              f"| {r['decide']:.1f} ms | {r['replica']:.0f} ms | {r['backfill_s']:.1f} s |")
    print()
    print(f"medians; python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, PostgreSQL {server_version.split()[0]} "
          f"(psycopg {psycopg.__version__}), {os.cpu_count()} CPUs; 10 % of the threads pending; "
          f"PostgreSQL on 127.0.0.1 ({server_settings}); the other replica is a second console process")


if __name__ == "__main__":
    main()
