"""Content approval: a drafted post waits at a dynamic interrupt() for approve, reject or edit."""

from __future__ import annotations

from typing import TypedDict

from langgraph.graph import StateGraph
from langgraph.types import interrupt

from workflows.common import draft_review_publish
from workflows.spec import WorkflowSpec


class State(TypedDict, total=False):
    topic: str
    draft: str
    status: str
    final: str
    reason: str
    published_at: str


def review(state: State) -> State:
    answer = interrupt({"draft": state["draft"], "message": "Please review this post before it is published."})
    if answer.get("approved"):
        # An edit comes back as the reviewer's text; it replaces the draft.
        return {"status": "approved", "draft": answer.get("draft") or state["draft"]}
    return {"status": "rejected", "reason": answer.get("reason", "")}


def build() -> StateGraph:
    return draft_review_publish(State, review)


SPEC = WorkflowSpec(
    name="content_approval",
    title="Content approval",
    description="A post is drafted, then waits for a reviewer to approve, reject or edit it before it is published.",
    builder=build,
    input_label="Topic of the post",
    make_input=lambda text: {"topic": text},
    demo_inputs=("the new reviewer console", "our spring opening hours"),
)
