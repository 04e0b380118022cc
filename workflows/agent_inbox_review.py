"""Agent Inbox actions: an assistant plans actions and asks with langgraph.prebuilt's HumanInterrupt."""

from __future__ import annotations

from typing import Any, TypedDict

from langgraph.graph import StateGraph
from langgraph.prebuilt.interrupt import HumanInterrupt, HumanResponse
from langgraph.types import interrupt

from workflows.agent_tools import TOOLS, propose, split_requests
from workflows.common import in_order
from workflows.spec import WorkflowSpec

# What the reviewer may do with each kind of action; Agent Inbox shows only these buttons.
ALLOW = {
    "send_email": {"allow_accept": True, "allow_edit": True, "allow_respond": True, "allow_ignore": True},
    "book_room": {"allow_accept": True, "allow_edit": True, "allow_respond": False, "allow_ignore": True},
    "delete_records": {"allow_accept": True, "allow_edit": False, "allow_respond": False, "allow_ignore": True},
}


class State(TypedDict, total=False):
    request: str
    proposals: list[dict[str, Any]]
    responses: list[dict[str, Any]]
    results: list[str]
    status: str
    final: str


def plan(state: State) -> State:
    return {"proposals": [propose(part) for part in split_requests(state["request"])], "status": "planned"}


def _description(proposal: dict[str, Any]) -> str:
    args = proposal["args"]
    if proposal["name"] == "send_email":
        return (f"**Send an email** to {', '.join(args['to'])}.\n\nSubject: *{args['subject']}*\n\n"
                "Style guide: [house style](https://example.org/style)")
    if proposal["name"] == "book_room":
        return f"**Book {args['room']}** on {args['date']} for {args['attendees']} people."
    return f"**{proposal['name']}** — check the arguments."


def review(state: State) -> State:
    requests = [
        HumanInterrupt(action_request={"action": p["name"], "args": p["args"]},
                       config=ALLOW.get(p["name"], ALLOW["delete_records"]), description=_description(p))
        for p in state["proposals"]
    ]
    responses: list[HumanResponse] = interrupt(requests)  # one response per request, in order
    return {"responses": list(responses), "status": "reviewed"}


def act(state: State) -> State:
    results = []
    for proposal, response in zip(state["proposals"], state["responses"]):
        kind = response.get("type")
        if kind == "accept":
            results.append(TOOLS[proposal["name"]].invoke(proposal["args"]))
        elif kind == "edit":
            edited = response["args"]
            results.append(TOOLS[edited["action"]].invoke(edited["args"]) + " (as edited by the reviewer)")
        elif kind == "response":
            results.append(f"Not done; the reviewer said: {response['args']}")
        else:
            results.append(f"{proposal['name']} was skipped.")
    return {"results": results, "status": "done", "final": "\n".join(results)}


def build() -> StateGraph:
    return in_order(State, plan, review, act)


SPEC = WorkflowSpec(
    name="agent_inbox",
    title="Assistant actions (Agent Inbox)",
    description="An assistant plans actions and asks in Agent Inbox's format: accept, edit, respond or ignore, "
                "as each action allows. Separate requests with “;” to get several actions at once.",
    builder=build,
    input_label="What should the assistant do?",
    make_input=lambda text: {"request": text},
    demo_inputs=("Email the team about the spring opening hours",
                 "Email the volunteers about the move; book the main hall for the volunteer evening"),
)
