"""The reviewer journeys in a real browser with REVIEW_CONSOLE_SERVER set: the app reads and answers a real
`langgraph dev`'s threads (tests/server/launch.py); the console's own database holds only claims and the log.

Journeys that run here: approve, reject (needs a reason), edit then approve, a static pause (continue, then edit
the state and continue), the two-stage review, start a thread and find it in the inbox, untrusted text stays
inert. Not here (see the README, "Review a LangGraph Server's threads"): the journeys built on the local demo
threads (their ids and the "demo-" text search), the tour, and live token streaming (the test server's model
sends its words at once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from console.decisions import Reviewer as Person
from console.server.service import ServerConsole
from console.settings import Settings
from tests.e2e.conftest import running_app
from tests.e2e.test_journeys import assert_not_in_inbox, draft, final_text, heading, inbox_table, open_thread, search_inbox
from tests.server.conftest import langgraph_server  # noqa: F401 (the fixture)

pytestmark = pytest.mark.e2e

# Threads each changing test owns on the server: name → (workflow, input).
OWN = {
    "approve": ("content_approval", {"topic": "the approve journey"}),
    "reject": ("content_approval", {"topic": "the reject journey"}),
    "edit": ("content_approval", {"topic": "the edit journey"}),
    "gate": ("gated_publication", {"topic": "the gate journey"}),
    "two-stage": ("two_stage_review", {"topic": "the two-stage journey"}),
}


@dataclass
class ServerApp:
    url: str
    threads: dict[str, str]  # name in OWN → the server's thread id
    langgraph: str


def finished(reviewer, thread_id: str, how: str, final: str | None = None, whole: bool = False) -> None:
    """The thread finished (`how`), its final text shows (all of it, or containing `final`), it left the inbox."""
    reviewer.see(f"Done. The workflow finished ({how}).", exact=True)
    if final is not None:
        box = reviewer.expect(final_text(reviewer))
        box.to_have_text(final) if whole else box.to_contain_text(final)
    reviewer.no_exception()
    assert_not_in_inbox(reviewer, thread_id)


@pytest.fixture(scope="module")
def server(langgraph_server, tmp_path_factory):  # noqa: F811 (the fixture above)
    """The app in server mode, over threads started on the LangGraph Server before it starts."""
    folder = tmp_path_factory.mktemp("e2e-server-mode")
    seeder = ServerConsole(Settings(server_url=langgraph_server, db_path=folder / "seeder.db"))
    try:
        ids = {}
        for name, (workflow, inputs) in OWN.items():
            outcome = list(seeder.start(workflow, inputs, Person("Seeder")))[-1]
            assert outcome.status == "started", outcome.message
            ids[name] = outcome.view.thread_id
    finally:
        seeder.close()
    with running_app(folder, own_threads=False, env_extra={"REVIEW_CONSOLE_SERVER": langgraph_server,
                                                           "REVIEW_CONSOLE_DEMO": "false"}) as app:
        yield ServerApp(app.url, ids, langgraph_server)


def test_approve(reviewer, server):
    thread_id = server.threads["approve"]
    open_thread(reviewer, thread_id, "Content approval")
    reviewer.submit("Approve")
    reviewer.expect(reviewer.button("Approve")).to_have_count(0)
    finished(reviewer, thread_id, "published", "the approve journey: here is what you need to know.")


def test_reject_needs_a_reason(reviewer, server):
    thread_id = server.threads["reject"]
    open_thread(reviewer, thread_id, "Content approval")
    reviewer.choose("Reject")
    reviewer.submit("Reject")
    reviewer.see("Please fill in “Reason for rejecting”")
    reviewer.see("Waiting for a reviewer · asks a question at “Review”", exact=True)  # nothing applied
    reviewer.field("Reason for rejecting").fill("The tone is wrong for our readers.")
    reviewer.submit("Reject")
    reviewer.expect(reviewer.main().get_by_test_id("stJson").first).to_contain_text("The tone is wrong for our readers.")
    finished(reviewer, thread_id, "rejected")


def test_edit_the_draft_then_approve(reviewer, server):
    thread_id, edited = server.threads["edit"], "Open 9 to 5, every day. Edited in the browser."
    open_thread(reviewer, thread_id, "Content approval")
    reviewer.choose("Edit")
    box = reviewer.field("Edited draft")
    reviewer.expect(box).to_have_value("the edit journey: here is what you need to know. "
                                       "We are pleased to share an update on the edit journey. "
                                       "It is available to everyone from today, and we would love to hear what you think.")
    box.fill(edited)
    reviewer.submit("Approve edited version")
    reviewer.see("Check before sending", exact=True)
    reviewer.submit("Confirm and send")
    finished(reviewer, thread_id, "published", edited, whole=True)


def test_static_pause_continue_then_edit_state_and_continue(reviewer, server):
    thread_id, edited = server.threads["gate"], "Final words, edited at the gate."
    open_thread(reviewer, thread_id, "Gated publication")
    # The server does not say whether a static pause is before or after a step: "paused at" the next one.
    reviewer.see("The workflow paused at “Polish article”", exact=True)
    reviewer.submit("Continue")
    reviewer.see("Continued. The workflow now waits for your next decision")
    reviewer.see("The workflow paused at “Publish article”", exact=True)
    reviewer.choose("Edit state then continue")
    reviewer.field("draft").fill(edited)
    reviewer.submit("Save changes and continue")
    reviewer.submit("Confirm and send")
    finished(reviewer, thread_id, "published", edited, whole=True)


def test_two_stage_review_both_steps_in_order(reviewer, server):
    thread_id = server.threads["two-stage"]
    open_thread(reviewer, thread_id, "Two-stage review")
    reviewer.see("Step 1 of 2", exact=True)
    reviewer.choose("Request changes")
    reviewer.field("What should change?").fill("Add the date")
    reviewer.submit("Request changes")
    reviewer.see("Answered. The workflow now waits for your next decision: step 2 of 2, at “Review”.", exact=True)
    reviewer.expect(draft(reviewer)).to_contain_text("(Revised as asked: Add the date)")
    reviewer.submit("Approve")
    finished(reviewer, thread_id, "published", "(Revised as asked: Add the date)")


def test_start_a_thread_and_find_it_in_the_inbox(reviewer, server):
    reviewer.goto("/start")
    reviewer.show(heading(reviewer, "Start a workflow"))
    reviewer.sign_in()
    reviewer.main().get_by_role("combobox", name="Workflow").click()
    reviewer.page.get_by_role("option", name="Content approval", exact=True).click()
    reviewer.idle()
    reviewer.field("Topic").fill("a charity run")
    reviewer.submit("Start")
    reviewer.see("Started. The workflow now waits for a decision: a question at “Review”.", exact=True)
    link = reviewer.main().get_by_role("link", name=re.compile(r"Open thread "))
    thread_id = re.search(r"[0-9a-f]{8}-[0-9a-f-]{27}", link.inner_text()).group(0)
    reviewer.navigate("Inbox")
    search_inbox(reviewer, thread_id)
    reviewer.see("1 waiting · page 1 of 1")
    table = inbox_table(reviewer)
    assert reviewer.grid_rows(table, 1)[0][1] == thread_id
    reviewer.click_row(table, 0)
    reviewer.show(heading(reviewer, "Content approval"))
    reviewer.expect(draft(reviewer)).to_contain_text("a charity run: here is what you need to know.")
    reviewer.no_exception()


def test_the_tour_opens_and_starts_a_step_the_server_serves(reviewer, server):
    reviewer.goto("/tour")
    reviewer.show(heading(reviewer, "Guided tour"))
    reviewer.sign_in()
    reviewer.expect(reviewer.main().get_by_role("button", name="Reset demo data…")).to_have_count(0)
    reviewer.main().locator(".st-key-tour-step-isolation").get_by_role("button", name="Open a new thread").click()
    reviewer.show(heading(reviewer, "Content approval"))
    reviewer.no_exception()
