"""Two-stage review: one node asks twice, first for changes, then for final approval."""

from __future__ import annotations

from typing import TypedDict

from langgraph.func import task
from langgraph.graph import StateGraph
from langgraph.types import interrupt

from workflows.common import draft_review_publish
from workflows.models import REVISE, write
from workflows.spec import WorkflowSpec


class State(TypedDict, total=False):
    topic: str
    draft: str
    requested_changes: str
    status: str
    final: str
    reason: str
    published_at: str



@task
async def apply_changes(draft: str, request: str) -> str:
    # A task, so that answering the second question does not re-run the model:
    # its result is saved and replayed, and the text approved is the text shown.
    return await write(f"{REVISE} {request}\n\nDraft:\n{draft}")


async def review(state: State) -> State:
    first = interrupt(
        {
            "step": 1,
            "steps": 2,
            "message": "Request changes, edit the draft yourself, or approve it as it is.",
            "draft": state["draft"],
            "allow": ["approve", "request_changes", "edit"],
        }
    )
    request = ""
    if first.get("changes"):
        request = first["changes"]
        updated = await apply_changes(state["draft"], request)
    else:
        updated = first.get("draft") or state["draft"]
    final = interrupt(
        {"step": 2, "steps": 2, "message": "Final approval of the updated draft.", "draft": updated}
    )
    if final.get("approved"):
        return {"status": "approved", "draft": final.get("draft") or updated, "requested_changes": request}
    return {"status": "rejected", "draft": updated, "requested_changes": request, "reason": final.get("reason", "")}


def build() -> StateGraph:
    return draft_review_publish(State, review)


SPEC = WorkflowSpec(
    name="two_stage_review",
    title="Two-stage review",
    description="A reviewer first asks for changes (the model applies them), then gives final approval, both in one step of the workflow.",
    builder=build,
    input_label="Topic of the post",
    make_input=lambda text: {"topic": text},
    demo_inputs=("the volunteer programme", "a price change"),
)
