"""Demo sign-in in a real browser: the typed name survives a reload and a deep link, still marked unverified; on the
local store and on a LangGraph Server (conftest: `backend`)."""

import pytest

from tests.e2e.conftest import Reviewer

pytestmark = pytest.mark.e2e

NOT_VERIFIED = "Demo mode: your name is not verified. This browser remembers it."


def name_box(person: Reviewer):
    return person.sidebar().get_by_role("textbox", name="Your name")


def kept(person: Reviewer, holds: bool) -> None:
    """Until the browser's cookie holds the name (or no longer does): the component that writes it is mounted by the
    run that changed the name and writes it a moment after that run's text is on screen, so a reload sent at once
    could still carry the old cookie."""
    person.page.wait_for_function("holds => document.cookie.includes('review_console_name=') === holds", arg=holds)


def test_the_demo_name_survives_a_reload_and_a_deep_link(backend_reviewer, backend):
    reviewer, server = backend_reviewer, backend
    reviewer.goto("/")
    reviewer.sign_in("Ann Example")
    reviewer.expect(reviewer.sidebar().get_by_text(NOT_VERIFIED)).to_be_visible()
    kept(reviewer, True)

    reviewer.page.reload()  # a full page load: a new Streamlit session
    reviewer.idle()
    reviewer.expect(name_box(reviewer)).to_have_value("Ann Example")
    reviewer.expect(reviewer.sidebar().get_by_text(NOT_VERIFIED)).to_be_visible()

    # A link opened in another tab of the same browser (a deep link into a thread) knows the name too.
    other = Reviewer(reviewer.page.context.new_page(), server)
    other.goto(f"/thread?thread_id={server.id('demo-0001')}")
    other.expect(name_box(other)).to_have_value("Ann Example")
    other.expect(other.main().get_by_text("Enter your name in the sidebar to decide.")).to_have_count(0)
    other.no_exception()
    other.page.close()

    # Clearing the field forgets the name: the next page load asks for it again.
    name_box(reviewer).fill("")
    name_box(reviewer).press("Enter")
    reviewer.expect(reviewer.sidebar().get_by_text("Enter your name to approve")).to_be_visible()
    kept(reviewer, False)
    reviewer.page.reload()
    reviewer.idle()
    reviewer.expect(name_box(reviewer)).to_have_value("")
    reviewer.no_exception()
