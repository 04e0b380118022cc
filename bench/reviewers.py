"""Benchmark (not a test): N reviewers on one console process, beside a bare Streamlit page, in one run.

    .venv/bin/python bench/reviewers.py                                   # N = 1, 10, 20, 40; 100,000 threads
    .venv/bin/python bench/reviewers.py --sessions 1 10 20 --threads 10000 --duration 30
    .venv/bin/python bench/reviewers.py --db /tmp/rc-100k.db              # build once, reuse after

Two `streamlit run` servers on loopback, started once: the console on a SQLite database of
`--threads` threads (10 % waiting; built with bench/inbox.py's builder and indexed before the
clock starts; reused when `--db` exists), and bench/bare_page.py (one 50-row table). For each N,
the bare page, then the console, get N sessions for `--duration` seconds each, one after the
other (so the two do not compete for the 2 cores). Every session speaks Streamlit's websocket
protocol (bench/streamlit_session.py): it opens the app, then again and again thinks (a random
time, exponential with mean `--think` seconds, at most four times that) and does one thing: on the bare page, reload it; on the console,
open the inbox (50 %), open a waiting thread's page (35 %), or decide on that thread (15 %:
Approve or Continue, as the page offers, when a thread page is open). The app's own `run_every`
fragments rerun on their own timers, as in a browser: a full rerun restarts them, so they fire
while a reviewer stays on a page longer than their interval; their reruns are measured apart.

A request's time is from the rerun_script sent to its script_finished. Errors: an exception box,
an error alert, no answer within 60 s, or a closed connection.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.streamlit_session import Session, serve  # noqa: E402
from ui.keys import REVIEWER_COOKIE as NAME_COOKIE  # noqa: E402  (constants only)

ANSWER_S = 60.0  # a request unanswered this long counts as an error
MIX = (("inbox", 0.50), ("thread", 0.35), ("decide", 0.15))
ERROR_ALERT = 1  # Alert.Format.ERROR


@dataclass
class Tally:
    pages: list[float] = field(default_factory=list)  # seconds per user request
    fragments: list[float] = field(default_factory=list)  # seconds per run_every rerun
    ticks: int = 0  # run_every requests sent
    superseded: int = 0  # of them, folded into (or dropped before) a full run: no run of their own
    late: list[float] = field(default_factory=list)  # the old clock's times for those (evidence only)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, kind: str, run) -> None:
        failed = run.elapsed_s is None or run.exceptions or any(a.format == ERROR_ALERT for a in run.kinds("alert"))
        if failed:
            self.errors += 1
            if len(self.notes) < 5:
                self.notes.append(f"{kind}: " + ("no answer" if run.elapsed_s is None else
                                                 "; ".join(run.texts()[-2:])[:160]))
        if run.elapsed_s is not None:
            self.pages.append(run.elapsed_s)
            self.by_kind.setdefault(kind, []).append(run.elapsed_s)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def figures(values: list[float]) -> str:
    if not values:
        return "—"
    return " / ".join(fmt(v) for v in (pct(values, 0.5), pct(values, 0.95), max(values)))


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


# ---- one reviewer ----------------------------------------------------------------------------


async def request(tab: Session, tally: Tally, kind: str, coro) -> object | None:
    try:
        run = await coro
    except TimeoutError:
        tally.errors += 1
        tally.notes.append(f"{kind}: no answer within {ANSWER_S:.0f} s")
        return None
    tally.add(kind, run)
    return run


async def decide(tab: Session, tally: Tally, name: str) -> None:
    """Approve (an interrupt) or Continue (a static pause), whichever the open thread page offers."""
    try:
        tab.set("Your name", string_value=name)
    except LookupError:
        pass
    for label in ("Approve", "Continue"):
        try:
            tab.click(label, kind="button")
            break
        except LookupError:
            continue
    else:
        return  # the thread was answered meanwhile: nothing to click; the next step opens another
    await request(tab, tally, "decide", tab.rerun())


async def reviewer(port: int, n: int, until: float, think: float, bare: bool, threads: list[str],
                   tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    await asyncio.sleep(rng.uniform(0, think))  # people do not all arrive in the same instant
    try:
        # A returning reviewer: the browser remembers the demo name (ui/runtime.py's cookie), as after a first visit.
        async with Session(port, timeout_s=ANSWER_S, cookies=None if bare else {NAME_COOKIE: f"Reviewer {n}"}) as tab:
            await request(tab, tally, "open", tab.open(""))
            on_thread = False
            while time.monotonic() < until:
                await asyncio.sleep(min(rng.expovariate(1 / think), 4 * think))
                if time.monotonic() >= until or tab.closed.is_set():
                    break
                if bare:
                    await request(tab, tally, "reload", tab.rerun())
                    continue
                kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
                if kind == "decide" and on_thread:
                    await decide(tab, tally, f"Reviewer {n}")
                elif kind == "inbox":
                    await request(tab, tally, "inbox", tab.open("inbox"))
                    on_thread = False
                else:
                    thread_id = threads[rng.randrange(len(threads))]
                    await request(tab, tally, "thread", tab.open("thread", {"thread_id": thread_id}))
                    on_thread = True
            tally.fragments.extend(r.elapsed_s for r in tab.runs if r.auto and r.elapsed_s is not None)
            tally.ticks += sum(1 for r in tab.runs if r.auto)
            tally.superseded += sum(1 for r in tab.runs if r.auto and r.superseded)
            tally.late.extend(r.late_s for r in tab.runs if r.auto and r.late_s is not None)
            if tab.closed.is_set():
                tally.errors += 1
                tally.notes.append("the server closed the connection")
    except OSError as exc:
        tally.errors += 1
        tally.notes.append(f"could not connect: {exc}")


async def phase(port: int, sessions: int, duration: float, think: float, bare: bool, threads: list[str]) -> Tally:
    tally = Tally()
    until = time.monotonic() + duration
    await asyncio.gather(*(reviewer(port, n, until, think, bare, threads, tally, seed=1000 * sessions + n)
                           for n in range(sessions)))
    return tally


# ---- the servers and the database ----------------------------------------------------------


def prepare(db: Path, threads: int) -> None:
    """Build (bench/inbox.py's builder) when missing, then index it fully, as a console's first start would."""
    import console  # noqa: F401  (strict checkpoint decoding before langgraph loads)
    from bench.inbox import build
    from console.settings import Settings

    if not db.exists():
        began = time.perf_counter()
        build(db, threads)
        print(f"built {threads:,} threads in {time.perf_counter() - began:.0f} s: {db}", flush=True)
    index_fully(Settings(db_path=db, seed_demo=False))


def index_fully(settings) -> None:
    """Open a console on the database and wait until its index has no backlog, as a first start would."""
    from console.service import Console

    began = time.perf_counter()
    app = Console(settings)
    try:
        while app.index_backlog() > 0:
            time.sleep(0.2)
    finally:
        app.close()
    print(f"indexed in {time.perf_counter() - began:.0f} s", flush=True)


def waiting_threads(db: Path, limit: int = 2000) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT thread_id FROM rc_threads WHERE status = 'waiting' ORDER BY thread_id LIMIT ?",
                            (limit,)).fetchall()
    return [r[0] for r in rows]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its threads, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_share(pid: int, seconds: float = 10.0) -> float:
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 20, 40], help="values of N")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds each N runs on each server")
    parser.add_argument("--think", type=float, default=3.0, help="mean think time between requests, seconds")
    parser.add_argument("--threads", type=int, default=100_000, help="threads in a newly built database")
    parser.add_argument("--db", type=Path, help="database file: reused when it exists, else built here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rc-reviewers-"))
    db = args.db or work / f"bench-{args.threads}.db"
    prepare(db, args.threads)
    threads = waiting_threads(db)
    console_env = {"REVIEW_CONSOLE_DB": str(db), "REVIEW_CONSOLE_DEMO": "false", "REVIEW_CONSOLE_DEMO_WORKFLOWS": "true", "REVIEW_CONSOLE_TOKEN_DELAY": "0"}
    rows = []
    with serve("bench/bare_page.py", {}, work / "bare.log", ROOT) as (bare_port, _), \
            serve("streamlit_app.py", console_env, work / "console.log", ROOT) as (console_port, console_pid):
        for port, bare in ((bare_port, True), (console_port, False)):  # first runs import, open the database
            asyncio.run(phase(port, 2, 3.0, 1.0, bare, threads))
        idle = idle_share(console_pid)
        for n in args.sessions:
            bare = asyncio.run(phase(bare_port, n, args.duration, args.think, True, threads))
            app = asyncio.run(phase(console_port, n, args.duration, args.think, False, threads))
            rows.append((n, bare, app))
            print(f"N={n}: bare {figures(bare.pages)} ({len(bare.pages)} requests, {bare.errors} errors); "
                  f"console {figures(app.pages)} ({len(app.pages)} requests, {app.errors} errors) "
                  f"{app.notes[:3]}", flush=True)
    print()
    print("| sessions | bare page p50 / p95 / max | console p50 / p95 / max | console p95: inbox / thread / decide "
          "| run_every reruns p50 / p95 | requests bare / console | errors bare / console |")
    print("|---:|---|---|---|---|---|---|")
    for n, bare, app in rows:
        kinds = " / ".join(fmt(pct(app.by_kind.get(k, []), 0.95)) if app.by_kind.get(k) else "—"
                           for k in ("inbox", "thread", "decide"))
        frag = " / ".join(fmt(pct(app.fragments, q)) for q in (0.5, 0.95)) if app.fragments else "—"
        print(f"| {n} | {figures(bare.pages)} | {figures(app.pages)} | {kinds} | {frag} "
              f"| {len(bare.pages)} / {len(app.pages)} | {bare.errors} / {app.errors} |")
    print()
    for n, _, app in rows:
        late = " / ".join(fmt(pct(app.late, q)) for q in (0.5, 0.95)) if app.late else "—"
        print(f"N={n}: {app.ticks} run_every requests, {app.superseded} superseded by a full run "
              f"(no run of their own; timed at their fragment's next run they would read p50 / p95 {late})")
    print()
    with sqlite3.connect(db) as conn:
        total = conn.execute("SELECT count(*) FROM rc_threads").fetchone()[0]
    print(f"{total:,} threads; {args.duration:.0f} s per N per server, think exponential, mean {args.think:.0f} s; "
          f"idle console process (no session open): {idle * 100:.1f} % of a core; "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, client and servers on this machine")


if __name__ == "__main__":
    main()
