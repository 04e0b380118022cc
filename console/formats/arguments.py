"""A tool call's arguments as typed form fields, and the edited call they read back to."""

from __future__ import annotations

from typing import Any

from console.formats.base import Action, Field
from console.jsonable import dumps

ARG_PREFIX = "arg:"
NAME_FIELD = "tool_name"


def args_fields(args: Any) -> tuple[Field, ...]:
    """One input per argument, typed from its current value: numbers stay numbers, lists/objects stay JSON."""
    if not isinstance(args, dict):
        return (Field("args_json", "Arguments", "json", default=dumps(args, indent=2), required=True),)
    fields = []
    for key, current in args.items():
        name = ARG_PREFIX + str(key)
        if isinstance(current, bool):
            fields.append(Field(name, str(key), "boolean", default=current))
        elif isinstance(current, int):
            fields.append(Field(name, str(key), "integer", default=current))
        elif isinstance(current, float):
            fields.append(Field(name, str(key), "number", default=current))
        elif isinstance(current, str):
            kind = "long_text" if len(current) > 80 or "\n" in current else "text"
            fields.append(Field(name, str(key), kind, default=current))
        else:
            fields.append(Field(name, str(key), "json", default=dumps(current, indent=2),
                                help="JSON: keep the brackets and quotes."))
    return tuple(fields)


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


def tool_edit_action(key: str, label: str, name: str, args: Any, name_editable: bool = True) -> Action:
    fields = args_fields(args)
    if name_editable:
        fields = (Field(NAME_FIELD, "Action (tool name)", "text", default=name, required=True),) + fields
    return Action(key, label, fields, help="Change the arguments (and the action, if needed), then send.",
                  submit="Send the edited action")


def edited_action(action: Action, name: str, args: Any, got: dict[str, Any]) -> dict[str, Any]:
    return {"name": (got.get(NAME_FIELD) or name).strip(), "args": read_args(args, action.fields, got)}
