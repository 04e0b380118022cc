"""Interrupt payload formats → one review-request model, and reviewer input → the answer each format expects.

One small adapter per format (a module each) behind one interface (`base.PayloadAdapter`),
tried in order; the generic one matches anything, so no payload leaves a blank page.
A team adds its own with `register` (README, "Add your own format").
"""

from __future__ import annotations

from typing import Any

from console.errors import InvalidAnswer
from console.formats import diff, response_schema
from console.formats.agent_inbox import AgentInboxAdapter
from console.formats.arguments import allow_renaming
from console.formats.base import (
    ADAPTERS, PREVIEW_CHARS, Action, Field, PayloadAdapter, ReviewRequest, coerce, read_inputs, register,
)
from console.formats.draft import DraftAdapter
from console.formats.generic import GenericAdapter
from console.formats.hitl import HITLAdapter, ToolApprovalAdapter
from console.formats.response_schema import SchemaAdapter
from console.formats.question import QuestionAdapter
from console.formats.static import build_state_update, describe_static_pause, state_fields
from console.formats.tool_call import ToolCallReviewAdapter
from console.jsonable import dumps, to_jsonable

__all__ = [
    "ADAPTERS", "PREVIEW_CHARS", "Action", "allow_renaming", "Field", "PayloadAdapter", "ReviewRequest", "adapter_for", "build_answer",
    "build_state_update", "coerce", "confirmation", "describe", "describe_static_pause", "dumps", "edit_changes", "read_inputs",
    "register", "state_edit_changes", "state_edit_confirmation",
]

# Specific shapes first; generic last, as it matches anything.
ADAPTERS.extend([
    ToolApprovalAdapter(), SchemaAdapter(), HITLAdapter(), AgentInboxAdapter(), ToolCallReviewAdapter(), DraftAdapter(),
    QuestionAdapter(), GenericAdapter(),
])


def adapter_for(value: Any, schema: dict | None = None) -> PayloadAdapter:
    schema = schema if isinstance(schema, dict) else None
    for adapter in ADAPTERS:
        try:
            if adapter.matches(value, schema):
                return adapter
        except Exception:  # a team's adapter that trips on an odd payload must not hide it
            continue
    return GenericAdapter()


def _reader(value: Any, schema: dict | None) -> tuple[PayloadAdapter, ReviewRequest]:
    """The adapter that matches and can describe the payload; the generic one when it trips on it."""
    adapter = adapter_for(value, schema)
    try:
        return adapter, adapter.describe(value, schema)
    except Exception:
        generic = GenericAdapter()
        return generic, generic.describe(value)


def describe(value: Any, schema: dict | None = None) -> ReviewRequest:
    """Never raises: a payload an adapter cannot read falls back to the generic view."""
    return _reader(value, schema if isinstance(schema, dict) else None)[1]


def build_answer(value: Any, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
    """The resume value for `action`, checked against `schema` when there is one; nothing is sent from here."""
    schema = schema if isinstance(schema, dict) else None
    try:
        answer = _reader(value, schema)[0].answer(value, action, inputs, schema)
    except InvalidAnswer:
        raise
    except Exception as exc:  # an odd payload an adapter trips on: a sentence, never a stack trace
        raise InvalidAnswer(f"The console cannot build this answer for this request ({type(exc).__name__}). "
                            "Try the free-form answer, or ask an administrator.") from exc
    if schema is not None:
        response_schema.check(schema, answer)
    return answer


def _picked(request: ReviewRequest, action: str, inputs: dict[str, Any]) -> list[tuple[Action, dict[str, Any]]]:
    """(action, raw inputs) for each question the answer covers: every item of a batch, or the one."""
    if not request.items:
        return [(request.action(action), inputs)]
    return [(item.action(c["action"]), c.get("inputs") or {}) for item, c in zip(request.items, inputs["items"])]


def _checked(request: ReviewRequest, action: str, inputs: dict[str, Any]) -> tuple[bool, bool, list[dict[str, Any]]]:
    """(an edit was made, the console guessed the answer's shape, diff.changes of every edit with "item": n in a batch)."""
    found: list[dict[str, Any]] = []
    edited = guessed = False
    for n, (chosen, raw) in enumerate(_picked(request, action, inputs), start=1):
        if chosen.edits:
            edited = True
            found += [{**c, "item": n} if request.items else c for c in diff.changes(chosen, raw)]
        guessed = guessed or chosen.confirm
    return edited, guessed, found


def confirmation(value: Any, action: str, inputs: dict[str, Any], schema: dict | None = None) -> dict[str, Any] | None:
    """What the reviewer sees and confirms before the answer is sent, or None when nothing needs confirming.

    JSON-able: {"answer": the exact resume value, "show_answer": the console guessed its shape,
    "edited": an edit was made, "changes": diff.changes of every edit (with "item": n in a batch)}. Raises InvalidAnswer as build_answer does.
    """
    answer = build_answer(value, action, inputs, schema)
    edited, guessed, found = _checked(describe(value, schema), action, inputs)
    if not (edited or guessed):
        return None
    return {"answer": to_jsonable(answer), "show_answer": guessed, "edited": edited, "changes": found}


def edit_changes(value: Any, action: str, inputs: dict[str, Any], schema: dict | None = None) -> list[dict[str, Any]] | None:
    """What an edit changes, for the decision log (the same diff the reviewer confirmed); None when `action` edits nothing."""
    edited, _, found = _checked(describe(value, schema), action, inputs)
    return found if edited else None


def state_edit_changes(values: dict[str, Any], inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """What a static pause's state edit changes, field by field."""
    return diff.changes(Action("edit_state", "", state_fields(values)), inputs)


def state_edit_confirmation(values: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """The same for a static pause's state edit: the update that is saved, and what it changes."""
    update = build_state_update(values, inputs)
    return {"answer": to_jsonable(update), "show_answer": False, "edited": True, "changes": state_edit_changes(values, inputs)}
