"""Benchmark (not a test): how long an approve takes, click to saved, bare vs guarded.

bare     Command(resume={interrupt_id: answer}) streamed with durability="sync",
         then the thread read back: what any LangGraph UI does.
guarded  Console.decide(): input check, claim + log row in one BEGIN IMMEDIATE,
         the same resume, the outcome written, the index row refreshed.

Both run on one database file, through the same bridge, alternating, so
disk and cache effects hit both alike. Prints medians and the overhead.

    python bench/decide.py [--n 200] [--db PATH]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TypedDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import console  # noqa: E402,F401  (strict checkpoint decoding before langgraph loads)
from langgraph.graph import END, START, StateGraph  # noqa: E402
from langgraph.types import Command, interrupt  # noqa: E402

from workflows.spec import WorkflowSpec  # noqa: E402


class State(TypedDict, total=False):
    draft: str
    status: str


def ask(state: State) -> State:
    answer = interrupt({"draft": state["draft"], "message": "Approve?"})
    return {"status": "approved" if answer.get("approved") else "rejected"}


def publish(state: State) -> State:
    return {"status": state["status"] + " and published"}


def build() -> StateGraph:
    graph = StateGraph(State)
    graph.add_node("ask", ask)
    graph.add_node("publish", publish)
    graph.add_edge(START, "ask")
    graph.add_edge("ask", "publish")
    graph.add_edge("publish", END)
    return graph


SPEC = WorkflowSpec(name="bench", title="Bench", description="An interrupt, then one node.", builder=build,
                    make_input=lambda text: {"draft": text})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200, help="approvals per variant")
    parser.add_argument("--db", type=Path, default=None, help="database file (default: a new temporary one)")
    args = parser.parse_args()

    from console.decisions import DecisionRequest, Reviewer
    from console.runs import run_with_progress
    from console.service import Console
    from console.settings import Settings

    db = args.db or Path(tempfile.mkdtemp()) / "bench.db"
    app = Console(Settings(db_path=db, seed_demo=False, extra_workflows=("bench.decide:SPEC",), offline_token_delay=0))
    graph = app.graphs["bench"]
    reviewer = Reviewer("bench")
    stamp = int(time.time())
    for variant in ("bare", "guarded"):
        for i in range(args.n + 10):
            list(app.start("bench", f"Draft {i}", reviewer, thread_id=f"{variant}-{stamp}-{i}"))

    def bare(thread_id: str) -> float:
        config = {"configurable": {"thread_id": thread_id}}
        interrupt_id = app.bridge.run(graph.aget_state(config)).interrupts[0].id  # what the page showed
        began = time.perf_counter()
        command = Command(resume={interrupt_id: {"approved": True}})
        list(app.bridge.stream(lambda emit: run_with_progress(graph, command, config, emit)))
        state = app.bridge.run(graph.aget_state(config))
        took = time.perf_counter() - began
        assert state.values["status"] == "approved and published"
        return took

    def guarded(thread_id: str) -> float:
        view = app.thread(thread_id)  # what the page showed
        began = time.perf_counter()
        outcome = list(app.decide(DecisionRequest(thread_id, view.checkpoint_id, view.interrupts[0].id, "approve"), reviewer))[-1]
        took = time.perf_counter() - began
        assert outcome.status == "applied" and outcome.view.values["status"] == "approved and published", outcome.message
        return took

    times: dict[str, list[float]] = {"bare": [], "guarded": []}
    for i in range(args.n + 10):  # alternate; the first 10 of each warm up
        for variant, run in (("bare", bare), ("guarded", guarded)):
            took = run(f"{variant}-{stamp}-{i}")
            if i >= 10:
                times[variant].append(took)
    app.close()

    bare_ms = statistics.median(times["bare"]) * 1000
    guarded_ms = statistics.median(times["guarded"]) * 1000
    allowed = max(0.20 * bare_ms, 2.0)
    print(f"approve, click to saved, median of {args.n} each (langgraph + AsyncSqliteSaver, durability=sync, {db.name}):")
    for variant in ("bare", "guarded"):
        ms = sorted(t * 1000 for t in times[variant])
        print(f"  {variant:8} median {statistics.median(ms):6.2f} ms   p10 {ms[len(ms) // 10]:6.2f}   p90 {ms[len(ms) * 9 // 10]:6.2f}")
    paired = statistics.median(g - b for g, b in zip(times["guarded"], times["bare"])) * 1000
    print(f"  median of paired differences (robust to a busy machine): {paired:+.2f} ms")
    print(f"  overhead {guarded_ms - bare_ms:+.2f} ms ({guarded_ms / bare_ms:.2f}x); allowed {allowed:.2f} ms "
          f"(20% or 2 ms, whichever larger): {'OK' if guarded_ms - bare_ms < allowed else 'OVER'}")


if __name__ == "__main__":
    main()
