"""Gated publication: static pauses after the draft is written and before it is published."""

from __future__ import annotations

from typing import TypedDict

from langgraph.graph import StateGraph

from workflows.common import in_order, publish, write_draft
from workflows.models import POLISH, write
from workflows.spec import WorkflowSpec


class State(TypedDict, total=False):
    topic: str
    draft: str
    notes: str
    status: str
    final: str
    published_at: str


async def draft_article(state: State) -> State:
    return await write_draft(state)


async def polish_article(state: State) -> State:
    polished = await write(f"{POLISH}\n\nDraft:\n{state['draft']}")
    return {"draft": polished, "status": "polished", "notes": state.get("notes") or "Polished automatically."}


def publish_article(state: State) -> State:
    return publish(state)


def build() -> StateGraph:
    return in_order(State, draft_article, polish_article, publish_article)


SPEC = WorkflowSpec(
    name="gated_publication",
    title="Gated publication",
    description="An article pauses after it is drafted and again before it is published; a reviewer may change it at either gate.",
    builder=build,
    compile_options={"interrupt_after": ["draft_article"], "interrupt_before": ["publish_article"]},
    input_label="Topic of the article",
    make_input=lambda text: {"topic": text},
    demo_inputs=("the quarterly newsletter", "a library closure notice"),
)
