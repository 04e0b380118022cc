"""The guided tour page, the demo-data reset behind its confirmation, and the thread page's picture, under AppTest."""

from console import tour
from tests.test_pages import inbox_table, open_thread, texts, unescape
from ui import keys
from workflows.registry import DEMO_WORKFLOWS

TITLES = {spec.name: spec.title for spec in DEMO_WORKFLOWS}


def open_tour(at):
    at.switch_page(keys.TOUR_PAGE)
    return at.run()


def button(at, key):
    return next(b for b in at.button if b.key == key)


def test_every_step_opens_a_fresh_live_thread_of_its_workflow(app):
    at = open_tour(app.run())
    assert not at.exception
    opened = []
    for step in tour.STEPS:
        at = button(at, keys.tour_key(step.key)).click().run()
        assert not at.exception
        thread_id = at.query_params[keys.THREAD_ID]
        thread_id = thread_id[0] if isinstance(thread_id, list) else thread_id
        assert thread_id.startswith(f"tour-{step.key.replace('_', '-')}-") and thread_id not in opened
        opened.append(thread_id)
        # The thread page, on a new thread of the step's workflow, waiting for the reviewer.
        assert f"Thread {thread_id}" in texts(at)
        assert unescape(at.title[0].value) == TITLES[step.workflow]  # the title is shown through inert()
        at = open_tour(at)
    assert len(opened) == len(tour.STEPS) == 8
    assert "Coming soon." not in texts(at)


def test_each_step_has_two_sentences_and_a_workflow_the_console_knows(app):
    at = app.run()
    for step in tour.STEPS:
        assert len(step.sentences) == 2 and all(s.endswith(".") for s in step.sentences)
        assert step.workflow in {"content_approval", "gated_publication", "two_stage_review"}
    at = open_tour(at)
    for step in tour.STEPS:
        assert " ".join(step.sentences) in texts(at)


def test_without_a_name_the_tour_cannot_start_threads(app):
    app.session_state["reviewer_name"] = ""
    at = open_tour(app.run())
    assert all(b.disabled for b in at.button if b.key and b.key.startswith("tour:"))
    assert "Enter your name in the sidebar to start the tour's threads." in texts(at)
    assert not [b for b in at.button if b.key == "tour-reset"]  # nobody named: no reset either


def test_reset_asks_first_and_keeps_the_teams_threads(app):
    at = open_tour(app.run())
    at = button(at, keys.tour_key("dynamic")).click().run()  # a thread of the team's own (started by Ann)
    own = at.query_params[keys.THREAD_ID]
    own = own[0] if isinstance(own, list) else own
    at = open_tour(at)
    at = button(at, "tour-reset").click().run()
    assert "Reset the demo data?" in texts(at)
    at = button(at, "tour-reset-no").click().run()  # cancel: nothing happens
    assert "Reset the demo data?" not in texts(at)
    at.switch_page(keys.INBOX_PAGE)
    assert "demo-0001" in set(inbox_table(at.run())["thread_id"])
    at = open_tour(at)
    at = button(button(at, "tour-reset").click().run(), "tour-reset-yes").click().run()
    assert not at.exception
    assert "The demo data was reset." in texts(at)
    at.switch_page(keys.INBOX_PAGE)
    ids = set(inbox_table(at.run())["thread_id"])
    assert own in ids and "demo-0001" not in ids and "demo-r2-0001" in ids


def test_the_thread_page_pictures_the_workflow_with_the_waiting_step_lit(app):
    at = open_thread(app.run(), "demo-0004")  # waits before "publish_article"
    assert "Picture of the workflow" in [e.label for e in at.expander]
    (chart,) = at.get("graphviz_chart")
    lit = [line for line in chart.proto.spec.splitlines() if "waits here" in line]
    assert len(lit) == 1 and 'label="Publish article (waits here)"' in lit[0]
    assert "publish_article" not in chart.proto.spec  # plain words, not node ids


def test_the_time_travel_step_opens_a_thread_the_presenter_can_reopen(app):
    from tests.test_pages import submit
    from tests.test_time_travel import choose_step

    at = button(open_tour(app.run()), keys.tour_key("time_travel")).click().run()
    assert not at.exception
    thread_id = at.query_params[keys.THREAD_ID]
    at = open_thread(at, thread_id[0] if isinstance(thread_id, list) else thread_id)
    at = submit(at, "Approve")
    assert "Done. The workflow finished (published)." in texts(at)
    at = choose_step(at, "Review")  # the step that asked for review, now in the thread's past
    assert "Already run on this thread since then: “Review”, “Publish”." in unescape(at.warning[-1].value)
    at = next(b for b in at.button if unescape(b.label) == "Reopen from step 1").click().run()
    assert not at.exception
    assert "Reopened from step 1. The workflow now waits for your next decision: a question at “Review”." in texts(at)
