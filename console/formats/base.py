"""The review-request model every format speaks, reviewer-input checks, and the adapter registry."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Protocol

from console.errors import InvalidAnswer

PREVIEW_CHARS = 140

# Keys under which hand-written payloads carry their text; shared by several formats.
DRAFT_KEYS = ("draft", "content", "text", "updated", "document", "body")
MESSAGE_KEYS = ("message", "question", "query", "instructions", "prompt")


@dataclass(frozen=True)
class Field:
    """One input a reviewer fills in."""

    name: str
    label: str
    kind: str = "text"  # text | long_text | number | integer | boolean | choice | multi_choice | lines | json
    default: Any = None
    required: bool = False
    help: str | None = None
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Action:
    """One thing a reviewer may do, with the inputs it needs."""

    key: str  # approve | reject | edit | request_changes | respond | ignore | continue | edit_state | answer | …
    label: str  # the button's words
    fields: tuple[Field, ...] = ()
    primary: bool = False
    help: str = ""
    submit: str = ""  # the send button's words, when they differ from the usual ones for this key
    # The fields start at the request's current values: before sending, the reviewer sees what changed.
    edits: bool = False
    # The console cannot know the shape the graph expects: the reviewer sees the exact value and confirms.
    confirm: bool = False


@dataclass(frozen=True)
class ReviewRequest:
    """What a pause asks of the reviewer, in plain words."""

    format: str
    title: str
    message: str | None = None
    draft: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()
    step: int | None = None
    steps: int | None = None
    preview: str = ""
    description: str | None = None  # Markdown from the workflow: rendered only through safe_markdown
    # Several questions in one pause (a HITL request with N tool calls, a list of
    # HumanInterrupts): each item has its own actions; the request's one action sends them all.
    items: tuple["ReviewRequest", ...] = ()
    # Only tells the reviewer something (an Agent Inbox notification): the page says "For your information".
    notice: bool = False

    def action(self, key: str) -> Action:
        for action in self.actions:
            if action.key == key:
                return action
        raise InvalidAnswer("That action is not offered for this request.")


class PayloadAdapter(Protocol):
    """One interrupt format. `schema` is the interrupt's `response_schema` (JSON Schema) or None."""

    name: str

    def matches(self, value: Any, schema: dict | None = None) -> bool: ...

    def describe(self, value: Any, schema: dict | None = None) -> ReviewRequest: ...

    def answer(self, value: Any, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any: ...


# Tried in order: the first that matches wins. `console.formats` appends the built-in ones
# (specific shapes first, the generic one last); `register` puts a team's own in front.
ADAPTERS: list[PayloadAdapter] = []


def register(adapter: PayloadAdapter) -> None:
    """Add a team's own format: tried before the built-in ones."""
    ADAPTERS.insert(0, adapter)


def first_text(value: dict, keys: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The first of `keys` whose value is a string: (key, text), or (None, None)."""
    for key in keys:
        if isinstance(value.get(key), str):
            return key, value[key]
    return None, None


# ---- reading reviewer input ------------------------------------------------------------


def _number(field_: Field, raw: Any) -> float | int:
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise InvalidAnswer(f"“{field_.label}” must be a number.", field_.name) from None
    if not math.isfinite(number):
        raise InvalidAnswer(f"“{field_.label}” must be a number.", field_.name)
    if field_.kind == "integer":
        if number != int(number):
            raise InvalidAnswer(f"“{field_.label}” must be a whole number.", field_.name)
        number = int(number)
    if field_.minimum is not None and number < field_.minimum:
        raise InvalidAnswer(f"“{field_.label}” must be at least {field_.minimum:g}.", field_.name)
    if field_.maximum is not None and number > field_.maximum:
        raise InvalidAnswer(f"“{field_.label}” must be at most {field_.maximum:g}.", field_.name)
    return number


def coerce(field_: Field, raw: Any) -> Any:
    """Check and convert one input; raises InvalidAnswer with a sentence naming the field."""
    empty = raw is None or (isinstance(raw, str) and raw.strip() == "") or (field_.kind == "multi_choice" and raw == [])
    if empty:
        if field_.required:
            raise InvalidAnswer(f"Please fill in “{field_.label}”.", field_.name)
        if field_.kind in ("json", "lines", "multi_choice"):
            return [] if field_.kind != "json" else None  # the default is only what the input starts with
        # A cleared text box means "no text"; other inputs fall back to their default.
        return field_.default if field_.kind not in ("text", "long_text") else ""
    if field_.kind in ("text", "long_text"):
        return str(raw)
    if field_.kind in ("number", "integer"):
        return _number(field_, raw)
    if field_.kind == "boolean":
        return bool(raw)
    if field_.kind == "choice":
        if raw not in field_.choices:
            raise InvalidAnswer(f"Please choose one of the offered values for “{field_.label}”.", field_.name)
        return raw
    if field_.kind == "lines":
        lines = raw if isinstance(raw, list) else str(raw).splitlines()
        return [str(line).strip() for line in lines if str(line).strip()]
    if field_.kind == "multi_choice":
        values = list(raw) if isinstance(raw, (list, tuple)) else [raw]
        if any(v not in field_.choices for v in values):
            raise InvalidAnswer(f"Please choose only offered values for “{field_.label}”.", field_.name)
        return values
    if field_.kind == "json":
        if not isinstance(raw, str):
            return raw
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise InvalidAnswer(f"“{field_.label}” is not valid JSON ({exc.msg} at line {exc.lineno}).", field_.name) from None
    raise InvalidAnswer(f"“{field_.label}” has a kind of input the console does not know.", field_.name)


def read_inputs(action: Action, inputs: dict[str, Any]) -> dict[str, Any]:
    return {f.name: coerce(f, inputs.get(f.name)) for f in action.fields}
