"""Parallel checks: a legal and a brand check run side by side, each waiting at its own interrupt."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from workflows.models import WRITE, write
from workflows.spec import WorkflowSpec


class State(TypedDict, total=False):
    topic: str
    draft: str
    legal: dict[str, Any]  # one key per branch: parallel branches never write the same key
    brand: dict[str, Any]
    status: str
    final: str
    published_at: str


async def write_draft(state: State) -> State:
    return {"draft": await write(f"{WRITE} {state['topic']}"), "status": "drafted"}


def legal_check(state: State) -> State:
    return {"legal": interrupt({"draft": state["draft"], "message": "Legal check: any promise we cannot keep?"})}


def brand_check(state: State) -> State:
    return {"brand": interrupt({"draft": state["draft"], "message": "Brand check: does it sound like us?"})}


def decide(state: State) -> State:
    legal, brand = state.get("legal") or {}, state.get("brand") or {}
    if not (legal.get("approved") and brand.get("approved")):
        return {"status": "rejected"}
    # An edit by either check wins over the original; the brand check's wording comes last.
    draft = brand.get("draft") or legal.get("draft") or state["draft"]
    return {"status": "published", "draft": draft, "final": draft, "published_at": datetime.now(timezone.utc).isoformat()}


def build() -> StateGraph:
    graph = StateGraph(State)
    graph.add_node("write_draft", write_draft)
    graph.add_node("legal_check", legal_check)
    graph.add_node("brand_check", brand_check)
    graph.add_node("decide", decide)
    graph.add_edge(START, "write_draft")
    graph.add_edge("write_draft", "legal_check")
    graph.add_edge("write_draft", "brand_check")
    graph.add_edge(["legal_check", "brand_check"], "decide")
    graph.add_edge("decide", END)
    return graph


SPEC = WorkflowSpec(
    name="parallel_review",
    title="Parallel checks",
    description="A legal and a brand check of the same post wait at once; answer each, or both together.",
    builder=build,
    input_label="Topic of the post",
    make_input=lambda text: {"topic": text},
    demo_inputs=("the summer fair",),
)
