"""Content approval: a drafted post waits at a dynamic interrupt() for approve, reject or edit."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from workflows.models import WRITE, write
from workflows.spec import WorkflowSpec


class State(TypedDict, total=False):
    topic: str
    draft: str
    status: str
    final: str
    reason: str
    published_at: str


async def write_draft(state: State) -> State:
    return {"draft": await write(f"{WRITE} {state['topic']}"), "status": "drafted"}


def review(state: State) -> State:
    answer = interrupt({"draft": state["draft"], "message": "Please review this post before it is published."})
    if answer.get("approved"):
        # An edit comes back as the reviewer's text; it replaces the draft.
        return {"status": "approved", "draft": answer.get("draft") or state["draft"]}
    return {"status": "rejected", "reason": answer.get("reason", "")}


def publish(state: State) -> State:
    return {"status": "published", "final": state["draft"], "published_at": datetime.now(timezone.utc).isoformat()}


def after_review(state: State) -> str:
    return "publish" if state["status"] == "approved" else END


def build() -> StateGraph:
    graph = StateGraph(State)
    graph.add_node("write_draft", write_draft)
    graph.add_node("review", review)
    graph.add_node("publish", publish)
    graph.add_edge(START, "write_draft")
    graph.add_edge("write_draft", "review")
    graph.add_conditional_edges("review", after_review, ["publish", END])
    graph.add_edge("publish", END)
    return graph


SPEC = WorkflowSpec(
    name="content_approval",
    title="Content approval",
    description="A post is drafted, then waits for a reviewer to approve, reject or edit it before it is published.",
    builder=build,
    input_label="Topic of the post",
    make_input=lambda text: {"topic": text},
    demo_inputs=("the new reviewer console", "our spring opening hours"),
)
