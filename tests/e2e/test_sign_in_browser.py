"""Sign-in through a trusted proxy's header, in a real browser: the name is on the decision it makes. The proxy's
journeys run on the local store and on a LangGraph Server (there on a thread of their own, seeded with langgraph-sdk);
a forged header outside proxy mode is the sign-in's own code, the same on both: local only."""

import re

import pytest

from tests.e2e.conftest import Reviewer, running_app, server_mode_app

pytestmark = pytest.mark.e2e

HEADER = "X-Forwarded-Email"


@pytest.fixture(params=["local", "server"])
def proxy_server(tmp_path, request):
    """The app behind a sign-in proxy; `thread` is the content approval its journeys open (a demo thread locally)."""
    policy = tmp_path / "policy.toml"
    policy.write_text('[[grant]]\nwho = ["@example.com"]\nworkflows = ["*"]\nrole = "reviewer"\n')
    env = {"REVIEW_CONSOLE_AUTH": "proxy", "REVIEW_CONSOLE_POLICY": str(policy)}
    if request.param == "local":
        with running_app(tmp_path, own_threads=False, env_extra=env) as app:
            app.thread = "demo-0001"
            yield app
        return
    from console.server.client import connect
    from tests.e2e.server_mode import _run

    url, ids, twins = request.getfixturevalue("server_threads")
    client = connect(url)
    try:
        thread = _run(client, "content_approval", {}, input={"topic": "the proxy journey"})
    finally:
        client.close()
    with server_mode_app(tmp_path, (url, ids, twins), env_extra=env) as app:
        app.thread = thread
        yield app


def test_trusted_header_sign_in_names_the_decision(browser, proxy_server):
    # What the proxy adds to every request it forwards, the websocket included.
    context = browser.new_context(extra_http_headers={HEADER: "pat@example.com"}, viewport={"width": 1280, "height": 900})
    person = Reviewer(context.new_page(), proxy_server)
    try:
        person.goto(f"/thread?thread_id={proxy_server.thread}")
        person.expect(person.sidebar().get_by_text("Signed in as pat@example.com")).to_be_visible()
        person.expect(person.sidebar().get_by_role("textbox", name="Your name")).to_have_count(0)  # no typed names
        person.submit("Approve")
        person.see("Done. The workflow finished (published).", exact=True)
        person.navigate("Activity")
        person.main().get_by_text(re.compile(r"^(Decision log|Your decisions)$")).click()  # the log opens on demand
        log = person.main().get_by_test_id("stDataFrame").last
        row = person.grid_rows(log, 1)[0]
        assert "pat@example.com" in row and not any("unverified" in cell for cell in row)
        person.no_exception()
        person.screenshot("proxy-sign-in")
    finally:
        context.close()


def test_without_the_header_nobody_is_signed_in(browser, proxy_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    person = Reviewer(context.new_page(), proxy_server)
    try:
        person.goto(f"/thread?thread_id={proxy_server.thread}")
        person.expect(person.sidebar().get_by_text("No signed-in user was passed by the sign-in proxy", exact=False)).to_be_visible()
        person.see("Sign in to decide.")
        person.expect(person.button("Approve")).to_be_disabled()
        person.no_exception()
    finally:
        context.close()


@pytest.mark.parametrize("mode", ["demo", "oidc"])
def test_a_forged_identity_header_signs_nobody_in_outside_proxy_mode(browser, tmp_path, mode):
    """Without a proxy in front, anyone can send X-Forwarded-Email: the console must not read it."""
    policy = tmp_path / "policy.toml"
    policy.write_text('[[grant]]\nwho = ["@example.com"]\nworkflows = ["*"]\nrole = "admin"\n')
    env = {"REVIEW_CONSOLE_AUTH": mode, "REVIEW_CONSOLE_POLICY": str(policy)}
    if mode == "oidc":  # st.login's settings, as a deployment has them (nothing here contacts the provider)
        secrets = tmp_path / "secrets.toml"
        secrets.write_text('[auth]\nredirect_uri = "http://127.0.0.1/oauth2callback"\ncookie_secret = "not-a-real-secret"\n'
                           'client_id = "console"\nclient_secret = "not-a-real-secret"\n'
                           'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n')
        env["STREAMLIT_SECRETS_FILES"] = str(secrets)
    with running_app(tmp_path, own_threads=False, env_extra=env) as app:
        context = browser.new_context(extra_http_headers={HEADER: "pat@example.com"}, viewport={"width": 1280, "height": 900})
        person = Reviewer(context.new_page(), app)
        try:
            person.goto("/thread?thread_id=demo-0001")
            if mode == "demo":
                person.expect(person.sidebar().get_by_role("textbox", name="Your name")).to_be_visible()
                person.see("Enter your name in the sidebar to decide.")
            else:
                person.expect(person.sidebar().get_by_role("button", name="Sign in")).to_be_visible()
                person.see("Sign in to decide.")
            person.expect(person.page.get_by_text("pat@example.com")).to_have_count(0)
            person.expect(person.button("Approve")).to_be_disabled()
            person.no_exception()
        finally:
            context.close()
