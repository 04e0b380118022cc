"""The Activity page under AppTest: the charts carry the hand-counted numbers, roles, filters, the empty state."""

from __future__ import annotations

import json

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from tests.conftest import ROOT
from tests.test_insight import A, D0, write_fixture

CHARTS = ["Threads waiting over time", "Age of the waiting threads", "Decisions per day, by outcome",
          "Decisions per day, by reviewer", "Time to decision", "Most common rejection reasons"]


@pytest.fixture
def activity(store, monkeypatch, tmp_path):
    """The app on a database with the demo workflows loaded but no demo threads; `page(fixture=True, policy=…)`."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ui.runtime import close_consoles

    monkeypatch.setenv("REVIEW_CONSOLE_DB", store)
    monkeypatch.setenv("REVIEW_CONSOLE_DEMO", "false")
    monkeypatch.setenv("REVIEW_CONSOLE_DEMO_WORKFLOWS", "true")
    monkeypatch.setenv("REVIEW_CONSOLE_CREATE_DB", "1")
    monkeypatch.chdir(ROOT)

    def open_page(fixture: bool = True, policy: str | None = None):
        if policy is not None:
            path = tmp_path / "policy.toml"
            path.write_text(policy)
            monkeypatch.setenv("REVIEW_CONSOLE_POLICY", str(path))
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
        at.session_state["reviewer_name"] = "Ann"
        at.run()  # opens the console: its tables exist from here on
        if fixture:
            write_fixture(store)
        at.switch_page("views/activity.py").run()
        assert not at.exception
        return at

    close_consoles()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield open_page
    close_consoles()
    st.cache_resource.clear()


def reviewer_box(at):
    return next(s for s in at.selectbox if s.label == "Reviewer")


def charts_drawn(at) -> list[tuple[dict, object]]:
    """Every chart in page order, as (its Vega-Lite spec, its data)."""
    return [(json.loads(chart.proto.spec), convert_arrow_bytes_to_pandas_df(chart.proto.datasets[0].data.data))
            for chart in at.get("vega_lite_chart")]


def chart_titles(at) -> list[str]:
    """Each chart's title, as Vega draws it above the chart (the spec's title; its sentence is the subtitle)."""
    return [chart["title"]["text"] for chart, _ in charts_drawn(at)]


def chart_data(at) -> dict[str, object]:
    """Each chart's data, by its title (in the page's reading order: down the left column, then the right)."""
    drawn = charts_drawn(at)
    assert not any("note" in frame.columns for _, frame in drawn)  # every chart here has data, none says why not
    return {chart["title"]["text"]: frame for chart, frame in drawn}


def speed_axis(at) -> str:
    return next(c for c, _ in charts_drawn(at) if c["title"]["text"] == "Time to decision")["encoding"]["x"]["title"]


def test_the_charts_carry_the_hand_counted_numbers(activity):
    at = activity()
    assert chart_titles(at) == CHARTS
    data = chart_data(at)
    assert len(data) == 6
    backlog = data["Threads waiting over time"]
    assert list(backlog["waiting"])[-4:] == [1, 2, 2, 2] and set(list(backlog["waiting"])[:-4]) == {0}
    assert len(backlog) == 30  # the default range: the last 30 days
    assert sum(data["Age of the waiting threads"]["threads"]) == 2
    outcome = data["Decisions per day, by outcome"]
    assert outcome.groupby("outcome")["decisions"].sum().to_dict() == {
        "Approved": 1, "Edited": 1, "Rejected": 3, "Not applied": 1}
    reviewer = data["Decisions per day, by reviewer"]
    assert reviewer.groupby("reviewer")["decisions"].sum().to_dict() == {"Ann (unverified)": 3, "Bob (unverified)": 3}
    speed = data["Time to decision"]  # long form, in the chart's unit (hours: the slowest is a day)
    assert sorted(zip(speed["measure"], speed["time"])) == [("90th percentile", 2.0), ("90th percentile", 24.0),
                                                            ("Median", 0.5), ("Median", 2.0)]
    assert speed_axis(at) == "Time to decision (hours)"
    reasons = data["Most common rejection reasons"]
    assert reasons.to_dict("records") == [{"reason": "Too long", "decisions": 2}, {"reason": "Wrong tone", "decisions": 1}]


def test_a_reviewer_sees_the_team_as_totals(activity):
    at = activity(policy='default_role = "reviewer"\n')
    data = chart_data(at)
    reviewer = data["Decisions per day, by reviewer"]
    assert reviewer.groupby("reviewer")["decisions"].sum().to_dict() == {"Ann (unverified)": 3, "Everyone else": 3}
    assert data["Most common rejection reasons"].to_dict("records") == [{"reason": "Too long", "decisions": 1}]
    assert "You see your own decisions by name; other reviewers' decisions count in the team's totals." in \
        [c.value for c in at.caption]
    choices = reviewer_box(at)
    assert list(choices.options) == ["The whole team", "Only me"]  # no other reviewer to pick
    at = choices.set_value(1).run()
    assert sum(chart_data(at)["Decisions per day, by outcome"]["decisions"]) == 3


def test_filters_narrow_every_chart(activity):
    at = activity()
    from ui.runtime import _consoles

    title = next(iter(_consoles.values())).registry[A].title
    assert title in at.multiselect(key="activity-workflows").options
    at = at.multiselect(key="activity-workflows").set_value([title]).run()
    data = chart_data(at)
    assert list(data["Threads waiting over time"]["waiting"])[-4:] == [0, 0, 1, 1]
    assert list(data["Time to decision"]["workflow"].unique()) == [title]
    at = at.multiselect(key="activity-workflows").set_value([]).run()
    reviewers = reviewer_box(at)
    assert list(reviewers.options) == ["Everyone", "Ann (unverified)", "Bob (unverified)"]
    at = reviewers.set_value(2).run()
    assert sum(chart_data(at)["Decisions per day, by outcome"]["decisions"]) == 3
    at = reviewer_box(at).set_value(0).run()
    at = at.date_input(key="activity-days").set_value((D0, D0)).run()
    data = chart_data(at)
    assert list(data["Threads waiting over time"]["waiting"]) == [1]
    assert sum(data["Decisions per day, by outcome"]["decisions"]) == 3
    assert A not in str([o for o in at.multiselect(key="activity-workflows").options])  # titles, never ids


def test_the_empty_state_says_what_will_appear(activity):
    at = activity(fixture=False)
    assert not at.get("vega_lite_chart")
    info = [i.value for i in at.info]
    assert len(info) == 1 and info[0].startswith("Nothing to chart for these dates yet.")
    assert "how long a decision takes in each workflow" in info[0]


def test_the_log_table_shows_the_newest_rows_and_a_chosen_outcome(activity, monkeypatch):
    """Only the newest LOG_ROWS decisions are sent (made once per log version), said in a caption;
    choosing an outcome reads the whole log again."""
    from ui import charts
    from ui.decision_log import shown_table
    from ui.runtime import _consoles

    monkeypatch.setattr(charts, "LOG_ROWS", 2)
    at = activity()
    assert [e.label for e in at.main.expander] == ["Download the numbers behind each chart (CSV)", "Decision log",
                                                   "Threads by workflow and status"]
    assert not any("reviewer" in d.value.columns for d in at.dataframe)  # closed: not read, not sent
    at.session_state["activity-log"] = True  # as a click on it does
    at = at.run()
    app = next(iter(_consoles.values()))
    everything = shown_table(app.decision_log(), app.registry)  # newest first, as the page shows it
    assert len(everything) == 7  # the fixture's six decisions and a start

    def table(at):
        return next(d.value for d in at.dataframe if "reviewer" in d.value.columns)

    shown = table(at)
    assert list(zip(shown["thread_id"], shown["when (UTC)"])) == \
        list(zip(everything["thread_id"], everything["when (UTC)"]))[:2]
    assert "The newest 2 of 7 decisions; the CSV holds them all." in [c.value for c in at.caption]
    at = next(m for m in at.multiselect if m.label == "Outcome").set_value(["refused"]).run()
    assert list(table(at)["outcome"]) == ["refused"] and list(table(at)["thread_id"]) == ["t2"]


def test_the_chart_titles_are_inert_literals():
    """Drawn by Vega inside each chart (ui/charts.TITLES), never as Markdown: still, each title and sentence
    reads as inert() makes it, so that nothing in them would change if they were ever shown as Markdown."""
    from ui.charts import ORDER, TITLES
    from ui.text import inert

    assert [TITLES[n][0] for n in ORDER] == CHARTS
    for title, lines in TITLES.values():
        assert inert(title) == title and all(inert(line) == line and len(line) <= 50 for line in lines)


def test_every_chart_has_its_csv_download(activity, monkeypatch):
    """One button per chart, named by its title, in an expander drawn only once opened: what each writes when
    clicked is that chart's numbers (render.csv_download gets them; its writer is checked in
    tests/test_untrusted_pages.py)."""
    from ui import charts, render

    written = {}
    real = render.csv_download
    monkeypatch.setattr(render, "csv_download", lambda frame, name, *a: written.setdefault(name, frame) is None or
                        real(frame, name, *a))
    at = activity()
    assert at.main.expander[0].label == "Download the numbers behind each chart (CSV)"
    assert not any(name.startswith("activity-") for name in written)  # closed: nothing inside ran
    at.session_state["activity-csvs"] = True  # as a click on it does
    at = at.run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[:6] == [f"{title} (CSV)" for title in CHARTS]
    assert [n for n in written if n.startswith("activity-")] == [f"activity-{name}.csv" for name in charts.ORDER]
    assert written["activity-reasons.csv"].to_dict("records") == [{"reason": "Too long", "decisions": 2},
                                                                   {"reason": "Wrong tone", "decisions": 1}]
    assert written["activity-speed.csv"]["workflow"].nunique() == 2
