"""Activity: charts of the backlog, its age and the decisions (filtered, each with a CSV), then every decision made here."""

import datetime as dt

import streamlit as st

from console import insight
from ui import charts, render, runtime
from ui.text import inert

app = runtime.console()
reviewer = runtime.reviewer()
st.title("Activity")

with runtime.plain_errors():
    scope = insight.scope_for(app, reviewer)
    version = app.index_version()  # one check a rerun, for every read below
    choices = charts.choices(app, scope, version)  # the boxes' options, labelled once per version
    today = dt.datetime.now(dt.timezone.utc).date()
    # One horizontal box for the three filters: st.columns(3) was four blocks, and every element or block
    # is a message the server hands to the websocket on each reload (bench/activity.py, profiled).
    filters = st.container(horizontal=True)
    chosen = filters.multiselect("Workflow", choices.workflows, placeholder="All workflows", key="activity-workflows")
    # Options by position: a None option would read as "nothing chosen" and show the placeholder. The key
    # follows the scope: typing a name changes the choices, and a kept key kept the old ones on screen.
    chosen_person = filters.selectbox("Reviewer", range(len(choices.people)),
                                      format_func=choices.people_labels.__getitem__,
                                      key=f"activity-reviewer:{'everyone' if scope.everyone else 'own'}")
    person = choices.people[chosen_person or 0]
    days = filters.date_input("Dates (UTC)", value=(today - dt.timedelta(days=29), today), max_value=today,
                              format="YYYY-MM-DD", key="activity-days")
    start, end = (days[0], days[-1]) if isinstance(days, (tuple, list)) and days else (today, today)
    workflows = tuple(choices.workflows[t] for t in chosen if t in choices.workflows)
    query = insight.ActivityQuery(start=start, end=end, workflows=workflows, reviewer=person)
    read = charts.activity(app, query, scope, version)
    figures = read.figures
    if not scope.everyone:
        st.caption("You see your own decisions by name; other reviewers' decisions count in the team's totals.")
    if figures.empty:
        st.info("Nothing to chart for these dates yet. Once threads wait for review and reviewers approve, reject or "
                "edit them, this page shows how many threads wait each day, how long they have waited, how long a "
                "decision takes in each workflow, decisions per day by outcome and by reviewer, and the most common "
                "reasons for rejecting.")
    else:
        # Two bordered columns of three charts, the first three on the left (three rows of two were nine
        # blocks, these are three); side by side, charts are drawn as tall as each other (ui/charts.COLUMNS).
        for column, three in zip(st.columns(2, border=True), charts.COLUMNS):
            with column:
                for name in three:
                    charts.show(name, read)
        charts.csv_downloads(read)

    # The tables open on demand: an expander that reruns when opened runs nothing inside it while closed. The
    # charts answer the page's questions; drawn on every reload, the two tables were ~1.5 ms of its server time.
    log_box = st.expander("Decision log" if scope.everyone else "Your decisions", key="activity-log",
                          on_change="rerun")
    if log_box.open:
        with log_box:
            # Administrators see every reviewer's decisions (the scope's own policy check, made once above).
            log = charts.decision_log(app, None if scope.everyone else reviewer, version)  # once per version
            if log.frame.empty:
                st.caption("No decision has been made yet.")
            else:
                outcomes = st.multiselect("Outcome", log.outcomes)
                shown = log.table[log.frame["outcome"].isin(outcomes)] if outcomes else log.table
                if len(shown) > charts.LOG_ROWS:  # a longer table is sent to the browser on every rerun
                    st.caption(inert(f"The newest {charts.LOG_ROWS:,} of {len(shown):,} decisions; "
                                     "the CSV holds them all."))
                st.dataframe(shown.head(charts.LOG_ROWS) if outcomes else log.newest, hide_index=True, width="stretch",
                             column_config=log.config)
            render.csv_download(log.frame, "decisions.csv", "activity-csv")
    counts_box = st.expander("Threads by workflow and status", key="activity-counts", on_change="rerun")
    if counts_box.open:
        counts = charts.counts_table(app, version)  # pivoted, titled and as Arrow once per version
        if counts is None:
            counts_box.caption("No thread yet.")
        else:
            counts_box.dataframe(counts.table, width="stretch", column_config=counts.config)
