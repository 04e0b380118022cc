"""A tool call's arguments as labelled, typed form fields, and the edited call they read back to."""

from __future__ import annotations

import re
from typing import Any

from console.formats.base import Action, Field
from console.jsonable import dumps

ARG_PREFIX = "arg:"
NAME_FIELD = "tool_name"

# A last word that names a unit reads better in brackets: "duration_minutes" → "Duration (minutes)".
_UNITS = {"minutes": "minutes", "mins": "minutes", "min": "minutes", "hours": "hours", "hrs": "hours",
          "seconds": "seconds", "secs": "seconds", "sec": "seconds", "ms": "milliseconds", "days": "days",
          "weeks": "weeks", "months": "months", "years": "years", "pct": "%", "percent": "%", "eur": "EUR",
          "usd": "USD", "gbp": "GBP", "kg": "kg", "km": "km", "mb": "MB", "gb": "GB"}
_UPPER = {"id": "ID", "url": "URL", "cc": "CC", "bcc": "BCC", "api": "API", "ip": "IP", "sql": "SQL", "pdf": "PDF"}

# Tools whose name a reviewer may change in Edit (README, "Add your own format"). By default the
# name is shown, not edited: graphs that run the tool they proposed ignore a new name silently.
RENAMABLE: set[str] = set()


def allow_renaming(*tool_names: str) -> None:
    """Let reviewers change these tools' names in Edit (Agent Inbox and batched HITL requests)."""
    RENAMABLE.update(tool_names)


def label(key: Any) -> str:
    """A readable label for an argument or key: "duration_minutes" → "Duration (minutes)", "toEmail" → "To email"."""
    words = [w for w in re.split(r"[_\-\s]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(key))) if w]
    if not words:
        return str(key)
    unit = _UNITS.get(words[-1].lower()) if len(words) > 1 else None
    if unit:
        words = words[:-1]
    words = [_UPPER.get(w.lower(), w.lower()) for w in words]
    text = " ".join(words)
    text = text[:1].upper() + text[1:]
    return f"{text} ({unit})" if unit else text


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and "\n" not in v for v in value)


def value_field(name: str, label_: str, current: Any, text_lists: bool = True, always_long: bool = False) -> Field:
    """An input typed from a value: numbers stay numbers, long text keeps its line breaks, lists of text are one
    item per line (`text_lists`); anything else is edited as JSON."""
    if isinstance(current, bool):
        return Field(name, label_, "boolean", default=current)
    if isinstance(current, int):
        return Field(name, label_, "integer", default=current)
    if isinstance(current, float):
        return Field(name, label_, "number", default=current)
    if isinstance(current, str):
        long = always_long or len(current) > 80 or "\n" in current
        return Field(name, label_, "long_text" if long else "text", default=current)
    if text_lists and _is_text_list(current):
        return Field(name, label_, "lines", default="\n".join(current), help="One per line.")
    return Field(name, label_, "json", default=dumps(current, indent=2), help="JSON: keep the brackets and quotes.")


def args_fields(args: Any) -> tuple[Field, ...]:
    """One labelled input per argument ("duration_minutes" → "Duration (minutes)")."""
    if not isinstance(args, dict):
        return (Field("args_json", "Arguments", "json", default=dumps(args, indent=2), required=True),)
    return tuple(value_field(ARG_PREFIX + str(key), label(key), current) for key, current in args.items())


def read_args(args: Any, fields: tuple[Field, ...], got: dict[str, Any]) -> Any:
    if not isinstance(args, dict):
        return got["args_json"]
    edited = {}
    for f in fields:
        if not f.name.startswith(ARG_PREFIX):
            continue
        key, value = f.name[len(ARG_PREFIX):], got.get(f.name)  # already checked and parsed by read_inputs
        if f.kind == "text" and value is None:
            value = ""
        edited[key] = value
    return edited


def tool_edit_action(key: str, label_: str, name: str, args: Any, name_editable: bool = False,
                     submit: str = "Send the edited action") -> Action:
    fields = args_fields(args)
    if name_editable:
        fields = (Field(NAME_FIELD, "Action (tool name)", "text", default=name, required=True),) + fields
        help_ = "Change the arguments (and the action, if needed), then send."
    else:
        help_ = "Change the arguments, then send. The action itself stays the same."
    return Action(key, label_, fields, help=help_, submit=submit, edits=True)


def edited_action(action: Action, name: str, args: Any, got: dict[str, Any]) -> dict[str, Any]:
    return {"name": (got.get(NAME_FIELD) or name).strip(), "args": read_args(args, action.fields, got)}
