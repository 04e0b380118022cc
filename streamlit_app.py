"""Review Console: router and frame only (page config, sidebar, navigation)."""

import console  # noqa: F401  (sets strict checkpoint decoding before langgraph loads)

import streamlit as st

from ui import cached, keys, nodelay, runtime
from ui.text import visible

st.set_page_config(page_title="Review Console", page_icon=runtime.PAGE_ICON, layout="wide")
nodelay.server_sockets_nodelay()  # once per process: else most page loads wait ~40 ms on a delayed ACK

pages = [
    st.Page(keys.INBOX_PAGE, title="Inbox", icon=":material/inbox:", url_path="inbox", default=True),
    st.Page(keys.THREAD_PAGE, title="Thread", icon=":material/forum:", url_path="thread"),
    st.Page(keys.START_PAGE, title="Start a workflow", icon=":material/play_arrow:", url_path="start"),
    st.Page(keys.ACTIVITY_PAGE, title="Activity", icon=":material/history:", url_path="activity"),
    st.Page(keys.TOUR_PAGE, title="Guided tour", icon=":material/tour:", url_path="tour"),
]
# The pages live in views/, not pages/: Streamlit runs a folder named pages/ next to this file as
# its legacy multipage app until some session has called st.navigation, so a deep link as a
# server's first visit would run the page alone, without this router.
navigation = st.navigation(pages)



@st.fragment(run_every=5)
def waiting_per_workflow() -> None:
    """Refreshes itself, so a decision made further down this run shows within seconds."""
    with runtime.plain_errors():
        waiting = cached.waiting_per_workflow(app)  # one shared table per index version
        if waiting is not None:
            st.caption("Waiting per workflow")
            # Titles are longer than ids: the count gets a fixed narrow column, so it stays in view.
            st.dataframe(waiting, hide_index=True, width="stretch",
                         column_config={"workflow": st.column_config.TextColumn("Workflow", width=170),
                                        "threads": st.column_config.NumberColumn("Threads", width=60)})


# Opened before the sidebar is drawn, so a console that cannot start says why on the page itself,
# where the reviewer looks, rather than in the sidebar above an empty page.
app = runtime.console()

with st.sidebar:
    runtime.identity_sidebar()
    if app.workflow_problems:
        # One broken entry hides only itself; the details are the operator's setting and its error.
        st.warning("A workflow could not be loaded. Its threads show as “workflow not loaded”; the others work.")
        for problem in app.workflow_problems:
            st.text(visible(f"{problem.entry}: {problem.reason}"))
    if app.allows(runtime.reviewer(), None, "reopen"):  # a reviewer needs no file path; an administrator may look it up
        with st.expander("About this console"):
            st.text(visible(f"Database: {app.settings.database_label}"))
    waiting_per_workflow()

navigation.run()
