"""Benchmark (not a test): the Activity page on a log of 100,000 decisions, beside a bare Streamlit page, in one run.

Run from the repository root:

    .venv/bin/python bench/activity.py                      # 100,000 decisions
    .venv/bin/python bench/activity.py --decisions 10000 --repeat 20

It builds a SQLite database whose decision log holds `--decisions` decisions
over the last 90 days (three workflows, eight reviewers, every outcome, a few
rejection reasons, checkpoint ids carrying their pause time as LangGraph's do)
and 1,000 waiting threads in the index. Then it serves bench/bare_page.py (one
50-row table) and the console, opens a tab (bench/streamlit_session.py, the
websocket protocol) on the bare page, on Activity and on the Inbox, and reloads
them in turn, `--repeat` rounds in a rotating order, so that load from other
jobs falls on each alike: the figure is each run's server time, request to
script_finished, after 0.1 s idle as between a person's clicks (--think), as
medians, and the spread of each round's Activity / bare ratio (the Inbox of the
same console beside it, for scale). The page's figures are read once
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
import signal
import sqlite3
import subprocess
import statistics
import sys
import tempfile
import time
from collections.abc import Hashable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.streamlit_session import Session, serve  # noqa: E402
from ui.keys import REVIEWER_COOKIE  # noqa: E402

WORKFLOWS = ("content_approval", "gated_publication", "two_stage_review")
REVIEWERS = [f"Reviewer {n}" for n in range(1, 9)]
ACTIONS = [("approve", 55), ("reject", 20), ("edit", 15), ("continue", 5), ("request_changes", 5)]
REASONS = ["Too long", "Wrong tone", "Facts not checked", "Off topic", "Needs a source", "Duplicate"]
WAITING = 1_000
DAYS = 90
# Idle time before each reload, as between a person's clicks. Back to back, a reload on the same
# connection waits for TCP's delayed acknowledgement: measured here, the bare page took 44 ms with no
# pause between reloads and 9 ms with 50 ms between, whatever the page does (--think 0 shows it).
THINK_S = 0.1
PROFILE_RUNS = 200


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


async def tab(port: int, path: str, name: str | None, think_s: float = THINK_S) -> Session:
    """A tab on the page, warmed up (two runs); with `name`, a reviewer's (an administrator, in demo mode) whose
    browser remembers the name, as after a first visit. A name typed in the session instead would have the
    console mount the component that writes the cookie on every run: a browser runs it once and the console
    stops drawing it, this client never runs it (about 0.3 ms a run of the frame, measured here)."""
    session = await Session(port, cookies=None if name is None else {REVIEWER_COOKIE: name}).__aenter__()
    await session.open(path)
    for _ in range(2):
        await asyncio.sleep(think_s)
        await session.rerun()
    return session


async def interleaved(pages: dict[Hashable, tuple[int, str, str | None]], repeat: int,
                      think_s: float = THINK_S) -> tuple[dict[Hashable, list[float]], dict[Hashable, list[int]]]:
    """`pages`: name → (port, path, reviewer name) of a tab. Each round reloads every page once, in a rotating
    order, so that a burst of load from other jobs on the machine falls on all of them alike; each run's
    server time, in seconds, and its message count, per page."""
    tabs = {page: await tab(*where, think_s) for page, where in pages.items()}
    times: dict[Hashable, list[float]] = {page: [] for page in pages}
    messages: dict[Hashable, list[int]] = {page: [] for page in pages}
    try:
        order = list(pages)
        for n in range(repeat):
            for page in order[n % len(order):] + order[:n % len(order)]:
                await asyncio.sleep(think_s)
                run = await tabs[page].rerun()
                if run.exceptions:
                    raise SystemExit(f"the {page} page shows an exception: {run.exceptions[0]}")
                times[page].append(run.elapsed_s)
                messages[page].append(run.messages)
    finally:
        for session in tabs.values():
            await session.close()
    return times, messages


async def profiled(port: int, pid: int, runs: int, out: Path, page: str = "activity") -> tuple[float, float]:
    """`runs` reloads of `page` while py-spy samples the console's process (every thread, idle ones too);
    the median run in ms and the seconds sampled."""
    tab_ = await tab(port, page, "Lead")
    spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid), "--rate", "1000",
                            "--format", "raw", "--threads", "--idle", "--nonblocking", "--output", str(out)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    await asyncio.sleep(1.0)  # py-spy attaches (a wait for a tool, not a test's)
    began, times = time.perf_counter(), []
    try:
        for _ in range(runs):
            await asyncio.sleep(THINK_S)
            times.append((await tab_.rerun()).elapsed_s)
    finally:
        window = time.perf_counter() - began + 1.0
        spy.send_signal(signal.SIGINT)
        spy.wait(30)
        await tab_.close()
    return statistics.median(times) * 1000, window


def where_time_goes(raw: Path, runs: int, window_s: float, page_name: str = "activity") -> dict[str, float]:
    """py-spy's samples of the console's process, in ms a reload: the frame's script, the page's Streamlit
    calls (building each message, then waking the event loop to send it), the page's own code, the event loop."""
    title = page_name.capitalize()
    samples: dict[str, int] = {}
    main = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        thread, *frames = stack.split(";")
        if not frames or not count.isdigit():
            continue
        n = int(count)
        if "MainThread" in thread:
            main += n
            part = (None if "EpollSelector.select" in frames[-1]
                    else "event loop: a rerun request, starting its script thread" if "request_rerun" in stack
                    else "event loop: handing messages to the websocket")
        elif "ScriptRunner" not in thread:
            continue
        elif (page := next((k for k, f in enumerate(frames) if f.startswith(f"<module> ({page_name}.py")), None)) is None:
            frame = any(f.startswith("<module> (streamlit_app.py") for f in frames)
            part = "script: the frame (router, sidebar, fragment)" if frame else "script thread: Streamlit around the script"
        else:
            rest = frames[page + 1:]
            calls = next((f for f in rest if "(streamlit/" in f), "")
            if "caching" in calls:
                part = f"{title}: cached reads (st.cache_resource lookups)"
            elif calls:
                part = f"{title}: Streamlit element calls, " + (
                    "waking the event loop" if "_write_to_self" in frames[-1] else "building the message")
            else:
                part = f"{title}: own code (console/, ui/, pandas)"
        if part:
            samples[part] = samples.get(part, 0) + n
    rate = main / window_s  # the main thread is sampled throughout: what py-spy reached, per second
    return {part: n / rate / runs * 1000 for part, n in sorted(samples.items())}


