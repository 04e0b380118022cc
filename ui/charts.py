"""The Activity page's charts (Altair), each with its numbers as a CSV download; read once per log version.

Names and reasons written by reviewers reach Vega as data values only (labels
and tooltips are drawn as text, never as Markdown or HTML); titles and axis
names here are literals.

What a rerun pays is kept small (bench/activity.py, `--profile` for py-spy): the
figures, each chart's spec with its data already as Arrow bytes, each CSV's frame
and the tables as Arrow are made once per change of the log and shared by every
session; a rerun only sends them.
"""

from __future__ import annotations

from typing import NamedTuple

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit import dataframe_util

from console.insight import Activity, ActivityQuery, Scope, reviewer_label
from console.wording import with_titles
from ui import columns, render
from ui.decision_log import shown_table
from ui.text import visible

READ_TTL_S = 60  # ages and "today" move with the clock, not with the log's version
MAX_ENTRIES = 200
HEIGHT = 260
# Fixed colours per outcome (colour-blind-safe Tableau hues): approvals read green, rejections red.
OUTCOME_COLOURS = {"Approved": "#59a14f", "Edited": "#4e79a7", "Rejected": "#e15759",
                   "Changes requested": "#f28e2b", "Other answer": "#b07aa1", "Not applied": "#bab0ac"}
REASON_LABEL_PX = 320
# Decisions shown in the log table (its CSV holds every one read). Every rerun sends them: 500 rows were
# 72 KB of the page's 116 KB and ~15 ms of its server time (bench/activity.py); 100 are a screenful's scroll.
LOG_ROWS = 100


class Read(NamedTuple):
    """One read of the page's figures, as every session shares it: never changed once made."""

    figures: Activity
    specs: dict  # chart name → its Vega-Lite spec, titled, data as Arrow bytes (a chart of text when empty)
    csvs: dict  # chart name → the frame its CSV download writes


class Log(NamedTuple):
    frame: pd.DataFrame  # the log as read (the CSV holds every column)
    table: pd.DataFrame  # as shown: plain columns, titles, hidden characters marked
    newest: pa.Table  # the table's first LOG_ROWS rows as Arrow: what an unfiltered page sends
    outcomes: list  # the outcomes in the log, sorted: the Outcome filter's choices
    config: dict  # the table's column headings (st.dataframe's column_config)


class Counts(NamedTuple):
    table: pa.Table  # threads by workflow (its title) and status
    config: dict  # its column headings


def _key(app, *parts) -> str:
    """The caches' key as one string: Streamlit hashes a string in one step, where the dataclasses took
    ~1 ms a call to hash field by field (five calls a rerun)."""
    return repr((app.settings.database_url or str(app.settings.db_path), *parts))


