"""The Activity page in a real browser: every chart is drawn by Vega, with its title and its CSV button.

Local store only: the backlog and age charts read the console's thread index, which server mode does not keep."""

import pytest

from tests.e2e.conftest import SHOTS, Reviewer, running_app

pytestmark = pytest.mark.e2e

CHARTS = ["Threads waiting over time", "Age of the waiting threads", "Decisions per day, by outcome",
          "Decisions per day, by reviewer", "Time to decision", "Most common rejection reasons"]
# Every chart's SVG holds marks Vega has drawn: bars (rect paths) or the backlog's area, with real geometry.
ALL_DRAWN = """n => {
  const charts = [...document.querySelectorAll('[data-testid=stVegaLiteChart]')];
  return charts.length === n && charts.every(c =>
    [...c.querySelectorAll('g.role-mark path')].some(p => (p.getAttribute('d') || '').length > 10));
}"""


def _with_a_log(db_path) -> None:
    """Three months of decisions and a thousand waiting threads, as bench/activity.py builds them (smaller)."""
    from bench.activity import build

    build(db_path, 3_000)


@pytest.fixture(scope="module")
def activity_server(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("e2e-activity"), own_threads=False, prepare=_with_a_log) as app:
        yield app


def test_every_chart_is_drawn(page, activity_server):
    page.set_viewport_size({"width": 1280, "height": 2300})  # the whole page in one screenshot
    person = Reviewer(page, activity_server)
    person.goto("/activity")
    person.sign_in("Lead")  # demo mode: an administrator, who picks among every reviewer
    person.expect(person.main().get_by_role("combobox", name="Reviewer")).to_have_value("Everyone")
    for title in CHARTS:
        person.expect(person.main().get_by_role("heading", name=title)).to_be_visible()
    person.expect(person.main().get_by_test_id("stVegaLiteChart")).to_have_count(len(CHARTS))
    page.wait_for_function(ALL_DRAWN, arg=len(CHARTS), polling="raf")
    person.expect(person.main().get_by_role("button", name="Download these numbers (CSV)")).to_have_count(len(CHARTS))
    person.no_exception()
    person.idle()
    person.screenshot("activity")

    # One workflow only: the charts are drawn again, for it alone.
    person.main().get_by_role("combobox", name="Workflow").click()
    page.get_by_role("option", name="Content approval").click()
    page.keyboard.press("Escape")
    person.idle()
    # The time-to-decision chart now names that workflow alone (its axis labels are SVG text).
    page.wait_for_function("""() => {
      const speed = document.querySelectorAll('[data-testid=stVegaLiteChart]')[4];
      const labels = speed ? [...speed.querySelectorAll('text')].map(t => t.textContent) : [];
      return labels.includes('Content approval') && !labels.includes('Gated publication');
    }""", polling="raf")
    page.wait_for_function(ALL_DRAWN, arg=len(CHARTS), polling="raf")
    person.no_exception()
    person.screenshot("activity-one-workflow")
    assert (SHOTS / "activity.png").exists()
