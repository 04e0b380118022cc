"""A second console process running the deadline timer, for the two-process race tests (run as a script, never collected).

Usage: deadline_worker.py STORE POLICY NOW [SERVER SCOPE]
Opens a console on STORE with the policy file POLICY (its [[deadline]] rules), or with SERVER (a LangGraph Server's
url) a server-mode console whose own database is STORE, on the threads of metadata SCOPE (JSON); prints
"ready", waits for "go" on stdin, runs one timer pass as at unix time NOW, and prints
one JSON line: {"applied", "refused", "failed", "messages"}.
"""

import dataclasses
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["REVIEW_CONSOLE_TOKEN_DELAY"] = "0"

import console  # noqa: E402,F401  (strict checkpoint decoding before langgraph loads)
from console.service import Console  # noqa: E402
from tests.conftest import settings_for  # noqa: E402


def main() -> None:
    store, policy, now, *server = sys.argv[1:]
    # The background timer never runs here on its own: only the pass this script asks for.
    settings = settings_for(store, seed_demo=False, offline_token_delay=0, policy_path=policy, deadline_check_s=1e9)
    if server:
        from console.server.service import ServerConsole

        url, scope = server
        app = ServerConsole(dataclasses.replace(settings, server_url=url, server_metadata=scope))
    else:
        app = Console(settings)
    try:
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            raise SystemExit("no go signal")
        report = app.run_deadlines(float(now))
        print(json.dumps({"applied": report.applied, "refused": report.refused, "failed": report.failed,
                          "messages": [o.message for o in report.outcomes]}), flush=True)
    finally:
        app.close()


if __name__ == "__main__":
    main()
