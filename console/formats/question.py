"""A dict that holds one question ({"question" | "query" | "prompt" | "message": …}) and nothing to review:
a text answer, sent in the shape the reviewer confirms (text, or {"data": …} as LangGraph's tutorial reads)."""

from __future__ import annotations

from typing import Any

from console.formats.base import DRAFT_KEYS, PREVIEW_CHARS, Action, Field, ReviewRequest, first_text, read_inputs
from console.jsonable import shorten, to_jsonable

QUESTION_KEYS = ("question", "query", "prompt", "message")

# The resume shapes public graphs read: the text itself (`answer = interrupt({"question": …})`), the
# tutorial's human-assistance tool (`interrupt({"query": q})` → `human_response["data"]`), and `["answer"]`.
AS_TEXT = "The text itself"
AS_DATA = "Under “data” (LangGraph's human-assistance tool)"
AS_ANSWER = "Under “answer”"
SHAPES = (AS_TEXT, AS_DATA, AS_ANSWER)
# "message" is as often a note beside data to review: alone (or with such keys) it is a question.
_BESIDE_A_MESSAGE = {"message", "context", "options", "title", "hint", "type", "kind"}


class QuestionAdapter:
    """The console cannot see which shape the graph reads: it picks the likely one, shows the exact value
    before sending, and the reviewer confirms (or picks another)."""

    name = "question"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        if not isinstance(value, dict) or first_text(value, DRAFT_KEYS)[0] is not None:
            return False
        key = first_text(value, QUESTION_KEYS)[0]
        return key is not None and (key != "message" or set(value) <= _BESIDE_A_MESSAGE)

    def describe(self, value: dict, schema: dict | None = None) -> ReviewRequest:
        key, question = first_text(value, QUESTION_KEYS)
        return ReviewRequest(
            format=self.name,
            title="The workflow asks you",
            message=question,
            details=to_jsonable({k: v for k, v in value.items() if k != key}),
            actions=(Action("answer", "Answer", (
                Field("text", "Your answer", "long_text", required=True),
                Field("send_as", "Sent to the workflow as", "choice", default=AS_DATA if key == "query" else AS_TEXT,
                      choices=SHAPES, help="The console cannot see how the workflow reads your answer. "
                                           "You see exactly what is sent, and confirm, before it goes."),
            ), primary=True, confirm=True, submit="Check and send the answer"),),
            preview=shorten(question, PREVIEW_CHARS),
        )

    def answer(self, value: dict, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        got = read_inputs(self.describe(value).action(action), inputs)
        text = got["text"]
        if got["send_as"] == AS_DATA:
            return {"data": text}
        if got["send_as"] == AS_ANSWER:
            return {"answer": text}
        return text
