"""The README's pictures, one per interrupt shape, taken in a real browser into docs/screenshots/.

Run: .venv/bin/python -m pytest tests/e2e/test_screenshots.py -m e2e -q -p no:cacheprovider
Each picture waits on what the page shows (never on time); then a person looks at it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, running_app
from tests.e2e.test_journeys import open_thread
from tests.format_graphs import SHAPES

pytestmark = pytest.mark.e2e

DOCS = ROOT / "docs" / "screenshots"
ENTRYPOINT = "examples.announcement:announcement"
SUBGRAPH = "tests.team_graphs:build_email_assistant?name=email_assistant&title=Email assistant"
ENTRIES = (*SHAPES, ENTRYPOINT, SUBGRAPH)
# thread id → (workflow, input) started before the server comes up.
THREADS = {
    "shape-tool-review": ("tool_review", "Please handle it."),
    "shape-human-help": ("human_help", "Please handle it."),
    "shape-email-triage": ("email_triage", "Please handle it."),
    "shape-subgraph": ("email_assistant", {"email": "my parcel is late"}),
    "shape-entrypoint": ("announcement", {"topic": "the summer fair", "audience": "members"}),
}


def _start_threads(db_path: Path) -> None:
    from console.decisions import Reviewer
    from console.service import Console
    from console.settings import Settings

    console_ = Console(Settings(db_path=db_path, seed_demo=False, extra_workflows=ENTRIES, offline_token_delay=0))
    try:
        for thread_id, (workflow, given) in THREADS.items():
            outcome = list(console_.start(workflow, given, Reviewer("Bob"), thread_id))[-1]
            assert outcome.status == "started", outcome.message
    finally:
        console_.close()


@pytest.fixture(scope="module")
def shapes_server(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("screenshots"), own_threads=False, prepare=_start_threads,
                     env_extra={"REVIEW_CONSOLE_WORKFLOWS": ",".join(ENTRIES)}) as app:
        yield app


@pytest.fixture
def person(reviewer, shapes_server):
    reviewer.server = shapes_server
    # Tall enough for the question and its answer area: Streamlit scrolls inside its main block,
    # which a full-page screenshot does not unroll.
    reviewer.page.set_viewport_size({"width": 1280, "height": 1700})
    return reviewer


def _shot(person, name: str, locator=None) -> Path:
    """The whole page (or one part of it), once the page is idle."""
    person.idle()
    person.no_exception()
    DOCS.mkdir(parents=True, exist_ok=True)
    path = DOCS / f"{name}.png"
    if locator is None:
        person.page.screenshot(path=str(path), full_page=True)
    else:
        locator.screenshot(path=str(path))
    return path


@pytest.mark.parametrize("thread_id, title, shown, name", [
    ("demo-0007", "Assistant actions (Agent Inbox)", "The agent wants to run “Send email”", "shape-agent-inbox-request"),
    ("shape-email-triage", "E-mail assistant (Agent Inbox)", "For your information", "shape-agent-inbox-notify"),
    ("demo-0009", "Agent tool approval", "1. The agent wants to run “Send email”", "shape-hitl-middleware"),
    ("shape-tool-review", "Meeting planner (tool-call review)", "Is this correct?", "shape-tool-call-review"),
    ("shape-human-help", "Ask an expert (human assistance)", "The workflow asks you", "shape-human-assistance"),
    ("shape-subgraph", "Email assistant", "Thanks for your message about my parcel is late.", "shape-subgraph"),
    ("shape-entrypoint", "Announcement", "Dear members, we are pleased to announce the summer fair.", "shape-entrypoint"),
])
def test_each_shape_as_a_reviewer_first_sees_it(person, thread_id, title, shown, name):
    open_thread(person, thread_id, title)
    person.see(shown)
    _shot(person, name)


def test_an_agent_inbox_question(person):
    open_thread(person, "shape-email-triage", "E-mail assistant (Agent Inbox)")
    person.choose("Dismiss")
    person.submit("Dismiss")
    person.see("The assistant asks you")
    person.see("Should I accept the Tuesday slot?")
    _shot(person, "shape-agent-inbox-question")


def test_an_edit_is_confirmed_with_its_diff_and_the_log_keeps_it(person):
    open_thread(person, "shape-tool-review", "Meeting planner (tool-call review)")
    person.choose("Change the arguments")
    duration = person.main().get_by_role("spinbutton", name="Duration (minutes)")
    duration.fill("45")
    duration.press("Enter")
    person.idle()
    agenda = person.main().get_by_role("textbox", name="Agenda")
    agenda.fill("1. Budget\n2. Hiring\n3. Office move\n\nBring the numbers.")
    person.submit("Send the changed arguments")
    person.see("Check before sending", exact=True)
    person.see("Duration (minutes): 30 → 45", exact=True)
    box = person.main().locator("[class*='st-key-confirm-']").first
    _shot(person, "edit-diff-confirm", box)
    person.submit("Confirm and send")
    person.see("The workflow finished", exact=False)  # the outcome, not the hidden progress lines
    person.main().get_by_text("Decisions on this thread", exact=True).click()
    person.see("What each edit changed", exact=True)
    log = person.main().get_by_test_id("stExpander").filter(has_text="Decisions on this thread")
    _shot(person, "decision-log-diff", log)


@pytest.mark.parametrize("thread_id, title, shown, name", [
    ("demo-0001", "Content approval", "Draft", "thread"),
    ("demo-0009", "Agent tool approval", "1. The agent wants to run “Send email”", "thread-middleware"),
    ("shape-subgraph", "Email assistant", "Thanks for your message about my parcel is late.", "thread-subgraph"),
])
def test_the_readmes_thread_pictures(person, thread_id, title, shown, name):
    person.page.set_viewport_size({"width": 1280, "height": 900})  # what a laptop shows first
    open_thread(person, thread_id, title)
    person.see(shown)
    _shot(person, name)


def test_the_readmes_inbox_and_an_answer_that_leads_to_the_next_question(person):
    person.page.set_viewport_size({"width": 1280, "height": 900})
    person.goto("/")
    person.sign_in()
    table = person.main().get_by_test_id("stDataFrame").first
    person.show(table)
    person.expect(table.locator("thead th").filter(has_text="Thread")).to_have_count(1)  # the heading, in words
    _shot(person, "inbox")
    open_thread(person, "demo-0005", "Two-stage review")
    person.submit("Approve")
    person.see("Answered. The workflow now waits for your next decision: step 2 of 2, at “Review”.", exact=True)
    _shot(person, "thread-answered")
