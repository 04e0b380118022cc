"""The Activity page in a real browser: every chart is drawn by Vega, with its title, and each has its CSV download.

On both backends: locally every figure reads the console's store; on a LangGraph Server the decision log is the
console's own database and the backlog and age charts count the server's waiting threads (console/server/insight.py)."""

import sqlite3

import pytest

from tests.e2e.conftest import SHOTS, Reviewer, running_app, server_mode_app
from ui.charts import ORDER, TITLES

pytestmark = pytest.mark.e2e

CHARTS = ["Threads waiting over time", "Age of the waiting threads", "Decisions per day, by outcome",
          "Decisions per day, by reviewer", "Time to decision", "Most common rejection reasons"]

# The page's charts, in reading order (down the left column, then the right one: ui/charts.COLUMNS).
CHARTS_JS = """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart]')]"""
# Every chart holds marks Vega has drawn with data: bars (rect paths) or the backlog's area, at least one with an area
# (a chart of zeros draws bars of no width, and its paths still have a `d`).
ALL_DRAWN = f"""n => {{
  const charts = ({CHARTS_JS})();
  return charts.length === n && charts.every(c => [...c.querySelectorAll('g.role-mark path')].some(p => {{
    const box = (p.getAttribute('d') || '').length > 10 && p.getBBox();
    return box && box.width > 0.5 && box.height > 0.5;
  }}));
}}"""
# Each chart's title and sentence are Vega's own SVG text above its plot (ui/charts.TITLES), in order, one chart each,
# each line whole: Vega does not wrap a subtitle, it cuts a line too long for the chart's width with an ellipsis.
TITLED = """titled => {
  const charts = [...document.querySelectorAll('[data-testid=stVegaLiteChart]')];
  return charts.length === titled.length && charts.every((c, i) => {
    const title = c.querySelector('g.role-title-text text');
    const lines = [...c.querySelectorAll('g.role-title-subtitle text')].flatMap(  // a line each, as tspans
      t => t.querySelector('tspan') ? [...t.querySelectorAll('tspan')].map(s => s.textContent) : [t.textContent]);
    return title && title.textContent === titled[i][0] && title.getBoundingClientRect().width > 10
      && JSON.stringify(lines) === JSON.stringify(titled[i][1]);
  });
}"""


def _with_a_log(db_path) -> None:
    """Three months of decisions and a thousand waiting threads, as bench/activity.py builds them (smaller)."""
    from bench.activity import build

    build(db_path, 3_000)


def _with_a_log_only(db_path) -> None:
    """The same log, without the waiting threads in the console's index: on a server they are the server's alone."""
    _with_a_log(db_path)
    with sqlite3.connect(db_path) as conn:
        conn.execute("DELETE FROM rc_threads")


@pytest.fixture(scope="module", params=["local", "server"])
def activity_server(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"e2e-activity-{request.param}")
    if request.param == "local":
        opened = running_app(folder, own_threads=False, prepare=_with_a_log)
    else:  # the browser suite's threads on the server: the demo twins and the journeys' own, waiting
        opened = server_mode_app(folder, request.getfixturevalue("server_threads"), prepare=_with_a_log_only,
                                 env_extra={"REVIEW_CONSOLE_SERVER_METADATA": '{"e2e": "demo"}'})
    with opened as app:
        yield app


def test_every_chart_is_drawn(page, activity_server):
    page.set_viewport_size({"width": 1280, "height": 1800})  # the whole page in one screenshot
    person = Reviewer(page, activity_server)
    person.goto("/activity")
    person.sign_in("Lead")  # demo mode: an administrator, who picks among every reviewer
    person.expect(person.main().get_by_role("combobox", name="Reviewer")).to_have_value("Everyone")
    person.expect(person.main().get_by_test_id("stVegaLiteChart")).to_have_count(len(CHARTS))
    page.wait_for_function(ALL_DRAWN, arg=len(CHARTS), polling="raf")
    for title in CHARTS:
        person.expect(person.main().get_by_text(title, exact=True)).to_be_visible()
    page.wait_for_function(TITLED, arg=[TITLES[name] for name in ORDER], polling="raf")
    person.no_exception()
    person.idle()
    person.screenshot("activity")

    # One workflow only: the charts are drawn again, for it alone.
    person.main().get_by_role("combobox", name="Workflow").click()
    page.get_by_role("option", name="Content approval").click()
    page.keyboard.press("Escape")
    person.idle()
    # The time-to-decision chart now names that workflow alone (its axis labels are SVG text).
    page.wait_for_function(f"""() => {{
      const speed = ({CHARTS_JS})()[4];
      const labels = speed ? [...speed.querySelectorAll('text')].map(t => t.textContent) : [];
      return labels.includes('Content approval') && !labels.includes('Gated publication');
    }}""", polling="raf")
    page.wait_for_function(ALL_DRAWN, arg=len(CHARTS), polling="raf")
    person.no_exception()
    person.screenshot("activity-one-workflow")

    # A download for every chart, named by its title, once their expander is opened; each writes its chart's numbers.
    person.main().get_by_text("Download the numbers behind each chart (CSV)").click()
    buttons = person.main().get_by_role("button", name="(CSV)")
    person.expect(buttons).to_have_text([f"{title} (CSV)" for title in CHARTS])
    with page.expect_download() as download:
        person.main().get_by_role("button", name="Time to decision (CSV)").click()
    assert download.value.suggested_filename == "activity-speed.csv"
    assert download.value.path().read_text().splitlines()[0].startswith('"workflow","decisions",')
    # The decision log opens on demand too.
    person.main().get_by_text("Decision log", exact=True).click()
    person.expect(person.main().get_by_test_id("stDataFrame")).to_have_count(1)  # the log; the counts stay closed
    person.idle()
    page.set_viewport_size({"width": 1280, "height": 2900})  # and now the open downloads and log too
    person.screenshot("activity-downloads-and-log")
    person.no_exception()
    assert (SHOTS / f"activity{'' if activity_server.backend == 'local' else '-server'}.png").exists()
