"""Any other payload (a string, a number, a dict of unknown shape): a readable view and a free-form answer."""

from __future__ import annotations

from typing import Any

from console.formats.base import MESSAGE_KEYS, PREVIEW_CHARS, Action, Field, ReviewRequest, coerce, first_text, read_inputs
from console.formats.display import one_line
from console.jsonable import shorten, to_jsonable


class GenericAdapter:
    """Shown as text or data, answered with free text or JSON."""

    name = "generic"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        return True

    def describe(self, value: Any, schema: dict | None = None) -> ReviewRequest:
        message = None
        if isinstance(value, str):
            message = value
        elif isinstance(value, dict):
            message = first_text(value, MESSAGE_KEYS)[1]
        return ReviewRequest(
            format=self.name,
            title="The workflow asks for an answer",
            message=message,
            details={"value": to_jsonable(value)} if not isinstance(value, str) else {},
            actions=(
                Action("answer", "Send answer", (
                    Field("text", "Your answer", "long_text", required=True,
                          help="Plain text is sent as text. Tick the box to send it as JSON (a number, a list, an object)."),
                    Field("as_json", "Send as JSON", "boolean", default=False),
                ), primary=True, confirm=True),
            ),
            preview=shorten(message if message is not None else one_line(value), PREVIEW_CHARS),
        )

    def answer(self, value: Any, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        got = read_inputs(self.describe(value).action(action), inputs)
        if got["as_json"]:
            return coerce(Field("text", "Your answer", "json", required=True), got["text"])
        return got["text"]
