"""Interrupt payload formats → one review-request model, and reviewer input → the answer each expects.

One small adapter per format behind one interface (`PayloadAdapter`), tried
in order; the generic one matches anything, so no payload leaves a blank page.
To add a format, write an adapter and put it in `ADAPTERS` before the generic one.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Protocol

from console.errors import InvalidAnswer
from console.jsonable import dumps, shorten, to_jsonable

PREVIEW_CHARS = 140


@dataclass(frozen=True)
class Field:
    """One input a reviewer fills in."""

    name: str
    label: str
    kind: str = "text"  # text | long_text | number | integer | boolean | choice | json
    default: Any = None
    required: bool = False
    help: str | None = None
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Action:
    """One thing a reviewer may do, with the inputs it needs."""

    key: str  # approve | reject | edit | request_changes | respond | ignore | continue | edit_state | answer
    label: str  # the button's words
    fields: tuple[Field, ...] = ()
    primary: bool = False
    help: str = ""


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

    def action(self, key: str) -> Action:
        for action in self.actions:
            if action.key == key:
                return action
        raise InvalidAnswer("That action is not offered for this request.")


class PayloadAdapter(Protocol):
    name: str

    def matches(self, value: Any) -> bool: ...

    def describe(self, value: Any) -> ReviewRequest: ...

    def answer(self, value: Any, action: str, inputs: dict[str, Any]) -> Any: ...


# ---- reading reviewer input ------------------------------------------------------------


def coerce(field_: Field, raw: Any) -> Any:
    """Check and convert one input; raises InvalidAnswer with a sentence naming the field."""
    empty = raw is None or (isinstance(raw, str) and raw.strip() == "")
    if empty:
        if field_.required:
            raise InvalidAnswer(f"Please fill in “{field_.label}”.", field_.name)
        return field_.default if field_.kind != "long_text" else ""
    if field_.kind in ("text", "long_text"):
        return str(raw)
    if field_.kind in ("number", "integer"):
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
    if field_.kind == "boolean":
        return bool(raw)
    if field_.kind == "choice":
        if raw not in field_.choices:
            raise InvalidAnswer(f"Please choose one of the offered values for “{field_.label}”.", field_.name)
        return raw
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


# ---- formats ---------------------------------------------------------------------------

_DRAFT_KEYS = ("draft", "content", "text", "updated", "document", "body")
_MESSAGE_KEYS = ("message", "question", "instructions", "prompt")


def _first_text(value: dict, keys: tuple[str, ...]) -> tuple[str | None, str | None]:
    for key in keys:
        if isinstance(value.get(key), str):
            return key, value[key]
    return None, None


class DraftAdapter:
    """Plain dicts as in LangGraph's docs: {"draft": …, "message": …}.

    Answers: approve → {"approved": True}; reject → {"approved": False, "reason": …};
    edit → {"approved": True, "edited": True, "draft": …};
    request changes (offered when the payload's "allow" lists it) → {"approved": False, "changes": …}.
    """

    name = "draft"

    def matches(self, value: Any) -> bool:
        return isinstance(value, dict) and _first_text(value, _DRAFT_KEYS)[0] is not None

    def describe(self, value: dict) -> ReviewRequest:
        draft_key, draft = _first_text(value, _DRAFT_KEYS)
        _, message = _first_text(value, _MESSAGE_KEYS)
        allowed = value.get("allow") if isinstance(value.get("allow"), list) else ["approve", "reject", "edit"]
        actions = []
        if "approve" in allowed:
            actions.append(Action("approve", "Approve", primary=True))
        if "request_changes" in allowed:
            actions.append(Action("request_changes", "Request changes", (
                Field("changes", "What should change?", "long_text", required=True),
            )))
        if "reject" in allowed:
            actions.append(Action("reject", "Reject", (Field("reason", "Reason for rejecting", "long_text", required=True),)))
        if "edit" in allowed:
            actions.append(Action("edit", "Edit", (Field("draft", "Edited draft", "long_text", default=draft),),
                                  help="Change the draft, then approve the edited version."))
        step, steps = value.get("step"), value.get("steps")
        shown = {k: v for k, v in value.items() if k not in (draft_key, "allow", "step", "steps") and v != message}
        return ReviewRequest(
            format=self.name,
            title="Review this draft",
            message=message,
            draft=draft,
            details=to_jsonable(shown),
            actions=tuple(actions),
            step=step if isinstance(step, int) else None,
            steps=steps if isinstance(steps, int) else None,
            preview=shorten(draft or "", PREVIEW_CHARS),
        )

    def answer(self, value: dict, action: str, inputs: dict[str, Any]) -> Any:
        request = self.describe(value)
        got = read_inputs(request.action(action), inputs)
        if action == "approve":
            return {"approved": True}
        if action == "reject":
            return {"approved": False, "reason": got["reason"].strip()}
        if action == "request_changes":
            return {"approved": False, "changes": got["changes"].strip()}
        if action == "edit":
            if not got["draft"].strip():
                raise InvalidAnswer("The edited draft is empty. Write the text you approve, or choose Reject.", "draft")
            return {"approved": True, "edited": True, "draft": got["draft"]}
        raise InvalidAnswer("That action is not offered for this request.")


class GenericAdapter:
    """Anything else: shown as readable JSON, answered with free text or JSON."""

    name = "generic"

    def matches(self, value: Any) -> bool:
        return True

    def describe(self, value: Any) -> ReviewRequest:
        message = None
        if isinstance(value, str):
            message = value
        elif isinstance(value, dict):
            message = _first_text(value, _MESSAGE_KEYS)[1]
        return ReviewRequest(
            format=self.name,
            title="The workflow asks for an answer",
            message=message,
            details={"value": to_jsonable(value)},
            actions=(
                Action("answer", "Send answer", (
                    Field("text", "Your answer", "long_text", required=True,
                          help="Plain text is sent as text. Tick the box to send it as JSON."),
                    Field("as_json", "Send as JSON", "boolean", default=False),
                ), primary=True),
            ),
            preview=shorten(message if message is not None else dumps(value), PREVIEW_CHARS),
        )

    def answer(self, value: Any, action: str, inputs: dict[str, Any]) -> Any:
        got = read_inputs(self.describe(value).action(action), inputs)
        if got["as_json"]:
            return coerce(Field("text", "Your answer", "json", required=True), got["text"])
        return got["text"]


ADAPTERS: list[PayloadAdapter] = [DraftAdapter(), GenericAdapter()]


def adapter_for(value: Any) -> PayloadAdapter:
    return next(a for a in ADAPTERS if a.matches(value))


def describe(value: Any) -> ReviewRequest:
    return adapter_for(value).describe(value)


def build_answer(value: Any, action: str, inputs: dict[str, Any]) -> Any:
    """The resume value for `action`, or InvalidAnswer; nothing is sent from here."""
    return adapter_for(value).answer(value, action, inputs)


# ---- static pauses (interrupt_before / interrupt_after) -------------------------------

STATIC_TITLES = {
    "before": "The workflow paused before “{node}”",
    "after": "The workflow paused after “{node}”",
    "paused": "The workflow paused at “{node}”",
}


def state_fields(values: dict[str, Any]) -> tuple[Field, ...]:
    fields = []
    for key, current in values.items():
        if isinstance(current, bool):
            fields.append(Field(key, key, "boolean", default=current))
        elif isinstance(current, int):
            fields.append(Field(key, key, "integer", default=current))
        elif isinstance(current, float):
            fields.append(Field(key, key, "number", default=current))
        elif isinstance(current, str):
            fields.append(Field(key, key, "long_text", default=current))
        else:
            fields.append(Field(key, key, "json", default=dumps(current, indent=2)))
    return tuple(fields)


def describe_static_pause(values: dict[str, Any], node: str, kind: str) -> ReviewRequest:
    _, draft = _first_text(values, _DRAFT_KEYS)
    return ReviewRequest(
        format="static",
        title=STATIC_TITLES.get(kind, STATIC_TITLES["paused"]).format(node=node),
        message="Check the state below, then let the workflow go on, or change it first.",
        draft=draft,
        actions=(
            Action("continue", "Continue", primary=True),
            Action("edit_state", "Edit state then continue", state_fields(values),
                   help="Change any value, then the workflow goes on with the new state."),
        ),
        preview=shorten(draft if draft is not None else dumps(values), PREVIEW_CHARS),
    )


def build_state_update(values: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """The changed values only; raises InvalidAnswer for bad input or no change."""
    update = {}
    for f in state_fields(values):
        if f.name not in inputs:
            continue
        raw = inputs[f.name]
        if f.kind == "json":
            new = coerce(Field(f.name, f.label, "json", required=True), raw)
            old = to_jsonable(values[f.name])
        else:
            new = coerce(f, raw)
            old = values[f.name]
            if f.kind == "long_text" and isinstance(old, str) and old.strip() and not str(new).strip():
                raise InvalidAnswer(f"“{f.label}” is empty. Write a value, or keep the one it had.", f.name)
        if new != old:
            update[f.name] = new
    if not update:
        raise InvalidAnswer("Nothing was changed. Change a value, or choose Continue.")
    return update
