"""Activity: every decision made in this console, with counts, and a CSV download."""

import streamlit as st

from console.wording import with_titles
from ui import decision_log, render, runtime

app = runtime.console()
reviewer = runtime.reviewer()
st.title("Activity")

with runtime.plain_errors():
    counts = with_titles(app.counts(), app.registry)
    if not counts.empty:
        st.subheader("Threads by workflow and status")
        st.dataframe(counts.pivot_table(index="workflow", columns="status", values="threads", fill_value=0),
                     width="stretch")
    everyone = app.allows(reviewer, None, "reopen")  # administrators see every reviewer's decisions
    log = app.decision_log(reviewer=None if everyone else reviewer)
    st.subheader("Decision log" if everyone else "Your decisions")
    if log.empty:
        st.caption("No decision has been made yet.")
    else:
        outcomes = st.multiselect("Outcome", sorted(log["outcome"].unique()))
        shown = log[log["outcome"].isin(outcomes)] if outcomes else log
        decision_log.decision_table(shown, app.registry)
    render.csv_download(log, "decisions.csv", "activity-csv")
