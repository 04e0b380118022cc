"""A request's details as labelled lines of plain text (no JSON trees): what the reviewer reads."""

from __future__ import annotations

from typing import Any

from console.formats.arguments import label
from console.jsonable import dumps, to_jsonable
from console.wording import readable

# Keys whose dict is the thing itself: its fields are listed under their own names.
_TRANSPARENT = ("arguments", "args", "value")


def text_of(value: Any) -> str:
    """One value as a reader would write it: text as is, lists one per line, yes/no, nested fields as "Name: value"."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "—"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "\n".join(f"• {text_of(v)}".replace("\n", "\n  ") for v in value) or "(none)"
    if isinstance(value, dict):
        return "\n".join(f"{label(k)}: {text_of(v)}".replace("\n", "\n  ") for k, v in value.items()) or "(none)"
    return dumps(value)


def tool_words(name: Any) -> str:
    """A tool's name as a reviewer reads it: "schedule_meeting" → "Schedule meeting" (the raw name stays in the
    raw payload, and in Edit where a workflow lets it be renamed)."""
    return readable(str(name))


def one_line(value: Any) -> str:
    """A value on one line, for an inbox preview: "To: ann@example.org, bob@example.org · Subject: Opening hours"
    (nested fields in brackets, never JSON's braces and quotes)."""
    value = to_jsonable(value)
    if isinstance(value, dict):
        return " · ".join(f"{label(k)}: {_nested(v)}" for k, v in value.items()) or "(nothing)"
    if isinstance(value, list):
        return ", ".join(_nested(v) for v in value) or "(none)"
    return " ".join(text_of(value).split())


def _nested(value: Any) -> str:
    return f"({one_line(value)})" if isinstance(value, dict) and value else one_line(value)


def rows(details: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) pairs: a tool's arguments each under its own label, "duration_minutes" → "Duration (minutes)"."""
    out = []
    for key, value in to_jsonable(details).items():
        if str(key).lower() in _TRANSPARENT and isinstance(value, dict) and value:
            out.extend((label(k), text_of(v)) for k, v in value.items())
        else:
            out.append((label(key), text_of(value)))
    return out
