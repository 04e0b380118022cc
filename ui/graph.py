"""The thread page's picture of its workflow: LangGraph's own graph, drawn by Graphviz in the browser."""

from __future__ import annotations

import streamlit as st

from console.threads import ThreadView


def workflow_picture(app, view: ThreadView) -> None:
    """An expander with the workflow's steps; the step the thread waits at is lit."""
    with st.expander("Picture of the workflow"):
        waiting = view.waiting_node if view.status in ("waiting", "running", "failed") else None
        dot = app.workflow_picture(view.workflow, waiting)
        if dot is None:
            st.caption("This workflow cannot draw a picture of itself.")
            return
        if waiting is not None:
            st.caption("The lit step is where this thread waits. Dashed arrows are taken only on some answers.")
        else:
            st.caption("Dashed arrows are taken only on some answers.")
        st.graphviz_chart(dot, width="content", alt="Picture of the workflow's steps")
