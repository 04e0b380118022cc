"""Shared fixtures: a console on a temporary database, and AppTest on the real app."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["REVIEW_CONSOLE_TOKEN_DELAY"] = "0"  # tests wait on state, not on a typing model

import console  # noqa: E402,F401  (strict checkpoint decoding before langgraph loads)
from console.decisions import DecisionRequest, Reviewer  # noqa: E402
from console.service import Console  # noqa: E402
from console.settings import Settings  # noqa: E402

ANN = Reviewer("Ann")
BOB = Reviewer("Bob")


# ---- both stores ----------------------------------------------------------------------
# Tests that open a console (make_console, demo, app, or `store` directly) run once per
# store: SQLite, and PostgreSQL on a throwaway server started once per session. Tests
# that reach into the SQLite file itself are marked `sqlite_only`.

STORES = ("sqlite", "postgres")


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: reaches into the SQLite file; not run on PostgreSQL")
    config.addinivalue_line("markers", "postgres_only: reaches into PostgreSQL itself; not run on SQLite")


def pytest_generate_tests(metafunc):
    if "store" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker
        kinds = ("sqlite",) if marker("sqlite_only") else ("postgres",) if marker("postgres_only") else STORES
        metafunc.parametrize("store", kinds, indirect=True)


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL server for the session (initdb + pg_ctl in a temp folder), or a skip saying why not."""
    from tests.pg_server import Server, Unavailable

    server = Server()
    try:
        server.start(timeout=60)
    except (Unavailable, OSError, subprocess.SubprocessError) as exc:
        server.stop()
        yield Unavailable(str(exc))
        return
    yield server
    server.stop()


def fresh_database(server) -> str:
    """A new, empty database per test: isolated, and quick to create from template0."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server.url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    return name


def drop_database(server, name: str) -> None:
    import psycopg

    with psycopg.connect(server.url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def store(request, tmp_path: Path) -> str:
    """The database the test's consoles open: a SQLite file path, or a postgresql:// URL."""
    if request.param == "sqlite":
        yield str(tmp_path / "checkpoints.db")
        return
    server = request.getfixturevalue("pg_server")
    if isinstance(server, Exception):
        if os.environ.get("REVIEW_CONSOLE_REQUIRE_POSTGRES") == "1":  # set by .ci/run
            pytest.fail(f"PostgreSQL could not be started: {server}")
        pytest.skip(f"PostgreSQL cannot be started here: {server}")
    name = fresh_database(server)
    yield server.url_for(name)
    drop_database(server, name)


@pytest.fixture
def db_path(store: str) -> Path | str:
    """The SQLite file as a Path; on PostgreSQL, the database URL (helpers that write "from
    elsewhere" take either; tests that open the file with sqlite3 are marked sqlite_only)."""
    return store if store.startswith("postgresql:") else Path(store)


def other_saver(where):
    """A saver of another process's kind on the test database: no console involved."""
    where = str(where)
    if where.startswith("postgresql:"):
        return _pg_saver(where)
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
    return AsyncSqliteSaver.from_conn_string(where)


def raw_connect(where):
    """A plain connection to the test database, SQLite or PostgreSQL: `with raw_connect(db_path) as conn:
    conn.execute(sql)` commits at the end, either way (for SQL both spell alike, no placeholders)."""
    where = str(where)
    if where.startswith("postgresql:"):
        import psycopg
        return psycopg.connect(where)
    import sqlite3
    return sqlite3.connect(where)


@contextlib.asynccontextmanager
async def _pg_saver(url: str):
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

    async with AsyncPostgresSaver.from_conn_string(url) as saver:
        await saver.setup()  # SQLite's saver sets itself up on first use; PostgreSQL's is asked to
        yield saver


def settings_for(store: str, **options) -> Settings:
    if store.startswith("postgresql:"):
        return Settings(database_url=store, **options)
    return Settings(db_path=Path(store), **options)


@pytest.fixture
def make_console(store: str):
    """Open consoles on the test database (several = several processes' worth of bridges)."""
    opened: list[Console] = []

    def make(seed_demo: bool = True, path: Path | None = None, **options) -> Console:
        settings = Settings(db_path=path, **options) if path else settings_for(store, **options)
        instance = Console(dataclasses.replace(settings, seed_demo=seed_demo, offline_token_delay=0))
        opened.append(instance)
        return instance

    yield make
    for instance in opened:
        instance.close()


@pytest.fixture
def demo(make_console) -> Console:
    return make_console(seed_demo=True)


def answer(console_: Console, thread_id: str, action: str, reviewer: Reviewer = ANN, **inputs):
    """Decide on the thread as it stands now; returns the final Outcome."""
    view = console_.thread(thread_id)
    interrupt_id = view.interrupts[0].id if view.interrupts else None
    items = list(console_.decide(DecisionRequest(thread_id, view.checkpoint_id, interrupt_id, action, inputs), reviewer))
    return items[-1]


@pytest.fixture
def app(store: str, monkeypatch):
    """The real app under AppTest, on a fresh demo database, with a reviewer name typed in."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("REVIEW_CONSOLE_DB", store)
    monkeypatch.setenv("REVIEW_CONSOLE_DEMO", "1")  # demo threads on both stores (PostgreSQL's default is off)
    monkeypatch.chdir(ROOT)
    from ui.runtime import close_consoles

    close_consoles()  # the console lives per process and per settings, outside every st cache
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["reviewer_name"] = "Ann"
    yield at
    close_consoles()
    st.cache_resource.clear()
