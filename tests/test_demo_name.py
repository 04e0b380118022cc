"""Demo sign-in: the name this browser remembers (a cookie) fills the field on a new session, still unverified."""

import pytest
from streamlit.runtime.context import ContextProxy

from tests.test_pages import open_thread, submit
from ui import keys


@pytest.fixture
def remembered(app, monkeypatch):
    """A new session of a browser that kept the name: nothing typed in this session yet."""
    monkeypatch.setattr(ContextProxy, "cookies", property(lambda self: {keys.REVIEWER_COOKIE: "Ann%20Example%20"}))
    del app.session_state[keys.REVIEWER_NAME]
    return app


@pytest.mark.sqlite_only  # the sign-in is the same on either store
def test_a_remembered_name_fills_the_field_and_stays_unverified(remembered):
    at = open_thread(remembered, "demo-0001")
    assert not at.exception
    assert at.sidebar.text_input(key=keys.REVIEWER_NAME).value == "Ann Example"
    assert "Demo mode: your name is not verified." in [c.value.split(" This")[0] for c in at.sidebar.caption]
    at = submit(at, "Approve")
    at.switch_page(keys.ACTIVITY_PAGE).run()
    log = next(d.value for d in at.dataframe if "reviewer" in d.value.columns)
    assert list(log["reviewer"]) == ["Ann Example (unverified)"]


@pytest.mark.sqlite_only
def test_a_name_typed_in_this_session_wins_over_the_cookie(remembered):
    remembered.session_state[keys.REVIEWER_NAME] = "Bo"
    at = remembered.run()
    assert at.sidebar.text_input(key=keys.REVIEWER_NAME).value == "Bo"