# st.cache_resource, not cache_data: these are read, never changed, by the page, and cache_data would
# unpickle a copy on every rerun (~25 ms for the log's 5,000 rows). A cleared cache is only read again.
@st.cache_resource(ttl=READ_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _read(_app, _query: ActivityQuery, _scope: Scope, key: str) -> Read:
    figures = _app.activity(_query, _scope)
    specs = {name: _titled(name, _spec(name, getattr(figures, name))) for name in CHARTS}
    for pair in zip(*COLUMNS):  # side by side on the page: as tall as each other, the next row starts level
        for name in pair:
            specs[name]["height"] = max(specs[n]["height"] for n in pair)
    return Read(figures, specs, {name: csv_of(name, figures) for name in CHARTS})


class Choices(NamedTuple):
    """The filters' choices as the boxes show them, made once per version: no format_func per option a rerun."""

    workflows: dict  # shown title (hidden characters marked) → workflow name
    people: tuple  # the Reviewer box's choices: None (everyone, or the team's totals) or (name, verified)
    people_labels: tuple  # each as the box shows it


# cache_resource: the page only reads them; cache_data would unpickle a copy every rerun.
@st.cache_resource(ttl=READ_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _choices(_app, _scope: Scope, key: str) -> Choices:
    titles, reviewers = _app.activity_choices(_scope)
    workflows = {}
    for title, name in titles.items():
        workflows.setdefault(visible(title), name)
    if _scope.everyone:
        return Choices(workflows, (None, *reviewers),
                       ("Everyone", *(visible(reviewer_label(*person)) for person in reviewers)))
    # A reviewer picks between the team's totals and their own figures (console/insight.Scope).
    own = ((_scope.name, _scope.verified),) if _scope.name else ()
    return Choices(workflows, (None, *own), ("The whole team", "Only me")[:1 + len(own)])


@st.cache_resource(ttl=READ_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _log(_app, _reviewer, key: str) -> Log:
    log = _app.decision_log(reviewer=_reviewer)
    table = shown_table(log, _app.registry)
    outcomes = sorted(log["outcome"].unique()) if not log.empty else []
    return Log(log, table, dataframe_util.convert_pandas_df_to_arrow_table(table.head(LOG_ROWS)), outcomes,
               columns.config(table))


@st.cache_resource(ttl=READ_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _counts(_app, key: str) -> Counts | None:
    counts = with_titles(_app.counts(), _app.registry)
    if counts.empty:
        return None
    pivot = counts.pivot_table(index="workflow", columns="status", values="threads", fill_value=0)
    arrow = dataframe_util.convert_pandas_df_to_arrow_table(pivot)  # ~10 ms a rerun as a pivot made afresh
    return Counts(arrow, columns.config(arrow, index="workflow"))


# Each takes the page's `version` (Console.index_version, read once a rerun: ~0.5 ms a check), and calls its
# cache by keyword: for a positional argument Streamlit looks its name up with inspect.signature (~100 µs a call).

def decision_log(app, reviewer, version: tuple) -> Log:
    """The log (up to 5,000 rows, through the bridge) and its table as shown (titles, hidden characters
    marked): made once per version, not on every rerun (~100 ms at 5,000 rows)."""
    return _log(_app=app, _reviewer=reviewer, key=_key(app, reviewer, version))


def counts_table(app, version: tuple) -> Counts | None:
    """Threads by workflow (its title) and status, as Arrow; None with no thread. Once per version."""
    return _counts(_app=app, key=_key(app, version))


def activity(app, query: ActivityQuery, scope: Scope, version: tuple) -> Read:
    """The figures, their charts' specs and CSVs, shared by every session until the log or the index
    changes."""
    return _read(_app=app, _query=query, _scope=scope, key=_key(app, query, scope, version))


def choices(app, scope: Scope, version: tuple) -> Choices:
    return _choices(_app=app, _scope=scope, key=_key(app, scope, version))


def duration_unit(seconds: pd.Series) -> tuple[str, float]:
    """One unit a person reads at a glance for the whole chart: minutes, hours or days."""
    top = float(seconds.max()) if len(seconds) else 0.0
    if top < 3 * 3600:
        return "minutes", 60.0
    if top < 3 * 86400:
        return "hours", 3600.0
    return "days", 86400.0


def _days(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["day"] = pd.to_datetime(out["day"])
    return out


def _day_axis() -> alt.X:
    return alt.X("day:T", title="Day (UTC)", axis=alt.Axis(format="%d %b", labelAngle=0, tickCount="day"))


def backlog_chart(frame: pd.DataFrame) -> alt.Chart:
    return alt.Chart(_days(frame), height=HEIGHT).mark_area(
        line={"color": "#4e79a7"}, color="#4e79a7", opacity=0.25, interpolate="step-after",
    ).encode(
        x=_day_axis(),
        y=alt.Y("waiting:Q", title="Threads waiting", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("day:T", title="Day", format="%d %b %Y"), alt.Tooltip("waiting:Q", title="Waiting")],
    )


def ages_chart(frame: pd.DataFrame) -> alt.Chart:
    order = list(frame["age"])  # youngest first, top to bottom
    return alt.Chart(frame, height=HEIGHT).mark_bar(color="#f28e2b").encode(
        y=alt.Y("age:N", title="Waiting for", sort=order, axis=alt.Axis(labelOverlap=False)),
        x=alt.X("threads:Q", title="Threads", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("age:N", title="Waiting for"), alt.Tooltip("threads:Q", title="Threads")],
    )


def speed_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Long form for the chart (one row per workflow and measure), in one readable unit."""
    unit, size = duration_unit(frame["p90_s"])
    long = pd.concat([
        pd.DataFrame({"workflow": frame["workflow"], "measure": "Median", "time": frame["median_s"] / size}),
        pd.DataFrame({"workflow": frame["workflow"], "measure": "90th percentile", "time": frame["p90_s"] / size}),
    ], ignore_index=True)
    return long, unit


def speed_chart(frame: pd.DataFrame) -> alt.Chart:
    long, unit = speed_frame(frame)
    measures = ["Median", "90th percentile"]
    return alt.Chart(long, height=max(180, 110 + 50 * len(frame))).mark_bar().encode(
        y=alt.Y("workflow:N", title=None, axis=alt.Axis(labelLimit=260, labelOverlap=False)),
        yOffset=alt.YOffset("measure:N", sort=measures),
        x=alt.X("time:Q", title=f"Time to decision ({unit})"),
        color=alt.Color("measure:N", title=None, sort=measures,
                        scale=alt.Scale(domain=measures, range=["#4e79a7", "#a0cbe8"]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("workflow:N", title="Workflow"), alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("time:Q", title=unit.capitalize(), format=".1f")],
    )


def _legend_room(entries: int, columns: int) -> int:
    """Pixels the chart grows by for a legend below it: Streamlit fits legend and plot into the height."""
    return 24 + 18 * -(-entries // columns)


def outcome_chart(frame: pd.DataFrame) -> alt.Chart:
    present = [o for o in OUTCOME_COLOURS if o in set(frame["outcome"])]
    return alt.Chart(_days(frame), height=HEIGHT + _legend_room(len(present), 3)).mark_bar().encode(
        x=_day_axis(),
        y=alt.Y("sum(decisions):Q", title="Decisions", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("outcome:N", title="Decision", sort=present,
                        scale=alt.Scale(domain=present, range=[OUTCOME_COLOURS[o] for o in present]),
                        legend=alt.Legend(orient="bottom", columns=3, labelLimit=160)),
        order=alt.Order("outcome_rank:Q"),
        tooltip=[alt.Tooltip("day:T", title="Day", format="%d %b %Y"), alt.Tooltip("outcome:N", title="Decision"),
                 alt.Tooltip("decisions:Q", title="Decisions")],
    ).transform_calculate(outcome_rank=f"indexof({present!r}, datum.outcome)")


def reviewer_chart(frame: pd.DataFrame) -> alt.Chart:
    # One name a line: two columns of "Reviewer 1 (unverified)" were cut short in a ~290 px column.
    height = HEIGHT + _legend_room(frame["reviewer"].nunique(), 1)
    return alt.Chart(_days(frame), height=height).mark_bar().encode(
        x=_day_axis(),
        y=alt.Y("sum(decisions):Q", title="Decisions", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("reviewer:N", title="Reviewer", scale=alt.Scale(scheme="tableau10"),
                        legend=alt.Legend(orient="bottom", columns=1, labelLimit=260)),
        tooltip=[alt.Tooltip("day:T", title="Day", format="%d %b %Y"), alt.Tooltip("reviewer:N", title="Reviewer"),
                 alt.Tooltip("decisions:Q", title="Decisions")],
    )


def reasons_chart(frame: pd.DataFrame) -> alt.Chart:
    return alt.Chart(frame, height=max(HEIGHT // 2, 40 + 30 * len(frame))).mark_bar(color="#e15759").encode(
        y=alt.Y("reason:N", title=None, sort="-x", axis=alt.Axis(labelLimit=REASON_LABEL_PX, labelOverlap=False)),
        x=alt.X("decisions:Q", title="Rejections", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("reason:N", title="Reason"), alt.Tooltip("decisions:Q", title="Rejections")],
    )


def csv_of(name: str, activity: Activity) -> pd.DataFrame:
    """The numbers behind one chart, as downloaded (durations in seconds, and in the chart's unit)."""
    if name == "speed":
        frame = activity.speed.copy()
        unit, size = duration_unit(frame["p90_s"])
        frame[f"median_{unit}"] = (frame["median_s"] / size).round(2)
        frame[f"p90_{unit}"] = (frame["p90_s"] / size).round(2)
        return frame.rename(columns={"median_s": "median_seconds", "p90_s": "p90_seconds"})
    return getattr(activity, name)


def _spec(name: str, frame: pd.DataFrame) -> dict:
    """The chart as a Vega-Lite spec with its data inline, made once per set of numbers: Altair's
    schema validation alone costs tens of milliseconds a chart, on every rerun otherwise. The data is
    turned into Arrow bytes here, as st.vega_lite_chart would (list of rows → DataFrame → Arrow): it
    sends bytes as they are, and converting six datasets cost ~15 ms a rerun."""
    spec = (empty_chart(name) if frame.empty else CHARTS[name](frame)).to_dict(validate=False)
    spec.pop("config", None)  # Altair's default view size; Streamlit's theme sizes the chart
    spec["datasets"] = {key: dataframe_util.convert_anything_to_arrow_bytes(rows)
                        for key, rows in spec.get("datasets", {}).items()}
    return spec


CHARTS = {"backlog": backlog_chart, "ages": ages_chart, "speed": speed_chart, "by_outcome": outcome_chart,
          "by_reviewer": reviewer_chart, "reasons": reasons_chart}


# The page's charts in reading order, the first three down the left column, the rest down the right one.
ORDER = ("backlog", "ages", "by_outcome", "by_reviewer", "speed", "reasons")
COLUMNS = (ORDER[:3], ORDER[3:])
# Each chart's title and the sentence that says what it counts, drawn by Vega inside the chart (its title and
# subtitle): in the spec made once per log version, so a reload sends no heading element of its own (six
# elements fewer, ~0.2 ms each to send). Literals: reviewers' words never reach a title. Vega does not wrap a
# subtitle, so its lines are broken here, each short enough for a column of the page (~290 px wide).
TITLES = {
    "backlog": ("Threads waiting over time", ("Threads waiting for a reviewer at the end of each",
                                              "day, counted from the decision log and the inbox.")),
    "ages": ("Age of the waiting threads", ("Threads waiting now, by how long ago they paused.",)),
    "by_outcome": ("Decisions per day, by outcome", ("What reviewers decided each day. Not applied:",
                                                     "refused or failed attempts.")),
    "by_reviewer": ("Decisions per day, by reviewer", ("Who decided each day.",)),
    "speed": ("Time to decision", ("From the moment a thread paused to the decision",
                                   "that answered it: half of the decisions took less",
                                   "than the median, nine in ten less than the 90th",
                                   "percentile.")),
    "reasons": ("Most common rejection reasons", ("The reasons given when rejecting, the ten most",
                                                  "frequent.")),
}
TITLE_PX, SUBTITLE_PX = 18, 13
SUBTITLE_COLOUR = "#6b6f7a"  # Streamlit's caption grey, dark enough to read on white
# What a chart says in its place with nothing to draw.
EMPTY = {"backlog": "No thread waited on these dates.", "ages": "No thread waits now.",
         "by_outcome": "No decision on these dates.", "by_reviewer": "No decision on these dates.",
         "speed": "No applied decision on these dates.", "reasons": "No rejection on these dates."}
EMPTY_HEIGHT = 40


def _title_room(name: str) -> int:
    """Pixels the chart grows by for its title and subtitle: like a legend, they are fitted into the height."""
    return 12 + round(TITLE_PX * 1.25) + round(SUBTITLE_PX * 1.3) * len(TITLES[name][1])


def _titled(name: str, spec: dict) -> dict:
    text, lines = TITLES[name]
    spec["title"] = {"text": text, "subtitle": list(lines), "anchor": "start", "frame": "bounds", "offset": 12,
                     "fontSize": TITLE_PX, "fontWeight": 600, "subtitleFontSize": SUBTITLE_PX,
                     "subtitleColor": SUBTITLE_COLOUR, "subtitlePadding": 4}
    spec["height"] = spec.get("height", HEIGHT) + _title_room(name)
    return spec


def empty_chart(name: str) -> alt.Chart:
    """The chart's place with nothing to draw: its title and a sentence saying why, as a chart of text (one
    element, as the chart would be, under the same title)."""
    return alt.Chart(pd.DataFrame({"note": [EMPTY[name]]}), height=EMPTY_HEIGHT).mark_text(
        fontSize=SUBTITLE_PX + 1, color=SUBTITLE_COLOUR,
    ).encode(text="note:N").properties(view={"stroke": None})


def show(name: str, read: Read) -> None:
    """One chart, its title and sentence drawn inside it, where the caller draws (a bordered column: a box of
    its own would be one more element to send every rerun). Six chart elements, not one spec of six (a
    vconcat): Vega fits only a single view to its container's width, and concatenated charts came out of
    uneven widths with a legend cut off."""
    st.vega_lite_chart(spec=read.specs[name], width="stretch")


def csv_downloads(read: Read) -> None:
    """A CSV download of the numbers behind every chart, one button each, named by the chart's title. They sit in
    an expander that reruns when opened: while it is closed nothing inside it runs or is sent (six buttons were
    ~0.5 ms of every reload). A CSV is written when its button is clicked."""
    box = st.expander("Download the numbers behind each chart (CSV)", key="activity-csvs", on_change="rerun")
    if box.open:
        buttons = box.container(horizontal=True)
        with buttons:
            for name in ORDER:
                render.csv_download(read.csvs[name], f"activity-{name}.csv", f"csv-{name}", f"{TITLES[name][0]} (CSV)")
