"""Benchmark: what deadlines and the Activity page cost in server mode, at 1,000 waiting threads (or --threads).

Not a test; it prints figures. It starts its own `langgraph dev` (tests/server/launch.py), makes the threads as
bench/server_inbox.py does, then times, medians of --n calls after one warm-up:
- the inbox's first page without deadlines, with a deadline no thread has reached, and with every thread overdue;
- the walk of the whole waiting list (the deadline timer's and the Activity page's one read, threads.search pages);
- the Activity page's figures (server_insight.read: the console's log, plus that walk).

    .venv/bin/python bench/server_waiting.py
    .venv/bin/python bench/server_waiting.py --threads 1000 10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.inbox import median_ms  # noqa: E402
from bench.server_inbox import add_threads  # noqa: E402
from console.deadlines import load_deadlines  # noqa: E402
from console.inbox import InboxQuery  # noqa: E402
from console.insight import ActivityQuery, Scope  # noqa: E402
from console.server import insight as server_insight  # noqa: E402
from console.server.service import ServerConsole  # noqa: E402
from console.server.waiting import waiting_rows  # noqa: E402
from console.settings import Settings  # noqa: E402
from tests.server.launch import start_server, stop_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, nargs="+", default=[1000], help="sizes, ascending")
    parser.add_argument("--n", type=int, default=10, help="timed calls per figure (median)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="server-waiting-bench-") as folder:
        process, url, _log = start_server(Path(folder))
        app = None
        try:
            rules = {}
            for name, hours in (("later", 1000), ("overdue", 0)):
                path = Path(folder) / f"{name}.toml"
                path.write_text(f'[[deadline]]\nworkflows = ["*"]\ndue_hours = {hours}\n')
                rules[name] = load_deadlines(path)
            app = ServerConsole(Settings(server_url=url, db_path=Path(folder) / "console.db", deadline_check_s=1e9))
            made = 0
            today = dt.datetime.now(dt.timezone.utc).date()
            activity = ActivityQuery(start=today - dt.timedelta(days=29), end=today)
            for size in sorted(set(args.threads)):
                add_threads(app.client, made, size)
                made = size
                figures = {}
                for name, deadlines in (("none", load_deadlines(None)), *rules.items()):
                    app.deadlines = deadlines
                    figures[name] = median_ms(lambda: app.reads.page(InboxQuery(), time.time()), args.n)
                app.deadlines = load_deadlines(None)
                assert len(waiting_rows(app.client, app.scope)) == size
                walk = median_ms(lambda: waiting_rows(app.client, app.scope), args.n)
                app.forget_reads()  # each Activity read walks again (a new inbox version)
                read = median_ms(lambda: (app.forget_reads(), server_insight.read(app, activity, Scope(everyone=True))),
                                 args.n)
                rows.append((size, figures["none"], figures["later"], figures["overdue"], walk, read))
        finally:
            if app is not None:
                app.close()
            stop_server(process)
    print(f"\nServer mode: deadlines and Activity (medians of {args.n} calls, ms)\n")
    print("| threads | inbox page | with a deadline, none due | every thread overdue | whole waiting list | Activity |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size, plain, later, overdue, walk, read in rows:
        print(f"| {size:,} | {plain:.0f} | {later:.0f} | {overdue:.0f} | {walk:.0f} | {read:.0f} |")


if __name__ == "__main__":
    main()
