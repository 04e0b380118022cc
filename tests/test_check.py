"""`python -m console check`: one plain line per item, a non-zero exit on any failure."""

import subprocess
import sys

import pytest

from console.store.records import SCHEMA_VERSION
from tests.conftest import ROOT

SUPPORT = "examples.support_reply:build?interrupt_before=send_reply"


def run_check(tmp_path, **env):
    base = {k: v for k, v in __import__("os").environ.items() if not k.startswith("REVIEW_CONSOLE_")}
    done = subprocess.run([sys.executable, "-m", "console", "check"], cwd=ROOT, capture_output=True, text=True,
                          env={**base, "REVIEW_CONSOLE_DB": str(tmp_path / "reviews.db"), **env}, timeout=120)
    return done.returncode, done.stdout


def test_a_healthy_configuration_passes(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('default_role = "viewer"\n[[grant]]\nwho = ["@example.com"]\nworkflows = ["*"]\nrole = "reviewer"\n')
    code, out = run_check(tmp_path, REVIEW_CONSOLE_WORKFLOWS=f"{SUPPORT},examples.announcement:announcement",
                          REVIEW_CONSOLE_POLICY=str(policy), REVIEW_CONSOLE_AUTH="proxy")
    assert code == 0, out
    assert "ok    Workflow support_reply (" in out and "the Start form asks for ticket (required)" in out
    assert "its own checkpointer (InMemorySaver) is replaced by the console's database" in out
    assert "does not exist yet; it is created on first start" in out
    assert "1 grant(s), default role viewer" in out and "proxy: the identity is read from the header X-Forwarded-Email" in out
    assert out.rstrip().endswith("All checks passed.")
    assert "FAIL" not in out and "Traceback" not in out


def test_an_existing_database_reports_its_schema_version(tmp_path, make_console, store):
    if store.startswith("postgresql:"):
        code, out = run_check(tmp_path, REVIEW_CONSOLE_DB=store)
        assert code == 0 and "the console's tables are not there yet" in out, out
        make_console(seed_demo=False).close()
        code, out = run_check(tmp_path, REVIEW_CONSOLE_DB=store)
    else:
        make_console(seed_demo=False).close()
        code, out = run_check(tmp_path, REVIEW_CONSOLE_DB=store)
    assert code == 0 and "reachable and writable" in out and f"Database schema: version {SCHEMA_VERSION}, current" in out, out


@pytest.mark.parametrize("env, expected", [
    ({"REVIEW_CONSOLE_WORKFLOWS": "team_flow:graph"},
     "FAIL  Workflow team_flow (team_flow:graph): not loaded: the module 'team_flow' cannot be imported"),
    ({"REVIEW_CONSOLE_WORKFLOWS": f"tests.team_graphs_bad:graph,{SUPPORT}"},
     "FAIL  Workflow team_graphs_bad (tests.team_graphs_bad:graph): importing it failed: RuntimeError: TEAM_API_KEY is not set"),
    ({"REVIEW_CONSOLE_WORKFLOWS": "tests.team_graphs:build_broken"},
     "loads, but does not compile: Found edge ending at unknown node `nowhere`"),
    ({"REVIEW_CONSOLE_POLICY": "/no/such/policy.toml"}, "FAIL  Permissions: The permission policy /no/such/policy.toml cannot be read"),
    ({"REVIEW_CONSOLE_AUTH": "ldap"}, "FAIL  Sign-in: unknown REVIEW_CONSOLE_AUTH “ldap”"),
    ({"REVIEW_CONSOLE_DB": "/no/such/folder/x.db", "REVIEW_CONSOLE_DEMO": "0"}, "does not exist\n      What to do: check REVIEW_CONSOLE_DB"),
    ({"REVIEW_CONSOLE_DB": "postgresql://rc:secret@127.0.0.1:1/reviews"},
     "FAIL  Database PostgreSQL 127.0.0.1:1/reviews: cannot be reached or refuses the sign-in"),
])
def test_a_broken_configuration_fails_and_says_what_to_do(tmp_path, env, expected):
    code, out = run_check(tmp_path, **env)
    assert code == 1, out
    assert expected in out, out
    assert "What to do:" in out and "1 problem(s) found." in out and "Traceback" not in out
    assert "secret" not in out  # never the password


def test_a_file_that_is_not_sqlite_fails(tmp_path):
    (tmp_path / "reviews.db").write_text("not a database")
    code, out = run_check(tmp_path)
    assert code == 1 and "is not a SQLite database" in out, out


def test_a_postgresql_user_without_create_fails(pg_server, tmp_path):
    if isinstance(pg_server, Exception):
        pytest.skip(f"PostgreSQL cannot be started here: {pg_server}")
    import psycopg

    from tests.conftest import drop_database, fresh_database
    name = fresh_database(pg_server)
    with psycopg.connect(pg_server.url_for(name), autocommit=True) as conn:
        conn.execute("CREATE ROLE rc_viewer_only LOGIN")
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    try:
        code, out = run_check(tmp_path, REVIEW_CONSOLE_DB=f"postgresql://rc_viewer_only@127.0.0.1:{pg_server.port}/{name}")
        assert code == 1 and "this user may not create or write the console's tables" in out, out
        assert "GRANT CREATE ON SCHEMA public" in out
    finally:
        drop_database(pg_server, name)
        with psycopg.connect(pg_server.url, autocommit=True) as conn:
            conn.execute("DROP ROLE rc_viewer_only")


def test_usage_is_printed_for_anything_else():
    done = subprocess.run([sys.executable, "-m", "console"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "usage: .venv/bin/python -m console check" in done.stderr


def test_the_page_icon_is_a_shipped_file():
    """Sent inline (a material icon name is fetched from a font host, which fails offline), read once per process."""
    import base64

    from ui.runtime import PAGE_ICON

    source = (ROOT / "streamlit_app.py").read_text()
    assert ":material/" not in source.split("st.Page(")[0] and "page_icon=runtime.PAGE_ICON" in source
    head, _, data = PAGE_ICON.partition(",")
    assert head == "data:image/svg+xml;base64"
    assert base64.b64decode(data) == (ROOT / "ui" / "favicon.svg").read_bytes()
    assert (ROOT / "ui" / "favicon.svg").read_text().startswith("<svg")
