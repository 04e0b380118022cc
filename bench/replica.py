"""The second console process of bench/stores.py: a replica that reports when a thread leaves its inbox.

    python bench/replica.py DATABASE     # a SQLite path or a postgresql:// URL

It opens its own Console on DATABASE and prints "ready". Then, for each thread id
read from stdin, it waits until the thread is in its inbox, prints "listed", then
polls until the thread has left it and prints "gone <time.monotonic()>". Linux's
monotonic clock is one clock for every process on the host, so the first process
subtracts its own reading, taken when its `decide` returned.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import console  # noqa: E402,F401  (strict checkpoint decoding before langgraph loads)
from console.inbox import InboxQuery  # noqa: E402
from console.service import Console  # noqa: E402
from console.settings import Settings  # noqa: E402

LIMIT_S = 10.0


def settings_for(where: str) -> Settings:
    if where.startswith("postgresql:"):
        return Settings(database_url=where, seed_demo=False, offline_token_delay=0)
    return Settings(db_path=Path(where), seed_demo=False, offline_token_delay=0)


def listed(app: Console, thread_id: str) -> bool:
    return thread_id in set(app.inbox(InboxQuery(search=thread_id)).rows["thread_id"])


def wait_for(predicate, what: str) -> None:
    began = time.monotonic()
    while not predicate():
        if time.monotonic() - began > LIMIT_S:
            raise SystemExit(f"{what} after {LIMIT_S:.0f} s")
        time.sleep(0.002)


def main() -> None:
    app = Console(settings_for(sys.argv[1]))
    try:
        while app.index_backlog() > 0:
            time.sleep(0.05)
        print("ready", flush=True)
        for line in sys.stdin:
            thread_id = line.strip()
            wait_for(lambda: listed(app, thread_id), f"{thread_id} not listed")
            print("listed", flush=True)
            wait_for(lambda: not listed(app, thread_id), f"{thread_id} still listed")
            print(f"gone {time.monotonic()!r}", flush=True)
    finally:
        app.close()


if __name__ == "__main__":
    main()
