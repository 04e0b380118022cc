"""The decision log as the pages show it: plain columns, each edit's diff in words and, on a thread, line by line."""

from __future__ import annotations

import json
from typing import Mapping

import pandas as pd
import streamlit as st

from console.wording import done_words, with_titles
from ui import columns, render
from ui.confirm import changes_view
from ui.text import inert, visible

# What a reviewer reads, in this order. The rest (ids of checkpoints and interrupts, the answer and
# the diff as JSON, the text before and after) is in the CSV export, which keeps every column.
SHOWN = ("decided_at", "reviewer", "workflow", "thread_id", "action", "what changed", "outcome", "detail")


def shown_table(frame: pd.DataFrame, registry: Mapping) -> pd.DataFrame:
    """The log as a reviewer reads it: when, who, which workflow (its title) and thread, what was done and
    changed, how it ended; hidden characters marked."""
    shown = with_titles(frame, registry)
    shown = shown[[c for c in SHOWN if c in shown.columns]].copy()
    if "action" in shown.columns:  # "edit_state" → "state edited"; the CSV keeps the key
        shown["action"] = shown["action"].map(done_words)
    if "decided_at" in shown.columns:  # 2026-01-05T09:30:00.123+00:00 → 2026-01-05 09:30:00
        shown["decided_at"] = shown["decided_at"].map(lambda t: str(t)[:19].replace("T", " "))
    return render.visible_table(shown.rename(columns={"decided_at": "when (UTC)"}))


def decision_table(frame: pd.DataFrame, registry: Mapping) -> None:
    """The log as a table (see shown_table)."""
    shown = shown_table(frame, registry)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=columns.config(shown))


def _stored(text) -> list[dict] | None:
    try:
        found = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return found if isinstance(found, list) and all(isinstance(c, dict) and "kind" in c for c in found) else None


def edit_diffs(frame: pd.DataFrame) -> None:
    """Each edit on this thread, field by field; long text line by line, as the reviewer confirmed it."""
    if frame.empty or "changes" not in frame.columns:
        return
    edits = [(row, found) for row in frame.to_dict("records") if (found := _stored(row.get("changes")))]
    if not edits:
        return
    st.markdown("**What each edit changed**")
    for row, found in edits:
        when = str(row.get("decided_at") or "")[:19].replace("T", " ")
        st.caption(inert(f"{row.get('reviewer')}, {when} UTC ({row.get('outcome')})"))
        try:
            changes_view(found)
        except (KeyError, TypeError, IndexError):  # a row another program wrote oddly: its words are in the table
            st.text(visible(row.get("what changed")))
