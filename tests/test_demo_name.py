"""Demo sign-in: the name this browser remembers (a cookie) fills the field on a new session, still unverified."""

import pytest
from streamlit.runtime.context import ContextProxy

from tests.test_pages import open_activity_tables, open_thread, submit
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
    at = open_activity_tables(submit(at, "Approve"))
    log = next(d.value for d in at.dataframe if "reviewer" in d.value.columns)
    assert list(log["reviewer"]) == ["Ann Example (unverified)"]


@pytest.mark.sqlite_only
def test_a_name_typed_in_this_session_wins_over_the_cookie(remembered):
    remembered.session_state[keys.REVIEWER_NAME] = "Bo"
    at = remembered.run()
    assert at.sidebar.text_input(key=keys.REVIEWER_NAME).value == "Bo"


def cookie_writers(at) -> list:
    """The cookie-writing component as drawn in the sidebar (AppTest shows it as an unknown element)."""
    return [e for e in at.sidebar if getattr(e, "type", "") == "bidi_component"]


def browser_says_kept(at, name: str):
    """What the component's JS sends once it wrote the cookie: its "kept" trigger, on the next rerun."""
    import json

    from streamlit.components.v2.bidi_component.main import _make_trigger_id
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    (writer,) = cookie_writers(at)
    states = WidgetStates()
    states.widgets.extend(at._tree.get_widget_states().widgets)  # AppTest has no public way to fire a component trigger
    reply = states.widgets.add()
    reply.id = _make_trigger_id(writer.proto.id, "events")
    reply.json_trigger_value = json.dumps([{"event": "kept", "value": name}])
    return at._run(states)


@pytest.mark.sqlite_only
def test_the_cookie_is_written_only_until_the_browser_has_kept_the_name(remembered):
    at = remembered.run()
    assert cookie_writers(at) == []  # this browser holds the name already: nothing to write
    at.sidebar.text_input(key=keys.REVIEWER_NAME).input("Bo").run()
    (writer,) = cookie_writers(at)
    assert '\\"name\\": \\"Bo\\"' in str(writer.proto)  # the name goes in as data
    at = browser_says_kept(at, "Bo")
    assert not at.exception
    assert cookie_writers(at) == []  # kept: no component (and its per-read cost) on later runs
    assert at.sidebar.text_input(key=keys.REVIEWER_NAME).value == "Bo"
    at.sidebar.text_input(key=keys.REVIEWER_NAME).input("").run()
    assert len(cookie_writers(at)) == 1  # cleared: the browser must forget it
