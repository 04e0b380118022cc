"""What a reviewer's edit changes, field by field (difflib for text): shown before sending, JSON-able for the log."""

from __future__ import annotations

import dataclasses
import difflib
from typing import Any

from console.errors import InvalidAnswer
from console.formats.base import Action, Field, coerce
from console.jsonable import to_jsonable

LONG = 120  # text longer than this (or with line breaks) is compared line by line


def _value(field_: Field, raw: Any) -> Any:
    try:
        return coerce(dataclasses.replace(field_, required=False), raw)
    except InvalidAnswer:
        return raw


def text_diff(before: str, after: str) -> list[dict[str, str]]:
    """Changed lines with one line of context: [{"op": "same" | "removed" | "added" | "gap", "text": …}]."""
    out = []
    for line in list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1))[2:]:
        if line.startswith("@@"):
            out.append({"op": "gap", "text": "…"})
        else:
            out.append({"op": {"-": "removed", "+": "added"}.get(line[:1], "same"), "text": line[1:]})
    return out[1:] if out and out[0]["op"] == "gap" else out


def change(label: str, before: Any, after: Any) -> dict[str, Any]:
    """One changed field: {"field", "kind": "text" | "list" | "value", "before", "after", and "lines" or "added"/"removed"}."""
    entry: dict[str, Any] = {"field": label, "before": to_jsonable(before), "after": to_jsonable(after)}
    if isinstance(before, str) and isinstance(after, str) and ("\n" in before + after or len(before) + len(after) > LONG):
        entry.update(kind="text", lines=text_diff(before, after))
    elif isinstance(before, list) and isinstance(after, list):
        entry.update(kind="list", added=[to_jsonable(v) for v in after if v not in before],
                     removed=[to_jsonable(v) for v in before if v not in after])
    else:
        entry["kind"] = "value"
    return entry


def changes(action: Action, inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """Every field of an edit whose value differs from the one it started with (the request's own value)."""
    out = []
    for f in action.fields:
        if f.name not in inputs:  # not shown, so not changed
            continue
        before, after = _value(f, f.default), _value(f, inputs.get(f.name))
        if before != after:
            out.append(change(f.label, before, after))
    return out


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"“{value}”" if value else "(empty)"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value) or "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "(empty)" if value is None else str(value)


def sentences(found: list[dict[str, Any]]) -> list[str]:
    """The changes in plain words, one line each (for a log or a page that shows no diff view)."""
    lines = []
    for c in found:
        if c["kind"] == "text":
            lines.append(f"{c['field']}: text changed ({sum(1 for x in c['lines'] if x['op'] == 'added')} lines added or"
                         f" changed, {sum(1 for x in c['lines'] if x['op'] == 'removed')} removed)")
        elif c["kind"] == "list":
            parts = ([f"added {_shown(c['added'])}"] if c["added"] else []) + ([f"removed {_shown(c['removed'])}"] if c["removed"] else [])
            lines.append(f"{c['field']}: {'; '.join(parts) or 'order changed'}")
        else:
            lines.append(f"{c['field']}: {_shown(c['before'])} → {_shown(c['after'])}")
    return lines
