"""One click opens a thread page's drop-down list, and it stays open through the page's reruns.

The reruns are waited for as the page hears them: the "script finished" messages on its websocket
(a full run, or a run of the sidebar's 5-second fragment), never the clock. On both backends (conftest: `backend`).
"""

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.e2e.conftest import WAIT_MS
from tests.e2e.test_journeys import open_thread

pytestmark = pytest.mark.e2e

FULL_RUN = ForwardMsg.FINISHED_SUCCESSFULLY
FRAGMENT_RUN = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


class Runs:
    """The page's Streamlit websocket, to wait for the end of its next run of one kind."""

    def __init__(self, page) -> None:
        self.sockets = []
        page.on("websocket", lambda ws: self.sockets.append(ws) if ws.url.endswith("/_stcore/stream") else None)

    @staticmethod
    def _ends(status):
        def ended(payload) -> bool:
            if isinstance(payload, str):
                return False
            message = ForwardMsg()
            message.ParseFromString(payload)
            return message.WhichOneof("type") == "script_finished" and message.script_finished == status
        return ended

    def next(self, status):
        """A context manager: its `with` block ends once a run of that kind has finished after it began."""
        assert self.sockets, "the page opened no Streamlit websocket"
        return self.sockets[-1].expect_event("framereceived", predicate=self._ends(status), timeout=WAIT_MS)


@pytest.fixture
def runs(page):
    return Runs(page)


def _open_list_once(person, box):
    box.scroll_into_view_if_needed()
    box.click()  # one click, never retried


def _still_open_after_a_fragment_run(person, runs, box, option):
    with runs.next(FRAGMENT_RUN):  # the sidebar's run_every fragment: its next run, whenever it comes
        pass
    person.idle()
    person.expect(person.page.get_by_role("listbox")).to_be_visible()
    person.page.get_by_role("option", name=option, exact=True).click()
    person.expect(box).to_have_value(option)


@pytest.fixture
def reviewer(backend_reviewer):
    """This module's reviewer is on the parametrised backend; it only reads its thread (demo-0011's twin)."""
    return backend_reviewer


def test_the_first_click_opens_the_list_while_the_name_is_still_typed(reviewer, runs):
    """The reviewer types their name and goes straight to the form: the click that ends the name's edit
    (a full rerun, which now knows who decides) must leave the list it opened open."""
    person = reviewer
    open_thread(person, person.server.id("demo-0011"), "Refund decision (typed answer)", sign_in=False)
    person.see("Enter your name in the sidebar to decide.", exact=True)
    person.sidebar().get_by_role("textbox", name="Your name").fill("Ann")  # no Enter: the click applies it
    box = person.main().get_by_role("combobox", name="Decision")
    with runs.next(FULL_RUN):
        _open_list_once(person, box)
    person.idle()
    person.expect(person.main().get_by_text("Enter your name in the sidebar to decide.")).to_have_count(0)
    person.expect(person.page.get_by_role("listbox")).to_be_visible()
    _still_open_after_a_fragment_run(person, runs, box, "deny")
    person.expect(person.button("Send answer")).to_be_enabled()
    person.no_exception()


def test_the_first_click_opens_the_list_of_a_signed_in_reviewer(reviewer, runs):
    person = reviewer
    open_thread(person, person.server.id("demo-0011"), "Refund decision (typed answer)")
    person.idle()
    box = person.main().get_by_role("combobox", name="Decision")
    _open_list_once(person, box)
    person.expect(person.page.get_by_role("listbox")).to_be_visible()
    _still_open_after_a_fragment_run(person, runs, box, "partial")
    person.no_exception()
