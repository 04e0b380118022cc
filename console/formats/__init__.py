"""Interrupt payload formats → one review-request model, and reviewer input → the answer each format expects.

One small adapter per format (a module each) behind one interface (`base.PayloadAdapter`),
tried in order; the generic one matches anything, so no payload leaves a blank page.
A team adds its own with `register` (README, "Add your own format").
"""

from __future__ import annotations

from typing import Any

from console.errors import InvalidAnswer
from console.formats import response_schema
from console.formats.agent_inbox import AgentInboxAdapter
from console.formats.base import (
    ADAPTERS, PREVIEW_CHARS, Action, Field, PayloadAdapter, ReviewRequest, coerce, read_inputs, register,
)
from console.formats.draft import DraftAdapter
from console.formats.generic import GenericAdapter
from console.formats.hitl import HITLAdapter, ToolApprovalAdapter
from console.formats.response_schema import SchemaAdapter
from console.formats.static import build_state_update, describe_static_pause
from console.jsonable import dumps

__all__ = [
    "ADAPTERS", "PREVIEW_CHARS", "Action", "Field", "PayloadAdapter", "ReviewRequest", "adapter_for", "build_answer",
    "build_state_update", "coerce", "describe", "describe_static_pause", "dumps", "read_inputs", "register",
]

# Specific shapes first; generic last, as it matches anything.
ADAPTERS.extend([
    ToolApprovalAdapter(), SchemaAdapter(), HITLAdapter(), AgentInboxAdapter(), DraftAdapter(), GenericAdapter(),
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
