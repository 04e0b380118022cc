"""Open questions: a plain string and an unknown dict, as many hand-written graphs ask."""

from __future__ import annotations

from typing import Any, TypedDict

from langgraph.graph import StateGraph
from langgraph.types import interrupt

from workflows.common import in_order
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
    return in_order(State, ask, plan)


SPEC = WorkflowSpec(
    name="open_question",
    title="Event planning (open questions)",
    description="The workflow asks a plain question, then for a budget in a shape of its own.",
    builder=build,
    input_label="Event",
    make_input=lambda text: {"event": text},
    demo_inputs=("the autumn party",),
)
