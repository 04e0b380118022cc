"""One console replica in its own process, for the two-replica race test.

Usage: replica_worker.py STORE NAME THREAD_ID...
Opens a console on STORE (a SQLite path or postgresql:// URL), reads every
thread as a reviewer would, says "ready", waits for "go" on stdin, then approves all
of them as fast as it can (in its own order) and prints one JSON line per
thread: {"thread_id", "status", "message"}.
"""

import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["REVIEW_CONSOLE_TOKEN_DELAY"] = "0"

import console  # noqa: E402,F401
from console.decisions import DecisionRequest, Reviewer  # noqa: E402
from console.service import Console  # noqa: E402
from tests.conftest import settings_for  # noqa: E402


def main() -> None:
    store, name, *threads = sys.argv[1:]
    app = Console(settings_for(store, seed_demo=False, offline_token_delay=0))
    try:
        views = {t: app.thread(t) for t in threads}
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            raise SystemExit("no go signal")
        order = list(threads)
        random.Random(name).shuffle(order)
        for t in order:
            v = views[t]
            items = list(app.decide(DecisionRequest(t, v.checkpoint_id, v.interrupts[0].id, "approve"), Reviewer(name)))
            print(json.dumps({"thread_id": t, "status": items[-1].status, "message": items[-1].message}), flush=True)
    finally:
        app.close()


if __name__ == "__main__":
    main()
