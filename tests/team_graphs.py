"""Graphs a team might bring: an interrupt inside a subgraph, and entries that fail to load or compile."""

from __future__ import annotations

from typing import Required, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt


class Email(TypedDict, total=False):
    email: str
    reply: str
    decision: dict


def draft(state: Email) -> Email:
    return {"reply": f"Thanks for your message about {state['email']}."}


def interrupt_handler(state: Email) -> Email:
    # The pause is inside the subgraph: the parent's thread waits at "response_agent".
    answer = interrupt({"draft": state["reply"], "message": "Send this reply?"})
    return {"decision": answer, "reply": answer.get("draft") or state["reply"]}


def _response_agent():
    sub = StateGraph(Email)
    sub.add_node("draft", draft)
    sub.add_node("interrupt_handler", interrupt_handler)
    sub.add_edge(START, "draft")
    sub.add_edge("draft", "interrupt_handler")
    sub.add_edge("interrupt_handler", END)
    return sub.compile()  # no checkpointer: it saves through the parent's


def build_email_assistant() -> StateGraph:
    graph = StateGraph(Email)
    graph.add_node("response_agent", _response_agent())
    graph.add_edge(START, "response_agent")
    graph.add_edge("response_agent", END)
    return graph


def build_broken() -> StateGraph:
    """Compiling fails: a node that nothing leads to and that leads nowhere is fine, an edge to a missing node is not."""
    graph = StateGraph(Email)
    graph.add_node("draft", draft)
    graph.add_edge(START, "draft")
    graph.add_edge("draft", "nowhere")
    return graph




def _mailbox(name: str):
    def ask(state: Email) -> Email:
        return {"decision": interrupt({"draft": f"Reply from {name}", "message": "Send it?"})}
    sub = StateGraph(Email)
    sub.add_node("interrupt_handler", ask)
    sub.add_edge(START, "interrupt_handler")
    sub.add_edge("interrupt_handler", END)
    return sub.compile()


def build_two_mailboxes() -> StateGraph:
    """Two subgraphs in parallel, each waiting: two interrupts pending, each answered by its id."""
    graph = StateGraph(Email)
    graph.add_node("sales", _mailbox("sales"))
    graph.add_node("support", _mailbox("support"))
    graph.add_edge(START, "sales")
    graph.add_edge(START, "support")
    graph.add_edge("sales", END)
    graph.add_edge("support", END)
    return graph


class Brief(TypedDict, total=False):
    topic: Required[str]
    word_count: int
    urgent: bool
    tags: list[str]


def build_typed_start() -> StateGraph:
    graph = StateGraph(Brief)
    graph.add_node("noop", lambda state: {})
    graph.add_edge(START, "noop")
    graph.add_edge("noop", END)
    return graph
