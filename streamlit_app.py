"""Review Console: router and frame only (page config, sidebar, navigation)."""

import console  # noqa: F401  (sets strict checkpoint decoding before langgraph loads)
from pathlib import Path

import streamlit as st

from ui import keys, runtime

# The icon is a file shipped here: a material icon name is fetched from a font host, which fails offline.
st.set_page_config(page_title="Review Console", page_icon=str(Path(__file__).parent / "ui" / "favicon.svg"), layout="wide")

pages = [
    st.Page(keys.INBOX_PAGE, title="Inbox", icon=":material/inbox:", url_path="inbox", default=True),
    st.Page(keys.THREAD_PAGE, title="Thread", icon=":material/forum:", url_path="thread"),
    st.Page(keys.START_PAGE, title="Start a workflow", icon=":material/play_arrow:", url_path="start"),
    st.Page(keys.ACTIVITY_PAGE, title="Activity", icon=":material/history:", url_path="activity"),
]
navigation = st.navigation(pages)
st.session_state[keys.ROUTED] = True  # see runtime.console: pages run alone until the router has run once



@st.fragment(run_every=5)
def waiting_per_workflow() -> None:
    """Refreshes itself, so a decision made further down this run shows within seconds."""
    with runtime.plain_errors():
        counts = app.counts()
        waiting = counts[counts["status"] == "waiting"]
        if not waiting.empty:
            st.caption("Waiting per workflow")
            st.dataframe(waiting[["workflow", "threads"]], hide_index=True, width="stretch")


with st.sidebar:
    runtime.identity_sidebar()
    app = runtime.console()
    if app.workflow_problems:
        # One broken entry hides only itself; the details are the operator's setting and its error.
        st.warning("A workflow could not be loaded. Its threads show as “workflow not loaded”; the others work.")
        for problem in app.workflow_problems:
            st.text(f"{problem.entry}: {problem.reason}")
    st.caption(f"Database: `{app.settings.database_label}`")
    waiting_per_workflow()

navigation.run()
