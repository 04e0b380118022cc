"""Graphs for the picture tests: one with a subgraph, one whose node names try to break out of DOT."""

from __future__ import annotations

from typing import TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

# Quotes, backslashes (\N and \l mean something in a Graphviz label), a line break, an
# HTML-like label, an entity, and an attempt to close the label and add a node and an edge.
HOSTILE = '<b>b</b>&lt;\\N\\l"];evil[label="p"];n0->evil[x="\ny'


class State(TypedDict, total=False):
    text: str


def _ask(state: State) -> State:
    return {"text": str(interrupt({"message": "Does this look right?", "draft": state.get("text", "")}))}


def _check(state: State) -> State:
    return {}


def with_subgraph() -> StateGraph:
    """draft_reply → checks (check_facts → check_tone, a subgraph) → send_reply (asks)."""
    checks = StateGraph(State)
    checks.add_node("check_facts", _check)
    checks.add_node("check_tone", _check)
    checks.add_edge(START, "check_facts")
    checks.add_edge("check_facts", "check_tone")
    checks.add_edge("check_tone", END)
    graph = StateGraph(State)
    graph.add_node("draft_reply", _check)
    graph.add_node("checks", checks.compile())
    graph.add_node("send_reply", _ask)
    graph.add_edge(START, "draft_reply")
    graph.add_edge("draft_reply", "checks")
    graph.add_edge("checks", "send_reply")
    graph.add_edge("send_reply", END)
    return graph


def hostile() -> StateGraph:
    graph = StateGraph(State)
    graph.add_node(HOSTILE, _ask)
    graph.add_edge(START, HOSTILE)
    graph.add_edge(HOSTILE, END)
    return graph
