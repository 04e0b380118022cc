"""LangChain's HumanInTheLoopMiddleware: a batched HITLRequest, or one ToolApprovalRequest per call (per_call mode)."""

from __future__ import annotations

from typing import Any

from console.formats.arguments import RENAMABLE, edited_action, tool_edit_action
from console.formats.base import PREVIEW_CHARS, Action, Field, ReviewRequest
from console.formats.batch import batch, chosen_actions
from console.formats.display import one_line, tool_words
from console.jsonable import shorten, to_jsonable

HITL_DECISIONS = ("approve", "edit", "reject", "respond")


def _actions(name: str, args: Any, allowed: list[str], name_editable: bool) -> tuple[Action, ...]:
    actions = []
    for decision in HITL_DECISIONS:
        if decision not in allowed:
            continue
        if decision == "approve":
            actions.append(Action("approve", "Approve", primary=True, help="The tool runs as proposed."))
        elif decision == "edit":
            actions.append(tool_edit_action("edit", "Edit", name, args, name_editable))
        elif decision == "reject":
            actions.append(Action("reject", "Reject", (
                Field("message", "Reason (sent to the agent)", "long_text",
                      help="Optional. The tool does not run; the agent reads this reason."),)))
        else:
            actions.append(Action("respond", "Respond instead", (
                Field("message", "Your answer (given to the agent as the tool's result)", "long_text", required=True),),
                help="The tool does not run; your answer is returned to the agent in its place."))
    return tuple(actions)


def _decision(action: Action, name: str, args: Any, got: dict[str, Any]) -> dict[str, Any]:
    if action.key == "edit":
        return {"type": "edit", "edited_action": edited_action(action, name, args, got)}
    if action.key == "reject":
        message = (got.get("message") or "").strip()
        return {"type": "reject", "message": message} if message else {"type": "reject"}
    if action.key == "respond":
        return {"type": "respond", "message": got["message"]}
    return {"type": "approve"}


def _tool_request(format_: str, name: str, args: Any, description: Any, actions: tuple[Action, ...]) -> ReviewRequest:
    return ReviewRequest(
        format=format_,
        title=f"The agent wants to run “{tool_words(name)}”",
        details={"tool": tool_words(name), "arguments": to_jsonable(args)},
        description=description if isinstance(description, str) else None,
        actions=actions,
        preview=shorten(f"{tool_words(name)}: {one_line(args)}", PREVIEW_CHARS),
    )


class HITLAdapter:
    """A HITLRequest: every action request, one decision each, in order → {"decisions": […]}."""

    name = "hitl"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        return (isinstance(value, dict) and isinstance(value.get("action_requests"), list)
                and isinstance(value.get("review_configs"), list) and bool(value["action_requests"]))

    @staticmethod
    def _allowed(value: dict, index: int, name: str) -> list[str]:
        configs = [c for c in value["review_configs"] if isinstance(c, dict)]
        # The middleware writes one config per request, in order; match by name otherwise.
        if len(configs) == len(value["action_requests"]) and configs[index].get("action_name") == name:
            config = configs[index]
        else:
            config = next((c for c in configs if c.get("action_name") == name), {})
        allowed = config.get("allowed_decisions")
        return [d for d in allowed if d in HITL_DECISIONS] if isinstance(allowed, list) else list(HITL_DECISIONS)

    def _one(self, value: dict, index: int) -> ReviewRequest:
        request = value["action_requests"][index]
        name, args = str(request.get("name")), request.get("args")
        return _tool_request(self.name, name, args, request.get("description"),
                             _actions(name, args, self._allowed(value, index, name), name in RENAMABLE))

    def describe(self, value: dict, schema: dict | None = None) -> ReviewRequest:
        parts = tuple(self._one(value, i) for i in range(len(value["action_requests"])))
        if len(parts) == 1:
            return parts[0]
        return batch(self.name, f"The agent wants to run {len(parts)} tools",
                     "Decide on each tool call; the decisions are sent together, in order.", parts, "tool calls")

    def answer(self, value: dict, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        chosen = chosen_actions(self.describe(value), action, inputs)
        return {"decisions": [_decision(a, str(r.get("name")), r.get("args"), got)
                              for r, (a, got) in zip(value["action_requests"], chosen)]}


def _schema_decisions(schema: dict | None) -> list[str]:
    """The decision types a per-call response_schema allows: each branch pins `type` to a const."""
    if not isinstance(schema, dict):
        return list(HITL_DECISIONS)
    defs = schema.get("$defs") or {}

    def const(branch: Any) -> Any:
        if isinstance(branch, dict) and "$ref" in branch:
            branch = defs.get(str(branch["$ref"]).rsplit("/", 1)[-1], {})
        return ((branch.get("properties") or {}).get("type") or {}).get("const") if isinstance(branch, dict) else None

    found = {const(m) for m in (schema.get("oneOf") or schema.get("anyOf") or [schema])}
    return [d for d in HITL_DECISIONS if d in found] or list(HITL_DECISIONS)


class ToolApprovalAdapter:
    """per_call mode: one ToolApprovalRequest per tool call → one Decision."""

    name = "tool_approval"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        return isinstance(value, dict) and value.get("type") == "tool_approval" and "name" in value

    def describe(self, value: dict, schema: dict | None = None) -> ReviewRequest:
        name, args = str(value.get("name")), value.get("args")
        # The schema pins the tool name of an edit: the reviewer changes the arguments only.
        return _tool_request(self.name, name, args, value.get("description"),
                             _actions(name, args, _schema_decisions(schema), name_editable=False))

    def answer(self, value: dict, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        (chosen, got), = chosen_actions(self.describe(value, schema), action, inputs)
        return _decision(chosen, str(value.get("name")), value.get("args"), got)
