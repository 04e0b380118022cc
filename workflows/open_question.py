"""Open questions: a plain string and an unknown dict, as many hand-written graphs ask."""

from __future__ import annotations

from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from workflows.spec import WorkflowSpec


class State(TypedDict, total=False):
    event: str
    venue: Any
    budget: Any
    status: str
    final: str


def ask(state: State) -> State:
    venue = interrupt(f"Which venue should we book for {state['event']}?")
    # A shape no adapter knows: the console shows it as data and takes a free-form (JSON) answer.
    budget = interrupt({"kind": "budget", "event": state["event"], "currency": "EUR", "range": [100, 5000]})
    return {"venue": venue, "budget": budget, "status": "planned"}


def plan(state: State) -> State:
    return {"final": f"{state['event']}: at {state['venue']}, budget {state['budget']} EUR."}


def build() -> StateGraph:
    graph = StateGraph(State)
    graph.add_node("ask", ask)
    graph.add_node("plan", plan)
    graph.add_edge(START, "ask")
    graph.add_edge("ask", "plan")
    graph.add_edge("plan", END)
    return graph


SPEC = WorkflowSpec(
    name="open_question",
    title="Event planning (open questions)",
    description="The workflow asks a plain question, then for a budget in a shape of its own.",
    builder=build,
    input_label="Event",
    make_input=lambda text: {"event": text},
    demo_inputs=("the autumn party",),
)
