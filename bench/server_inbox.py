"""Benchmark: the console's inbox over a LangGraph Server at 1,000 and 10,000 threads, against the raw
threads.search call and against a per-thread get_state loop (what Agent Inbox does), in one run.

Not a test; it prints figures. Run from the repository root (it starts its own `langgraph dev` from
.venv-server on a free 127.0.0.1 port, in a temp folder, and stops it at the end):

    .venv/bin/python bench/server_inbox.py                  # 1,000 then 10,000 threads
    .venv/bin/python bench/server_inbox.py --threads 1000   # one size

Threads, all waiting: 10 % are real runs of "content_approval" that stop at a dynamic interrupt() (their
previews come from the interrupt), 90 % are made by threads.create(supersteps=…) on "gated_publication",
which leaves them paused before a step, as its static pause does. Each figure is the median of --n timed
calls after one untimed warm-up call, from this process to the local server (no network in between).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.inbox import InboxQuery  # noqa: E402
from console.server.service import ServerConsole  # noqa: E402
from console.settings import Settings  # noqa: E402
from tests.server.launch import start_server, stop_server  # noqa: E402
from bench.inbox import median_ms  # noqa: E402  (one timing rule for every bench: warm once, then median)

PAGE = 50
INTERRUPTED_SHARE = 10  # one thread in ten is a real run stopped at interrupt()
WORKERS = 8


def add_threads(client, first: int, last: int) -> None:
    """Threads first..last-1; returns when the server counts them all as waiting."""
    def one(i: int) -> None:
        if i % INTERRUPTED_SHARE == 0:
            client.runs.create(str(uuid.uuid4()), "content_approval", input={"topic": f"topic {i}"},
                               if_not_exists="create", durability="sync")
        else:
            client.threads.create(metadata={"graph_id": "gated_publication"}, supersteps=[{"updates": [
                {"values": {"topic": f"topic {i}", "draft": f"Draft of article {i}"}, "as_node": "draft_article"}]}])

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(one, range(first, last)))
    while client.threads.count(status="interrupted") < last:  # the runs finish on the server's own workers
        time.sleep(0.2)  # polling the server's count, not a timed wait


def agent_inbox_page(client) -> int:
    """What Agent Inbox does for a page: search, then the state of each thread found, one call each."""
    found = client.threads.search(status="interrupted", limit=PAGE)
    return len([client.threads.get_state(t["thread_id"]) for t in found])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, nargs="+", default=[1000, 10000], help="sizes, ascending (threads)")
    parser.add_argument("--n", type=int, default=20, help="timed calls per figure (median)")
    args = parser.parse_args()
    sizes = sorted(set(args.threads))
    rows = []
    with tempfile.TemporaryDirectory(prefix="server-inbox-bench-") as folder:
        process, url, _log = start_server(Path(folder))
        app = None
        try:
            app = ServerConsole(Settings(server_url=url, db_path=Path(folder) / "console.db"))
            client, made = app.client, 0
            for size in sizes:
                started = time.perf_counter()
                add_threads(client, made, size)
                made_s, made = time.perf_counter() - started, size
                page = app.inbox(InboxQuery())
                assert page.total == size and len(page.rows) == PAGE, (page.total, len(page.rows))
                assert agent_inbox_page(client) == PAGE
                rows.append((size, made_s,
                             median_ms(lambda: app.inbox(InboxQuery()), args.n),
                             median_ms(lambda: client.threads.search(status="interrupted", limit=PAGE), args.n),
                             median_ms(lambda: agent_inbox_page(client), args.n)))
        finally:
            if app is not None:
                app.close()
            stop_server(process)
    print(f"\nLangGraph Server inbox, first page of {PAGE} waiting threads (medians of {args.n} calls, ms)\n")
    print("| threads | console inbox page | raw threads.search | search + get_state per thread (Agent Inbox) | threads made in |")
    print("|---:|---:|---:|---:|---:|")
    for size, made_s, console_ms, search_ms, loop_ms in rows:
        print(f"| {size:,} | {console_ms:.0f} | {search_ms:.0f} | {loop_ms:.0f} | {made_s:.0f} s |")


if __name__ == "__main__":
    main()
