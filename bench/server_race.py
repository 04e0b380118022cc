"""Benchmark: the moment between the console's last look at a LangGraph Server thread and its run, and what happens
when a console decision and an answer sent past the console (as Agent Inbox sends one) race on one question.

Not a test; it prints figures. Run from the repository root (it starts its own `langgraph dev` from .venv-server
on a free 127.0.0.1 port, in a temp folder, and stops it at the end):

    .venv/bin/python bench/server_race.py              # 30 decisions timed each way, 60 race trials
    .venv/bin/python bench/server_race.py --n 10   # 10 each way, 20 races

The window: from the moment the console's last read of the thread's state returns to the moment the server has
created the console's run (the run's created_at, on the same machine's clock), and to the moment the console
sends it; once with the last look (console/server/race.py), once with only the first check before the claim.
The race: each trial starts a thread, then sends, at one barrier, a console decision (a rejection) and an SDK
resume of the same question on the thread's latest checkpoint (an approval), and counts what the server did.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console import formats  # noqa: E402
from console.decision_types import DecisionRequest, Reviewer  # noqa: E402
from console.errors import ConsoleError  # noqa: E402
from console.server import race  # noqa: E402
from console.server.service import ServerConsole  # noqa: E402
from console.settings import Settings  # noqa: E402
from tests.server.launch import start_server, stop_server  # noqa: E402


def started(app):
    return list(app.start("content_approval", {"topic": "race"}, Reviewer("Ann")))[-1].view


def approve(app, view, action="approve", inputs=None):
    return list(app.decide(DecisionRequest(view.thread_id, view.checkpoint_id, view.interrupts[0].id, action,
                                           inputs or {}), Reviewer("Bob")))[-1]


def windows(app, n: int) -> tuple[list[float], list[float]]:
    """(look → send, look → run created on the server) in ms for n decisions: the look is the last get_state
    that returned before the console sent its resume."""
    last_look: dict[str, float] = {}
    marks: dict[str, tuple[float, float]] = {}
    real_get_state, real_stream = app.client.threads.get_state, app.client.runs.stream

    def get_state(thread_id, *a, **k):
        state = real_get_state(thread_id, *a, **k)
        last_look[thread_id] = time.time()
        return state

    def stream(thread_id, *a, **k):
        if k.get("command"):  # the resume, not the start's run
            marks[thread_id] = (last_look[thread_id], time.time())
        return real_stream(thread_id, *a, **k)

    app.client.threads.get_state, app.client.runs.stream = get_state, stream
    to_send, to_created = [], []
    try:
        for _ in range(n):
            view = started(app)
            outcome = approve(app, view)
            assert outcome.status == "applied", outcome.message
            run = next(r for r in app.client.runs.list(view.thread_id, limit=10) if (r.get("kwargs") or {}).get("command"))
            look, sent = marks[view.thread_id]
            to_send.append((sent - look) * 1000)
            to_created.append((datetime.fromisoformat(str(run["created_at"])).timestamp() - look) * 1000)
    finally:
        app.client.threads.get_state, app.client.runs.stream = real_get_state, real_stream
    return to_send, to_created


def _said(outcome) -> str:
    if outcome.message == race.NOT_USED:
        return "refused: two runs ran, its answer not used (said so)"
    if race.TWO_RUNS in outcome.message:
        return "applied: two runs ran (said so)"
    if outcome.status == "refused":
        return "refused: " + ("moved on" if "moved on" in outcome.message else
                              "a run in flight (409)" if "Another run is already going" in outcome.message else
                              "in progress" if "being applied" in outcome.message else outcome.message[:60])
    return outcome.status


def trials(app, n: int, offsets_ms: list[float]) -> Counter:
    """What the server did in n races of one console decision against one answer sent past the console, the other
    answer sent `offset` ms after the console's (cycling through offsets_ms), to land across the whole moment."""
    counts: Counter = Counter()
    for i in range(n):
        offset = offsets_ms[i % len(offsets_ms)] / 1000
        view = started(app)
        pending = view.interrupts[0]
        go = threading.Barrier(2)
        said: dict[str, str] = {}

        def console_side():
            go.wait()
            try:
                said["console"] = _said(approve(app, view, "reject", {"reason": "race"}))
            except ConsoleError as exc:  # the server's 409 (multitask_strategy="reject"), in words
                said["console"] = f"refused ({type(exc).__name__})"

        def agent_inbox_side():
            go.wait()
            time.sleep(offset)  # where in the console's decision the other answer arrives (a bench, not a test)
            try:
                app.client.runs.wait(view.thread_id, "content_approval", command={"resume": {
                    pending.id: formats.build_answer(pending.value, "approve", {})}})
                said["other"] = "ran"
            except Exception as exc:  # the server's 409 while the console's run is in flight
                said["other"] = f"refused ({getattr(getattr(exc, 'response', None), 'status_code', '?')})"

        workers = [threading.Thread(target=console_side), threading.Thread(target=agent_inbox_side)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(120)
        # Runs that applied an answer: those that wrote a checkpoint from the one the question waited at (a resume
        # sent after the thread finished succeeds on the server but runs nothing from it).
        history = app.client.threads.get_history(view.thread_id, limit=race.HISTORY_READ)
        applied = len(race.other_runs(history, view.checkpoint_id, set()).runs)
        counts[(said.get("console"), said.get("other"), applied)] += 1
    return counts


def report(app, args) -> None:
    real_look = race.moved_from
    try:
        for label, look in (("with the last look", real_look), ("first check only", lambda *a: None)):
            race.moved_from = look
            to_send, to_created = windows(app, args.n)
            print(f"{label:>18}: look → send median {statistics.median(to_send):6.1f} ms (max {max(to_send):6.1f}); "
                  f"look → run created on the server median {statistics.median(to_created):6.1f} ms "
                  f"(max {max(to_created):6.1f}); n={args.n}")
    finally:
        race.moved_from = real_look
    counts = trials(app, args.trials, args.offsets)
    print(f"race trials: {args.trials} (the console: a rejection; past the console: an SDK approval sent "
          f"{', '.join(f'{o:g}' for o in args.offsets)} ms after it, in turn)")
    for (console_said, other_said, applied), k in counts.most_common():
        print(f"  {k:3d} × console {console_said}; the other answer {other_said}; runs that applied an answer: {applied}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--trials", type=int, default=None, help="race trials (default: twice --n)")
    parser.add_argument("--offsets", type=float, nargs="+", default=[0, 10, 20, 30, 40, 50, 60, 80, 100, 150],
                        help="ms after the console's decision starts that the other answer is sent")
    args = parser.parse_args()
    args.trials = args.trials or 2 * args.n
    folder = Path(tempfile.mkdtemp(prefix="review-console-race-"))
    process, url, _log = start_server(folder)
    try:
        app = ServerConsole(Settings(server_url=url, db_path=folder / "console.db"))
        try:
            report(app, args)
        finally:
            app.close()
    finally:
        stop_server(process)


if __name__ == "__main__":
    main()
