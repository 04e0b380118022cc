"""Bulk approval in the inbox: tick rows, check what approving each would do, confirm, read the summary."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from console.bulk import MAX_THREADS
from ui import columns, keys, render
from ui.text import inert, visible

GENERATION = keys.INBOX_BULK_TABLE + ":generation"


def table_key() -> str:
    return keys.bulk_table_key(st.session_state.get(GENERATION, 0))


def _check(app, thread_ids: list[str]) -> None:
    st.session_state[keys.BULK_PLAN] = app.team.bulk_plan(thread_ids)


def _approve(app, reviewer) -> None:
    plan = st.session_state.pop(keys.BULK_PLAN, None) or []
    offered = [item for item in plan if item.action]
    st.session_state[keys.BULK_RESULTS] = (len(plan), app.team.bulk_approve(offered, reviewer), plan)
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1  # the ticks pointed at rows now gone


def _cancel() -> None:
    st.session_state.pop(keys.BULK_PLAN, None)


def _plan_table(plan) -> pd.DataFrame:
    return pd.DataFrame([{"thread_id": i.thread_id, "question": i.title, "preview": i.preview,
                          "approve?": "yes" if i.action else "no: " + i.why_not} for i in plan])


def results() -> None:
    """The last bulk approval's summary, in plain words: applied and refused, and why."""
    held = st.session_state.get(keys.BULK_RESULTS)
    if not held:
        return
    selected, done, plan = held
    applied = [r for r in done if r.applied]
    refused = [r for r in done if not r.applied]
    not_offered = [i for i in plan if not i.action]
    with st.container(border=True, key="bulk-summary"):
        st.markdown("**Bulk approval**")
        st.text(f"{len(applied)} approved, {len(refused)} refused, {len(not_offered)} not offered, of {selected} selected.")
        rows = [{"thread_id": r.thread_id, "result": "approved" if r.applied else "refused", "why": r.why} for r in done]
        rows += [{"thread_id": i.thread_id, "result": "not offered", "why": i.why_not} for i in not_offered]
        st.dataframe(render.visible_table(pd.DataFrame(rows)), hide_index=True, width="stretch", key="bulk-summary-table",
                     column_config=columns.config(("thread_id", "result", "why"), widths={"why": "large"}))
        for r in refused:  # the reasons in full, not cut by the table's width
            st.text(visible(f"Refused, {r.thread_id}: {r.why}"))
        st.button("Done", key="bulk-done", on_click=st.session_state.pop, args=(keys.BULK_RESULTS, None))


def select_and_approve(app, rows: pd.DataFrame, table: dict, reviewer) -> None:
    """The inbox table with several rows selectable, and the approval of the ticked ones (results: the summary)."""
    plan = st.session_state.get(keys.BULK_PLAN)
    if plan is not None:
        # The checked list replaces the table until approved or cancelled: the inbox refreshes itself,
        # and ticks (row positions) would then point at other threads than the ones checked.
        _confirm(app, plan, reviewer)
        return
    event = st.dataframe(**table, key=table_key(), on_select="rerun", selection_mode="multi-row")
    ids = [rows.iloc[i]["thread_id"] for i in event.selection.rows if i < len(rows)][:MAX_THREADS]
    if not ids:
        st.caption("Tick the threads to approve together. Only those a plain approval answers (no input, nothing to "
                   "check) are approved; each is checked again just before.")
        return
    st.button(inert(f"Check the {len(ids)} selected"), key="bulk-check", on_click=_check, args=(app, ids), type="primary")


def _confirm(app, plan, reviewer) -> None:
    offered = sum(1 for i in plan if i.action)
    st.caption(inert(f"{offered} of {len(plan)} can be approved here. Each is checked again just before it is applied: "
                     "one that changed since this list was made is refused, not approved."))
    st.dataframe(render.visible_table(_plan_table(plan)), hide_index=True, width="stretch", key="bulk-plan-table",
                 column_config=columns.config(("thread_id", "question", "preview", "approve?")))
    if reviewer is None:
        st.caption("Enter your name in the sidebar to approve.")
    with st.container(horizontal=True):
        st.button(inert(f"Approve {offered} threads"), key="bulk-approve", type="primary", disabled=not offered or reviewer is None,
                  on_click=_approve, args=(app, reviewer))
        st.button("Back to the selection", key="bulk-cancel", on_click=_cancel)
