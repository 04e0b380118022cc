"""Steps the demo content workflows share: draft with the model, then publish what was approved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from langgraph.graph import END, START, StateGraph

from workflows.models import WRITE, write


async def write_draft(state: dict) -> dict:
    return {"draft": await write(f"{WRITE} {state['topic']}"), "status": "drafted"}


def publish(state: dict) -> dict:
    return {"status": "published", "final": state["draft"], "published_at": datetime.now(timezone.utc).isoformat()}


def after_review(state: dict) -> str:
    return "publish" if state["status"] == "approved" else END


def draft_review_publish(state_schema: type, review: Callable[..., Any]) -> StateGraph:
    """write_draft → review → publish (approved) or end (rejected)."""
    graph = StateGraph(state_schema)
    graph.add_node("write_draft", write_draft)
    graph.add_node("review", review)
    graph.add_node("publish", publish)
    graph.add_edge(START, "write_draft")
    graph.add_edge("write_draft", "review")
    graph.add_conditional_edges("review", after_review, ["publish", END])
    graph.add_edge("publish", END)
    return graph


def in_order(state_schema: type, *steps: Callable[..., Any]) -> StateGraph:
    """START → each step, in order → END; each node is named after its function."""
    graph = StateGraph(state_schema)
    previous = START
    for step in steps:
        graph.add_node(step.__name__, step)
        graph.add_edge(previous, step.__name__)
        previous = step.__name__
    graph.add_edge(previous, END)
    return graph
