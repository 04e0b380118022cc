"""The thread page's discussion: reviewers' comments (who, when, text) shown inert, a box to add one, and the export."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from console.comments import MAX_CHARS, with_comments
from console.errors import ConsoleError
from console.threads import ThreadView
from ui import keys, render
from ui.text import inert, visible


def _add(app, thread_id: str, reviewer) -> None:
    try:
        app.team.add_comment(thread_id, reviewer, st.session_state.get(keys.COMMENT_BOX) or "")
    except ConsoleError as exc:  # kept in the box, with the sentence
        st.session_state[keys.QUEUE_NOTE + ":comment"] = str(exc)
        return
    st.session_state[keys.COMMENT_BOX] = ""


def comments_section(app, view: ThreadView, reviewer, comments: pd.DataFrame) -> None:
    """`comments`: this thread's (app.team.comment_log), read once for this section and the export."""
    with st.expander("Comments", expanded=True):
        if comments.empty:
            st.caption("No comment yet. Comments are for the reviewers; the workflow never sees them.")
        for row in comments.itertuples():
            with st.container(border=True, key=f"comment-{row.Index}"):
                # Who and what are the reviewers' own words: plain text, never Markdown.
                st.text(visible(f"{row.reviewer} · {row.written_at[:16].replace('T', ' ')} UTC"))
                st.text(visible(row.comment))
        problem = st.session_state.pop(keys.QUEUE_NOTE + ":comment", None)
        if problem:
            st.warning(inert(problem))
        if reviewer is None:
            st.caption("Enter your name in the sidebar to comment.")
            return
        st.text_area("Add a comment", key=keys.COMMENT_BOX, max_chars=MAX_CHARS, height=90,
                     placeholder="Seen by the other reviewers of this thread")
        st.button("Post comment", key="comment-post", on_click=_add, args=(app, view.thread_id, reviewer))


def export(thread_id: str, decisions: pd.DataFrame, comments: pd.DataFrame) -> None:
    """Decisions and comments in one CSV, in time order."""
    render.csv_download(with_comments(decisions, comments), f"review-{thread_id}.csv", "thread-review-csv",
                        "Download decisions and comments (CSV)")
