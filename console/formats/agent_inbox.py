"""Agent Inbox's HumanInterrupt (langgraph.prebuilt.interrupt), or a list of them: accept / edit / respond / ignore."""

from __future__ import annotations

from typing import Any

from console.formats.arguments import edited_action, tool_edit_action
from console.formats.base import PREVIEW_CHARS, Action, Field, ReviewRequest
from console.formats.batch import batch, chosen_actions
from console.jsonable import dumps, shorten, to_jsonable
from console.markdown import plain_text


def is_human_interrupt(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("action_request"), dict)
            and isinstance(value.get("config"), dict) and "action" in value["action_request"])


class AgentInboxAdapter:
    """Only the actions `config` allows. Answers a list with one HumanResponse per item, as Agent Inbox does:
    {"type": "accept"|"ignore", "args": None}, {"type": "response", "args": text},
    {"type": "edit", "args": {"action": name, "args": {…}}}.
    """

    name = "agent_inbox"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        if isinstance(value, list):
            return bool(value) and all(is_human_interrupt(v) for v in value)
        return is_human_interrupt(value)

    @staticmethod
    def _one(item: dict) -> ReviewRequest:
        request, config = item["action_request"], item["config"]
        name, args = str(request.get("action")), request.get("args")
        actions = []
        if config.get("allow_accept"):
            actions.append(Action("accept", "Accept", primary=True, help="The agent goes ahead as proposed."))
        if config.get("allow_edit"):
            actions.append(tool_edit_action("edit", "Edit", name, args))
        if config.get("allow_respond"):
            actions.append(Action("response", "Respond", (
                Field("response", "Your response", "long_text", required=True,
                      help="Sent to the agent as text, instead of running the action."),)))
        if config.get("allow_ignore"):
            actions.append(Action("ignore", "Ignore", help="Skip this action; the agent is told it was ignored."))
        description = item.get("description") if isinstance(item.get("description"), str) else None
        return ReviewRequest(
            format="agent_inbox",
            title=f"The agent wants to run “{name}”",
            details={"action": name, "arguments": to_jsonable(args)},
            description=description,
            actions=tuple(actions),
            preview=shorten(f"{name}: {plain_text(description) if description else dumps(args)}", PREVIEW_CHARS),
        )

    def describe(self, value: Any, schema: dict | None = None) -> ReviewRequest:
        items = value if isinstance(value, list) else [value]
        if len(items) == 1:
            return self._one(items[0])
        parts = tuple(self._one(i) for i in items)
        return batch(self.name, f"The agent asks about {len(parts)} actions",
                     "Decide on each one; they are sent together.", parts, "actions")

    @staticmethod
    def _response(item: dict, action: Action, got: dict[str, Any]) -> dict[str, Any]:
        if action.key == "edit":
            edited = edited_action(action, str(item["action_request"].get("action")), item["action_request"].get("args"), got)
            return {"type": "edit", "args": {"action": edited["name"], "args": edited["args"]}}
        if action.key == "response":
            return {"type": "response", "args": got["response"]}
        return {"type": action.key, "args": None}

    def answer(self, value: Any, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        items = value if isinstance(value, list) else [value]
        chosen = chosen_actions(self.describe(value), action, inputs)
        return [self._response(item, a, got) for item, (a, got) in zip(items, chosen)]
