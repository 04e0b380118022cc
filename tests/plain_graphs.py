"""A test workflow whose question is asked inside a subgraph, with step titles, for the wording tests.

Loaded as "tests.plain_graphs:SUPPORT". draft_reply → response_agent (a compiled
subgraph: prepare_reply → interrupt_handler, which asks) → send_reply, which fails
on purpose when the approved reply contains "explode".
"""

from __future__ import annotations

from typing import TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from workflows.common import in_order
from workflows.spec import WorkflowSpec

ENTRY = "tests.plain_graphs:SUPPORT"


class State(TypedDict, total=False):
    question: str
    draft: str
    status: str
    final: str


def draft_reply(state: State) -> State:
    return {"draft": f"Thank you for asking about {state.get('question') or 'this'}.", "status": "drafted"}


def prepare_reply(state: State) -> State:
    return {"draft": state["draft"] + " Kind regards, the support team"}


def interrupt_handler(state: State) -> State:
    answer = interrupt({"draft": state["draft"], "message": "Approve this reply before it goes to the customer."})
    if answer.get("approved"):
        return {"status": "approved", "draft": answer.get("draft") or state["draft"]}
    return {"status": "rejected"}


def send_reply(state: State) -> State:
    if state["status"] != "approved":
        return {}
    if "explode" in state["draft"]:
        raise RuntimeError("the mail server refused the reply")
    return {"status": "sent", "final": state["draft"]}


def build() -> StateGraph:
    response_agent = in_order(State, prepare_reply, interrupt_handler).compile()  # the parent's checkpointer is used
    graph = StateGraph(State)
    graph.add_node("draft_reply", draft_reply)
    graph.add_node("response_agent", response_agent)
    graph.add_node("send_reply", send_reply)
    graph.add_edge(START, "draft_reply")
    graph.add_edge("draft_reply", "response_agent")
    graph.add_edge("response_agent", "send_reply")
    graph.add_edge("send_reply", END)
    return graph


SUPPORT = WorkflowSpec(
    name="support_desk",
    title="Customer support desk",
    description="A reply is drafted, checked inside a response agent (a subgraph), then sent.",
    builder=build,
    input_label="The customer's question",
    make_input=lambda text: {"question": text},
    # Titles for two steps; the others (the subgraph and the step inside it) are shown in readable form.
    step_titles={"draft_reply": "Write the first reply", "send_reply": "Send the reply"},
)
