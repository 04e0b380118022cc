"""Interrupt formats a browser must handle: LangChain's tool-call approval and a typed (schema) answer; each journey
on the local store and on a LangGraph Server (conftest: `backend`)."""

import pytest

from tests.e2e.conftest import pick
from tests.e2e.test_journeys import final_text, open_thread

pytestmark = pytest.mark.e2e


@pytest.fixture
def reviewer_on_fresh(backend_reviewer, backend, request):
    """These journeys answer demo threads: keep the shared app's intact (a fresh local app; a server's spare twins)."""
    if backend.backend == "local":
        backend_reviewer.server = request.getfixturevalue("fresh_server")
    return backend_reviewer


def test_tool_calls_each_get_a_decision_sent_together(reviewer_on_fresh):
    person = reviewer_on_fresh
    open_thread(person, person.server.spare("demo-0009"), "Agent tool approval")
    person.see("1. The agent wants to run “Send email”")
    person.see("2. The agent wants to run “Delete records”")
    second = person.main().get_by_role("radiogroup", name="Decision on item 2")
    second.get_by_text("Reject", exact=True).click()
    person.expect(second.get_by_role("radio", name="Reject")).to_be_checked()
    person.idle()
    person.field("Reason (sent to the agent)").fill("Keep the test records.")
    person.submit("Send all decisions")
    person.see("Done. The workflow finished.")
    shown = final_text(person)
    person.expect(shown).to_contain_text("User rejected the tool call for `delete_records` with reason: Keep the test records.")
    person.no_exception()
    person.screenshot("format-tool-calls")


def test_typed_answer_refused_names_the_field_then_goes_through(reviewer_on_fresh):
    person = reviewer_on_fresh
    open_thread(person, person.server.spare("demo-0011"), "Refund decision (typed answer)")
    person.see("The workflow asks you to fill in a form")
    pick(person, person.main().get_by_role("combobox", name="Decision"), "deny")
    person.idle()
    person.submit("Send answer")
    person.see("“note”: Please say why the refund is denied")
    person.see("Waiting for a reviewer")
    person.field("Note").fill("The courier broke it: claim with them.")
    person.submit("Send answer")
    person.see("finished (deny)")
    person.expect(final_text(person)).to_contain_text("We cannot refund this order: The courier broke it: claim with them.")
    person.no_exception()
    person.screenshot("format-typed-answer")


def test_an_edit_shows_what_changed_and_is_confirmed(reviewer_on_fresh):
    person = reviewer_on_fresh
    open_thread(person, person.server.spare("demo-0007"), "Assistant actions (Agent Inbox)")
    person.choose("Edit")
    person.field("Subject").fill("Opening hours from May")
    person.submit("Send the edited action")
    person.see("Check before sending", exact=True)
    person.see("Subject: “The team about the spring opening hours” → “Opening hours from May”", exact=True)
    person.expect(person.button("Confirm and send")).to_be_visible()
    person.screenshot("format-edit-diff")
    person.submit("Confirm and send")
    person.see("finished (done)")
    person.expect(final_text(person)).to_contain_text("Email “Opening hours from May” sent")
    person.no_exception()
