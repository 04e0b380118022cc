"""What a reviewer's edit changes, field by field (difflib for text): shown before sending, JSON-able for the log."""

from __future__ import annotations

import dataclasses
import difflib
import json
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


def _line(text: str, limit: int = 80) -> str:
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def log_sentences(found: list[dict[str, Any]]) -> list[str]:
    """The changes as the decision log shows them: a long text's changed lines too (difflib's, as confirmed)."""
    lines = []
    for c in found:
        where = f"Item {c['item']}, " if c.get("item") else ""
        if c.get("kind") == "text":
            marks = [f"{'removed' if x['op'] == 'removed' else 'added'} {_line(x['text'])}"
                     for x in c.get("lines") or [] if x.get("op") in ("removed", "added")]
            lines.append(f"{where}{c['field']}: {', '.join(marks) or 'line breaks changed'}")
        else:
            lines.append(where + sentences([c])[0])
    return lines


def log_text(stored: Any) -> str:
    """rc_decisions.changes (JSON text, written by any console on the database) as one plain cell."""
    if stored is None or (isinstance(stored, float) and stored != stored):  # no edit (NULL, or NaN in a frame)
        return ""
    try:
        found = json.loads(stored) if isinstance(stored, str) else stored
        return "; ".join(log_sentences(found)) or "nothing changed"
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):  # a row another program wrote oddly
        return "(the change could not be read)"
