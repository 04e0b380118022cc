"""The decision log as the pages show it: plain columns, each edit's diff in words and, on a thread, line by line."""

from __future__ import annotations

import json
from typing import Mapping

import pandas as pd
import streamlit as st

from console.wording import with_titles
from ui import render
from ui.confirm import changes_view
from ui.text import inert, visible

# The raw JSON of an edit's diff stays in the CSV; the tables show it as "what changed".
HIDDEN = ("changes",)


def decision_table(frame: pd.DataFrame, registry: Mapping) -> None:
    """The log as a table: workflow titles, the diff of each edit in words next to its action."""
    shown = with_titles(frame, registry).drop(columns=[c for c in HIDDEN if c in frame.columns])
    if "what changed" in shown.columns and "action" in shown.columns:
        order = list(shown.columns)
        order.remove("what changed")
        order.insert(order.index("action") + 1, "what changed")
        shown = shown[order]
    st.dataframe(render.visible_table(shown), hide_index=True, width="stretch")


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
