"""The LangGraph docs' tool-call review, interrupt({"question": …, "tool_call": {name, args, id}}):
continue, change the arguments, or give feedback, resumed with {"action": …, "data": …}."""

from __future__ import annotations

from typing import Any

from console.errors import InvalidAnswer
from console.formats.arguments import read_args, tool_edit_action
from console.formats.base import PREVIEW_CHARS, Action, Field, ReviewRequest, read_inputs
from console.formats.display import one_line, tool_words
from console.jsonable import shorten, to_jsonable


def _call(value: Any) -> dict | None:
    call = value.get("tool_call") if isinstance(value, dict) else None
    return call if isinstance(call, dict) and isinstance(call.get("name"), str) else None


class ToolCallReviewAdapter:
    """Answers as the docs' graphs read them: {"action": "continue"}, {"action": "update", "data": {…args}},
    {"action": "feedback", "data": "…"} (the docs turn feedback into the tool's message to the model)."""

    name = "tool_call_review"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        call = _call(value)
        return call is not None and isinstance(call.get("args", {}), dict)

    def describe(self, value: dict, schema: dict | None = None) -> ReviewRequest:
        call = _call(value)
        name, args = call["name"], call.get("args") or {}
        question = value.get("question") if isinstance(value.get("question"), str) else None
        return ReviewRequest(
            format=self.name,
            title=f"The agent wants to run “{tool_words(name)}”",
            message=question,
            details={"tool": tool_words(name), "arguments": to_jsonable(args)},
            actions=(
                Action("continue", "Continue", primary=True, help="The tool runs with these arguments."),
                tool_edit_action("update", "Change the arguments", name, args, submit="Send the changed arguments"),
                Action("feedback", "Give feedback", (
                    Field("feedback", "Your feedback (for the agent)", "long_text", required=True),),
                    help="The tool does not run; the agent reads your feedback and tries again.", submit="Send feedback"),
            ),
            preview=shorten(f"{tool_words(name)}: {one_line(args)}", PREVIEW_CHARS),
        )

    def answer(self, value: dict, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        chosen = self.describe(value).action(action)
        got = read_inputs(chosen, inputs)
        if action == "continue":
            return {"action": "continue"}
        if action == "update":
            return {"action": "update", "data": read_args(_call(value).get("args") or {}, chosen.fields, got)}
        if action == "feedback":
            return {"action": "feedback", "data": got["feedback"].strip()}
        raise InvalidAnswer("That action is not offered for this request.")
