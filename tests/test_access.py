"""Sign-in modes, roles per workflow, and the server-side permission check."""

import pytest

from console.decisions import DecisionRequest, Reviewer
from console.errors import NotAllowed
from console.policy import Grant, Policy, load_policy
from tests.conftest import answer
from tests.test_pages import open_activity_tables, open_thread, submit, texts

POLICY = """
default_role = "viewer"
[[grant]]
who = ["@example.com"]
workflows = ["content_approval"]
role = "reviewer"
[[grant]]
who = ["group:ops"]
workflows = ["*"]
role = "admin"
"""

VIEWER = Reviewer("vic@elsewhere.org", verified=True, email="vic@elsewhere.org")
EDITOR = Reviewer("ed@example.com", verified=True, email="ed@example.com")
ADMIN = Reviewer("ada@elsewhere.org", verified=True, email="ada@elsewhere.org", groups=("ops",))


@pytest.fixture
def policy_file(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    return path


def test_policy_roles_by_email_domain_group_and_workflow(policy_file):
    policy = load_policy(policy_file, "viewer")
    assert policy.role("vic@elsewhere.org", (), "content_approval") == "viewer"
    assert policy.role("ed@EXAMPLE.com", (), "content_approval") == "reviewer"
    assert policy.role("ed@example.com", (), "gated_publication") == "viewer"  # granted on one workflow only
    assert policy.role("ada@elsewhere.org", ("ops",), "gated_publication") == "admin"
    assert not policy.allows("ed@example.com", (), "content_approval", "retry")
    assert policy.allows("ada@elsewhere.org", ("ops",), "content_approval", "retry")
    assert Policy("viewer", (Grant(("*",), ("*",), "reviewer"),)).role(None, (), "x") == "reviewer"


def test_a_viewer_calling_decide_directly_is_refused_and_logged(make_console, policy_file):
    console_ = make_console(auth_mode="oidc", policy_path=str(policy_file))
    with pytest.raises(NotAllowed, match="viewer"):
        answer(console_, "demo-0001", "approve", reviewer=VIEWER)
    assert console_.thread("demo-0001").status == "waiting"
    row = console_.decision_log("demo-0001").iloc[0]
    assert row["outcome"] == "refused" and row["detail"].startswith("not allowed")
    assert answer(console_, "demo-0001", "approve", reviewer=EDITOR).status == "applied"
    with pytest.raises(NotAllowed):
        answer(console_, "demo-0003", "continue", reviewer=EDITOR)
    with pytest.raises(NotAllowed):
        list(console_.start("gated_publication", "x", EDITOR))


def test_a_viewers_refused_start_is_logged(make_console, policy_file):
    console_ = make_console(auth_mode="oidc", policy_path=str(policy_file))
    with pytest.raises(NotAllowed, match="not start new ones"):
        list(console_.start("content_approval", "a topic", VIEWER, thread_id="vic-1"))
    row = console_.decision_log().iloc[0]
    assert (row["action"], row["outcome"], row["thread_id"], row["workflow"]) == ("start", "refused", "vic-1", "content_approval")
    assert row["detail"] == "not allowed (role: viewer)" and row["reviewer"] == VIEWER.name
    with pytest.raises(NotAllowed):  # no id given: logged all the same
        list(console_.start("gated_publication", "x", VIEWER))
    assert len(console_.decision_log(reviewer=VIEWER)) == 2
    assert "vic-1" not in set(console_.inbox().rows["thread_id"])  # nothing was started


def test_retry_is_for_admins(make_console, policy_file):
    console_ = make_console(auth_mode="oidc", policy_path=str(policy_file))
    view = console_.thread("demo-0002")
    request = DecisionRequest(view.thread_id, view.checkpoint_id, None, "retry")
    with pytest.raises(NotAllowed):
        list(console_.decide(request, EDITOR))


@pytest.fixture
def oidc_app(app, policy_file, monkeypatch):
    monkeypatch.setenv("REVIEW_CONSOLE_AUTH", "oidc")
    monkeypatch.setenv("REVIEW_CONSOLE_POLICY", str(policy_file))
    return app


def signed_in(at, reviewer):
    at.user = {"is_logged_in": True, "email": reviewer.email, "groups": list(reviewer.groups)}
    return at


def test_viewer_sees_the_thread_and_why_there_are_no_actions(oidc_app):
    at = open_thread(signed_in(oidc_app, VIEWER), "demo-0001")
    assert not at.exception
    assert "your role (viewer) does not let you decide" in texts(at)
    assert next(b for b in at.button if b.label == "Approve").disabled


def test_reviewer_decides_and_the_log_names_them(oidc_app):
    at = open_thread(signed_in(oidc_app, EDITOR), "demo-0001")
    at = submit(at, "Approve")
    assert "finished (published)" in texts(at)
    at = open_activity_tables(at)
    log = next(d.value for d in at.dataframe if "reviewer" in d.value.columns)
    assert list(log["reviewer"]) == ["ed@example.com"]  # verified: no "(unverified)" mark


def test_admin_can_decide_anywhere(oidc_app):
    at = open_thread(signed_in(oidc_app, ADMIN), "demo-0003")
    at = submit(at, "Continue")
    assert "now waits for your next decision: a check before “Publish article” runs." in texts(at)


def test_signed_out_user_is_asked_to_sign_in(oidc_app):
    oidc_app.user = {"is_logged_in": False}
    at = oidc_app.run()
    assert any(b.label == "Sign in" for b in at.sidebar.button)
    at = open_thread(at, "demo-0001")
    assert "Sign in to decide." in texts(at)
    assert next(b for b in at.button if b.label == "Approve").disabled
