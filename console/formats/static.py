"""Static pauses (interrupt_before / interrupt_after): continue, or edit the state first."""

from __future__ import annotations

from typing import Any

from console.errors import InvalidAnswer
from console.formats.arguments import value_field
from console.formats.base import DRAFT_KEYS, PREVIEW_CHARS, Action, Field, ReviewRequest, coerce, first_text
from console.formats.display import one_line
from console.jsonable import shorten, to_jsonable

STATIC_TITLES = {
    "before": "The workflow paused before “{node}”",
    "after": "The workflow paused after “{node}”",
    "paused": "The workflow paused at “{node}”",
}


def state_fields(values: dict[str, Any]) -> tuple[Field, ...]:
    # State keys stay as the graph names them, and lists are JSON: a state edit is a developer's tool.
    return tuple(value_field(key, key, current, text_lists=False, always_long=True) for key, current in values.items())


def describe_static_pause(values: dict[str, Any], node: str, kind: str) -> ReviewRequest:
    _, draft = first_text(values, DRAFT_KEYS)
    return ReviewRequest(
        format="static",
        title=STATIC_TITLES.get(kind, STATIC_TITLES["paused"]).format(node=node),
        message="Check the state below, then let the workflow go on, or change it first.",
        draft=draft,
        actions=(
            Action("continue", "Continue", primary=True),
            Action("edit_state", "Edit state then continue", state_fields(values),
                   help="Change any value, then the workflow goes on with the new state.", edits=True),
        ),
        preview=shorten(draft if draft is not None else one_line(values), PREVIEW_CHARS),
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
