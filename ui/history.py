"""The thread page's History: saved steps in words, and (administrators) a reopen from one of them, confirmed first."""

from __future__ import annotations

import streamlit as st

from console.errors import ConsoleError
from console.threads import ThreadView
from console.time_travel import ReopenRequest
from ui import cached, columns, keys, progress, runtime
from ui.text import inert, visible

# Words wide enough to read whole. The saved step's id (for audits) is shown to administrators who ask for it.
WIDTHS = {"what happened": "medium", "decision": "medium", "checkpoint_id": "small"}
ID_COLUMN = "checkpoint_id"


def apply_pending(app, reviewer, thread_id: str) -> None:
    """Run a reopen the confirm button queued (before the page reads the thread, so it shows the new branch)."""
    pending = st.session_state.pop(keys.PENDING_REOPEN, None)
    if pending is None or pending.thread_id != thread_id:
        return
    if reviewer is None:
        st.warning("Enter your name in the sidebar first: every reopen records who made it. Nothing was changed.")
        return
    st.session_state[keys.reopen_key(thread_id, "choice")] = None  # the old choice is on the old branch now
    outcome = progress.follow_run(app.reopen(pending, reviewer))
    if outcome is not None:
        st.session_state.setdefault(keys.LAST_OUTCOME, {})[thread_id] = outcome


def _queue(request: ReopenRequest) -> None:
    # A callback: `request` holds the checkpoints of the page the admin saw, not of the rerun the click causes.
    st.session_state[keys.PENDING_REOPEN] = request


def history_section(app, view: ThreadView, reviewer) -> None:
    # A key keeps it the same element (and open) when the outcome line above it comes and goes.
    with st.expander("History", key=keys.reopen_key(view.thread_id, "history")):
        with runtime.plain_errors():
            history = cached.history(app, view)  # shared by every session on this thread
            frame = history.frame
            admin = app.allows(reviewer, view.workflow, "reopen")
            with_ids = admin and st.toggle("Show the saved steps' ids (for audits)", key=keys.reopen_key(view.thread_id, "ids"))
            shown = [c for c in frame.columns if c != ID_COLUMN or with_ids]
            st.dataframe(history.table if history.table is not None else frame, hide_index=True, width="stretch",
                         column_order=shown, column_config=columns.config(frame, widths=WIDTHS))
            if not frame.empty and (frame["branch"] == "earlier").any():
                st.caption("A reopen keeps the thread's old branch: its saved steps are marked “earlier”.")
            if admin:  # reviewers see the history only (checked again in console/)
                _reopen_area(app, view)


def _reopen_area(app, view: ThreadView) -> None:
    choices = app.reopen_choices(view)
    if not choices:
        st.caption("There is no earlier step to reopen this thread from.")
        return
    choice = st.selectbox("Reopen from an earlier step (administrators)", list(choices), index=None,
                          format_func=lambda c: visible(choices[c]), placeholder="Choose a saved step",
                          key=keys.reopen_key(view.thread_id, "choice"),
                          help="Goes back to that step and runs the workflow again from there. The old branch stays in the history.")
    if choice is None:
        return
    try:
        plan = app.reopen_plan(view, choice)
    except ConsoleError as exc:
        st.error(inert(exc))
        return
    with st.container(border=True, key=keys.reopen_key(view.thread_id, "plan")):
        st.warning(inert(plan.sentence))
        st.button(inert(f"Reopen from step {plan.step}"), type="primary", key=keys.reopen_key(view.thread_id, "yes"),
                  on_click=_queue, args=(ReopenRequest(view.thread_id, choice, view.checkpoint_id),))
