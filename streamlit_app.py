"""Review Console: router and frame only (page config, sidebar, navigation)."""

import console  # noqa: F401  (sets strict checkpoint decoding before langgraph loads)
import streamlit as st

from ui import keys, runtime

st.set_page_config(page_title="Review Console", page_icon=":material/fact_check:", layout="wide")

pages = [
    st.Page(keys.INBOX_PAGE, title="Inbox", icon=":material/inbox:", url_path="inbox", default=True),
    st.Page(keys.THREAD_PAGE, title="Thread", icon=":material/forum:", url_path="thread"),
    st.Page(keys.START_PAGE, title="Start a workflow", icon=":material/play_arrow:", url_path="start"),
    st.Page(keys.ACTIVITY_PAGE, title="Activity", icon=":material/history:", url_path="activity"),
    st.Page(keys.TOUR_PAGE, title="Guided tour", icon=":material/tour:", url_path="tour"),
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
    st.caption(f"Database: `{app.settings.database_label}`")
    waiting_per_workflow()

navigation.run()
