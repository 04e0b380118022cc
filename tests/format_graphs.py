"""Test-only graphs written from public patterns, one per payload shape people copy; each records the exact
resume value it received (state "received"), so tests check what the graph got, not what the console sent.

Registered with Settings(extra_workflows=SHAPES), like any team's workflow.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.types import Command, interrupt

from workflows.spec import WorkflowSpec


class State(TypedDict, total=False):
    messages: Annotated[list, add_messages]
    received: Annotated[list, operator.add]  # every resume value, as the graph got it
    final: str


def _ask(text: str) -> dict:
    return {"messages": [HumanMessage(text)]}


# ---- the LangGraph docs' "review tool calls": interrupt({"question", "tool_call"}) -------------

MEETING_ARGS = {
    "attendees": ["alice.smith@company.com", "bob@company.com"],
    "subject": "Quarterly planning",
    "duration_minutes": 30,
    "preferred_day": "Tuesday",
    "agenda": "1. Budget\n2. Hiring\n\nBring the numbers.",
}


@tool
def schedule_meeting(attendees: list[str], subject: str, duration_minutes: int, preferred_day: str, agenda: str = "") -> str:
    """Schedule a calendar meeting."""
    return f"Meeting “{subject}” on {preferred_day} for {duration_minutes} minutes with {', '.join(attendees)}."


def call_llm(state: State) -> State:
    """A scripted model: proposes one tool call, then reports what came back (a result or feedback)."""
    last = state["messages"][-1]
    if isinstance(last, ToolMessage):
        return {"messages": [AIMessage(f"Done. {last.content}")], "final": last.content}
    return {"messages": [AIMessage("", tool_calls=[{"name": "schedule_meeting", "args": dict(MEETING_ARGS), "id": "call_1"}])]}


def human_review_node(state: State) -> Command[Literal["call_llm", "run_tool"]]:
    last = state["messages"][-1]
    tool_call = last.tool_calls[-1]
    human_review = interrupt({"question": "Is this correct?", "tool_call": tool_call})
    review_action, review_data = human_review["action"], human_review.get("data")
    if review_action == "continue":
        return Command(goto="run_tool", update={"received": [human_review]})
    if review_action == "update":
        updated = AIMessage(last.content, tool_calls=[{"id": tool_call["id"], "name": tool_call["name"], "args": review_data}],
                            id=last.id)
        return Command(goto="run_tool", update={"messages": [updated], "received": [human_review]})
    if review_action == "feedback":
        feedback = ToolMessage(review_data, name=tool_call["name"], tool_call_id=tool_call["id"])
        return Command(goto="call_llm", update={"messages": [feedback], "received": [human_review]})
    raise ValueError(f"Unknown review action: {review_action}")


def run_tool(state: State) -> State:
    call = state["messages"][-1].tool_calls[-1]
    return {"messages": [ToolMessage(schedule_meeting.invoke(call["args"]), tool_call_id=call["id"], name=call["name"])]}


def _route(state: State) -> str:
    last = state["messages"][-1]
    return "human_review_node" if isinstance(last, AIMessage) and last.tool_calls else END


def build_tool_review() -> StateGraph:
    graph = StateGraph(State)
    graph.add_node(call_llm)
    graph.add_node(human_review_node)
    graph.add_node(run_tool)
    graph.add_edge(START, "call_llm")
    graph.add_conditional_edges("call_llm", _route, ["human_review_node", END])
    graph.add_edge("run_tool", "call_llm")
    return graph


TOOL_REVIEW = WorkflowSpec(name="tool_review", title="Meeting planner (tool-call review)",
                           description="Test: the LangGraph docs' review of a tool call.", builder=build_tool_review,
                           make_input=_ask)


# ---- the tutorial's human-assistance tool: interrupt({"query": q}) → human_response["data"] ----------

@tool
def human_assistance(query: str) -> str:
    """Request assistance from a human."""
    human_response = interrupt({"query": query})
    return human_response["data"]


def helper_llm(state: State) -> State:
    last = state["messages"][-1]
    if isinstance(last, ToolMessage):
        return {"messages": [AIMessage(f"The expert says: {last.content}")], "final": last.content}
    call = {"name": "human_assistance", "args": {"query": "Which supplier should we use for the spring order?"}, "id": "help_1"}
    return {"messages": [AIMessage("", tool_calls=[call])]}


def build_human_help() -> StateGraph:
    graph = StateGraph(State)
    graph.add_node("chatbot", helper_llm)
    graph.add_node("tools", ToolNode([human_assistance]))
    graph.add_edge(START, "chatbot")
    graph.add_conditional_edges("chatbot", tools_condition)
    graph.add_edge("tools", "chatbot")
    return graph


HUMAN_HELP = WorkflowSpec(name="human_help", title="Ask an expert (human assistance)",
                          description="Test: the tutorial's human-assistance tool.", builder=build_human_help,
                          make_input=_ask)


# ---- a plain question, read as text: answer = interrupt({"question": …}) -----------------------------

def ask_name(state: State) -> State:
    answer: Any = interrupt({"question": "Which name should go on the badge?", "context": "Conference badges"})
    return {"received": [answer], "final": f"Badge printed for {answer}."}


def build_ask_name() -> StateGraph:
    graph = StateGraph(State)
    graph.add_node(ask_name)
    graph.add_edge(START, "ask_name")
    return graph


ASK_NAME = WorkflowSpec(name="ask_name", title="Badge printing (a plain question)",
                        description="Test: a question answered with text.", builder=build_ask_name, make_input=_ask)


# ---- an e-mail assistant's Agent Inbox pauses: a triage notification, a Question tool, a tool to run ----

EMAIL = ("**Subject**: Roof repair next week\n**From**: Alice Smith <alice.smith@company.com>\n"
         "**To**: Bob <bob@company.com>\n\nHi Bob,\nthe roofers come on Tuesday.\nAlice")


def triage_interrupt_handler(state: State) -> State:
    request = {"action_request": {"action": "Email Assistant: notify", "args": {}},
               "config": {"allow_ignore": True, "allow_respond": True, "allow_edit": False, "allow_accept": False},
               "description": EMAIL}
    response = interrupt([request])[0]
    return {"received": [response]}


def question_tool(state: State) -> State:
    request = {"action_request": {"action": "Question", "args": {"content": "Should I accept the Tuesday slot?"}},
               "config": {"allow_ignore": True, "allow_respond": True, "allow_edit": False, "allow_accept": False},
               "description": EMAIL}
    response = interrupt([request])[0]
    return {"received": [response]}


def write_email(state: State) -> State:
    args = {"to": "alice.smith@company.com", "subject": "Re: Roof repair next week",
            "content": "Hi Alice,\n\nTuesday works for me.\n\nBob"}
    request = {"action_request": {"action": "write_email", "args": args},
               "config": {"allow_ignore": True, "allow_respond": True, "allow_edit": True, "allow_accept": True},
               "description": EMAIL}
    response = interrupt([request])[0]
    sent = response["args"]["args"] if response["type"] == "edit" else args
    # The assistant runs the tool it proposed: a renamed action would be ignored here.
    return {"received": [response], "final": f"Sent “{sent['subject']}” to {sent['to']}: {sent['content']}"}


def build_email_triage() -> StateGraph:
    graph = StateGraph(State)
    for node in (triage_interrupt_handler, question_tool, write_email):
        graph.add_node(node)
    graph.add_edge(START, "triage_interrupt_handler")
    graph.add_edge("triage_interrupt_handler", "question_tool")
    graph.add_edge("question_tool", "write_email")
    return graph


EMAIL_TRIAGE = WorkflowSpec(name="email_triage", title="E-mail assistant (Agent Inbox)",
                            description="Test: an e-mail assistant's notification, question and e-mail.",
                            builder=build_email_triage, make_input=_ask)


SHAPES = ("tests.format_graphs:TOOL_REVIEW", "tests.format_graphs:HUMAN_HELP", "tests.format_graphs:ASK_NAME",
          "tests.format_graphs:EMAIL_TRIAGE")
