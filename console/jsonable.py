"""Turn state values and payloads into plain JSON-able data for display and for the log."""

from __future__ import annotations

import dataclasses
import json
from typing import Any


def to_jsonable(value: Any, _depth: int = 0) -> Any:
    if _depth > 50:
        return "…"
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v, _depth + 1) for v in value]
    if hasattr(value, "model_dump"):  # pydantic models and LangChain messages
        try:
            return to_jsonable(value.model_dump(), _depth + 1)
        except Exception:
            pass
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value), _depth + 1)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return repr(value)


def dumps(value: Any, indent: int | None = None) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=indent, sort_keys=False)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, on one line."""
    text = str(text)
    # A preview of a long draft needs its first words only: the head's words begin the whole text's,
    # so when they are already too long, the whole (a long document, derived per thread) is not split.
    head = 2 * limit + 2
    flat = " ".join(text[:head].split())
    if len(flat) <= limit and len(text) > head:  # mostly white space so far: the whole text decides
        flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: max(0, limit - 1)] + "…"
