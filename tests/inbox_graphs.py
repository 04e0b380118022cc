"""A test workflow with every kind of pause, for the inbox tests: one graph, routed by `mode`.

Loaded as "tests.inbox_graphs:build?interrupt_after=mix_gate_a&interrupt_before=mix_gate_b&name=mix".
Node names are unique to it, so threads written without a `workflow` key in their
metadata (another process) are still recognised by their node names.
"""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

ENTRY = "tests.inbox_graphs:build?interrupt_after=mix_gate_a&interrupt_before=mix_gate_b&name=mix"
COMPILE = {"interrupt_after": ["mix_gate_a"], "interrupt_before": ["mix_gate_b"]}
MODES = ("ask", "ask_twice", "gate", "plain", "explode")


class State(TypedDict, total=False):
    mode: str
    text: str
    answers: Annotated[list, operator.add]


def mix_start(state: State) -> State:
    return {"text": f"Please look at {state.get('text') or 'this'}"}


def mix_ask(state: State) -> State:
    answer = interrupt({"draft": state["text"], "message": "Approve?"})
    return {"answers": [answer]}


def mix_ask_twice(state: State) -> State:
    first = interrupt({"draft": state["text"], "message": "First look", "step": 1, "steps": 2})
    second = interrupt({"draft": state["text"], "message": "Second look", "step": 2, "steps": 2})
    return {"answers": [first, second]}


def mix_gate_a(state: State) -> State:
    return {"text": state["text"] + " (gated)"}


def mix_middle(state: State) -> State:
    return {"text": state["text"] + " (between the gates)"}


def mix_gate_b(state: State) -> State:
    return {"answers": ["through the gate"]}


def mix_explode(state: State) -> State:
    raise RuntimeError("the mix_explode step broke on purpose")


def mix_done(state: State) -> State:
    return {"answers": ["done"]}


def build() -> StateGraph:
    graph = StateGraph(State)
    for node in (mix_start, mix_ask, mix_ask_twice, mix_gate_a, mix_middle, mix_gate_b, mix_explode, mix_done):
        graph.add_node(node.__name__, node)
    graph.add_edge(START, "mix_start")
    routes = {"ask": "mix_ask", "ask_twice": "mix_ask_twice", "gate": "mix_gate_a", "plain": "mix_done",
              "explode": "mix_explode"}
    graph.add_conditional_edges("mix_start", lambda s: routes[s.get("mode", "plain")], list(routes.values()))
    graph.add_edge("mix_ask", "mix_done")
    graph.add_edge("mix_ask_twice", "mix_done")
    # A step between the gates, so "paused after mix_gate_a" and "paused before mix_gate_b" differ.
    graph.add_edge("mix_gate_a", "mix_middle")
    graph.add_edge("mix_middle", "mix_gate_b")
    graph.add_edge("mix_gate_b", "mix_done")
    graph.add_edge("mix_explode", "mix_done")
    graph.add_edge("mix_done", END)
    return graph


async def elsewhere(db_path, *steps) -> None:
    """Another process's writer: its own connection and saver, no console involved.
    Each step is (thread_id, mode) to start a thread, or (thread_id, "answer") to answer it."""
    async with AsyncSqliteSaver.from_conn_string(str(db_path)) as saver:
        graph = build().compile(checkpointer=saver, **COMPILE)
        for thread_id, what in steps:
            cfg = {"configurable": {"thread_id": thread_id}}
            if what == "answer":  # the question asked, or past a static gate
                snap = await graph.aget_state(cfg)
                resume = Command(resume={snap.interrupts[0].id: "yes"}) if snap.interrupts else None
                await graph.ainvoke(resume, cfg, durability="sync")
            else:
                try:
                    await graph.ainvoke({"mode": what, "text": f"topic of {thread_id}"}, cfg, durability="sync")
                except RuntimeError:
                    pass  # mix_explode
