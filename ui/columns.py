"""Plain column headings for every table a reviewer reads: the frames keep their names, the headings say them in words."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import streamlit as st

# Names the code and the CSV exports use, as a reviewer reads them; any other name gets a capital first letter.
LABELS = {
    "thread_id": "Thread",
    "checkpoint_id": "Saved step id",
    "decided_at": "When (UTC)",
    "approve?": "Approve?",
}


def heading(column: object) -> str:
    """ "thread_id" → "Thread", "waiting at" → "Waiting at", "when (UTC)" → "When (UTC)"."""
    name = str(column)
    if name in LABELS:
        return LABELS[name]
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def names(data: Any) -> list[str]:
    """The column names of a DataFrame, an Arrow table (its `.columns` are the columns' values) or a list."""
    found = getattr(data, "column_names", None)
    if found is None:
        found = data.columns if hasattr(data, "columns") else data
    return [str(c) for c in found]


def config(data: Any, widths: Mapping[str, str | int] | None = None, index: str | None = None) -> dict:
    """st.dataframe's column_config for the columns of `data` (a DataFrame, an Arrow table or a list of
    names): a plain heading each (and a width where given); `index`: the heading of a shown index.
    Shared between calls (st.dataframe copies it before changing it): read it, do not change it."""
    return _config(tuple(names(data)), tuple((widths or {}).items()), index)


@functools.lru_cache(maxsize=256)
def _config(columns: tuple[str, ...], widths: tuple[tuple[str, str | int], ...], index: str | None) -> dict:
    # Made once per set of columns, not per table per run (the inbox's self-refreshing table asks each run).
    width = dict(widths)
    out: dict = {c: st.column_config.Column(heading(c), width=width.get(c)) for c in columns}
    if index is not None:
        out["_index"] = st.column_config.Column(heading(index))
    return out


def shown(order: list[str], rows: Any, drop_when_empty: tuple[str, ...] = ()) -> list[str]:
    """`order` without the columns `rows` lacks, and without those of `drop_when_empty` that are blank on every row:
    a LangGraph Server's search names no step, so its inbox would show an empty "Waiting at" column otherwise."""
    present = set(names(rows))

    def blank(column: str) -> bool:
        values = rows.column(column).to_pylist() if hasattr(rows, "column_names") else list(rows[column])
        return not any(values)

    return [c for c in order if c in present and not (c in drop_when_empty and blank(c))]
