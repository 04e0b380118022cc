"""A second console process for the cross-process tests (run as a script, never collected).

race DB THREAD N   open a console, print "ready", wait for "go" on stdin, then fire N
                   simultaneous approvals of what it saw; print their outcomes as JSON.
kill DB THREADS KILLS ROUNDS SEED MAX_MS
                   a fork server: until KILLS kills (at most ROUNDS rounds), each round forks a child that opens a console and
                   approves the first thread (of the JSON list in the file THREADS) still waiting at its question; the parent
                   SIGKILLs it at a random moment of the resume. Prints one JSON line
                   per round.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import console  # noqa: E402,F401  (strict checkpoint decoding before langgraph loads)
from console.decisions import DecisionRequest, Reviewer  # noqa: E402
from tests.flows import FLOWS  # noqa: E402


# Imported before any fork, so each forked child starts deciding at once.
from console.service import Console  # noqa: E402
import langchain_core.tracers.event_stream  # noqa: E402,F401  (astream_events imports it lazily)


def open_console(db: str):
    from tests.conftest import settings_for  # a SQLite path or a postgresql:// URL
    return Console(settings_for(db, seed_demo=False, extra_workflows=FLOWS, offline_token_delay=0))


def race(db: str, thread_id: str, n: int) -> None:
    app = open_console(db)
    view = app.thread(thread_id)
    request = DecisionRequest(thread_id, view.checkpoint_id, view.interrupts[0].id, "approve")
    results: list[str] = []
    gate = threading.Barrier(n)

    def click(i: int) -> None:
        gate.wait()
        try:
            results.append(list(app.decide(request, Reviewer(f"p{os.getpid()}-{i}")))[-1].status)
        except Exception as exc:  # reported, so the test shows it
            import traceback; traceback.print_exc(); results.append(f"error: {exc}")

    print("ready", flush=True)
    sys.stdin.readline()
    clicks = [threading.Thread(target=click, args=(i,)) for i in range(n)]
    for c in clicks:
        c.start()
    for c in clicks:
        c.join(60)
    print(json.dumps(results), flush=True)
    app.close()


def child(db: str, threads: str, write_fd: int) -> None:
    app = open_console(db)  # also recovers what the previous, killed child left pending
    candidates = json.loads(Path(threads).read_text())
    for thread_id in candidates:
        view = app.thread(thread_id)
        if view.status == "waiting" and view.interrupts:
            request = DecisionRequest(thread_id, view.checkpoint_id, view.interrupts[0].id, "approve")
            os.write(write_fd, thread_id.encode() + b"\n")  # "resuming now": the kill window opens
            list(app.decide(request, Reviewer("killer")))
            break
    os._exit(0)


def kill(db: str, threads: str, kills: int, rounds: int, seed: int, max_ms: float) -> None:
    rng = random.Random(seed)
    done = 0
    for i in range(rounds):
        if done >= kills:
            break
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            child(db, threads, write_fd)
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as pipe:
            line = pipe.readline().decode().strip()
            delay = rng.uniform(0, max_ms) / 1000
            if line:
                time.sleep(delay)  # the kill-timing loop: the one place a test sleeps
                os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status)
        done += killed
        print(json.dumps({"round": i, "thread": line, "delay_ms": round(delay * 1000, 1), "killed": killed}), flush=True)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "race":
        race(args[0], args[1], int(args[2]))
    elif mode == "kill":
        kill(args[0], args[1], int(args[2]), int(args[3]), int(args[4]), float(args[5]))
