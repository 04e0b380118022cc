"""A team's own workflow: a support reply is drafted, a person approves it, then it is sent.

Review it in the console without changing the console:

    REVIEW_CONSOLE_WORKFLOWS="examples.support_reply:build?interrupt_before=send_reply" \
        .venv/bin/streamlit run streamlit_app.py
"""

from typing import TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt


class Ticket(TypedDict):
    ticket: str  # the Start form asks for this key only, and requires it


class State(TypedDict, total=False):
    ticket: str
    reply: str
    status: str


def draft_reply(state: State) -> State:
    return {"reply": f"Hello, thank you for writing to us about “{state['ticket']}”. We are looking into it today."}


def review_reply(state: State) -> State:
    answer = interrupt({"draft": state["reply"], "message": "Send this reply to the customer?"})
    if answer.get("approved"):
        return {"reply": answer.get("draft") or state["reply"], "status": "approved"}
    return {"status": "rejected"}


def send_reply(state: State) -> State:
    return {"status": "sent"}


def build() -> StateGraph:
    graph = StateGraph(State, input_schema=Ticket)
    graph.add_node("draft_reply", draft_reply)
    graph.add_node("review_reply", review_reply)
    graph.add_node("send_reply", send_reply)
    graph.add_edge(START, "draft_reply")
    graph.add_edge("draft_reply", "review_reply")
    graph.add_conditional_edges("review_reply", lambda s: "send_reply" if s["status"] == "approved" else END,
                                ["send_reply", END])
    graph.add_edge("send_reply", END)
    return graph