def quartiles(values: list[float]) -> tuple[float, float, float]:
    q1, q2, q3 = statistics.quantiles(values, n=4)
    return q1, q2, q3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=100_000, help="decisions in the log")
    parser.add_argument("--repeat", type=int, default=50, help="rounds: each reloads every page once (medians)")
    parser.add_argument("--think", type=float, default=THINK_S, help="seconds idle before each reload")
    parser.add_argument("--profile", type=Path, help="afterwards, py-spy the console over 200 reloads of --profile-page: "
                        "raw samples to this file, and where a reload's time goes")
    parser.add_argument("--profile-page", choices=("activity", "inbox"), default="activity", help="the page --profile reloads")
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
            serve("streamlit_app.py", env, work / "console.log", ROOT) as (console_port, console_pid):
        # "empty": the console's Thread page with no thread chosen (a title, a sentence and a link): what the
        # frame (router, sidebar, name field and cookie, the waiting fragment) costs with next to no page.
        pages = {"bare": (bare_port, "", None), "empty": (console_port, "thread", "Lead"),
                 "activity": (console_port, "activity", "Lead"), "inbox": (console_port, "inbox", "Lead")}
        times, messages = asyncio.run(interleaved(pages, args.repeat, args.think))
        if args.profile:
            profile_ms, window_s = asyncio.run(profiled(console_port, console_pid, PROFILE_RUNS, args.profile,
                                                          args.profile_page))
    bare_ms, empty_ms, page_ms, inbox_ms = (statistics.median(times[p]) * 1000
                                            for p in ("bare", "empty", "activity", "inbox"))
    # The ratio of each round (its Activity run over its bare run): its spread says how far to trust the medians.
    low, mid, high = quartiles([a / b for a, b in zip(times["activity"], times["bare"])])
    e_low, e_mid, e_high = quartiles([a / b for a, b in zip(times["empty"], times["bare"])])
    print()
    print("| decisions | bare page | empty console page | Activity page | empty / bare (quartiles) "
          "| Activity / bare | each round's ratio (quartiles) | Inbox page (same console) | every aggregate, uncached |")
    print("|---:|---:|---:|---:|:---:|---:|:---:|---:|---:|")
    print(f"| {args.decisions:,} | {bare_ms:.1f} ms | {empty_ms:.1f} ms | {page_ms:.1f} ms "
          f"| {empty_ms / bare_ms:.2f}× ({e_low:.2f} / {e_mid:.2f} / {e_high:.2f}) | {page_ms / bare_ms:.2f}× "
          f"| {low:.2f} / {mid:.2f} / {high:.2f} | {inbox_ms:.0f} ms | {aggregates:.0f} ms |")
    print()
    # What a run costs grows with its messages (each element and block is one, built by the script, then
    # handed to the websocket by the event loop), not with the log: the counts say what each page sends.
    counts = ", ".join(f"{name} {statistics.median(messages[page]):.0f}" for page, name in
                       (("bare", "bare page"), ("empty", "empty console page"), ("activity", "Activity"), ("inbox", "Inbox")))
    print(f"Messages a run (new_session to script_finished): {counts}")
    print(f"{args.repeat} rounds, each reloading the bare page, the empty console page, Activity and Inbox once "
          f"(a tab each, in turn, {args.think:g} s idle before each), server time (request to script_finished); "
          f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs")
    if args.profile:
        print()
        print(f"Under py-spy ({args.profile}), {PROFILE_RUNS} {args.profile_page.capitalize()} reloads, median "
              f"{profile_ms:.1f} ms (sampling slows the process): time in the console's process, ms a reload")
        for part, ms in where_time_goes(args.profile, PROFILE_RUNS, window_s, args.profile_page).items():
            print(f"  {ms:6.2f} ms  {part}")


if __name__ == "__main__":
    main()
