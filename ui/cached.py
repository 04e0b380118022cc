"""Index reads shared by every session of this process, keyed on the index's version (Console.index_version)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from console.inbox import InboxPage, InboxQuery
from console.service import Console

# Twenty reviewers on one view, each refreshing every 5 s, cost one read per change of the index,
# not twenty. The version check is three index seeks; the TTL bounds how stale an age ("waiting
# for", "waiting at least") may get, since those move with the clock and not with the version.
AGE_TTL_S = 5
# Counts and filter choices do not move with the clock; the TTL is only a backstop.
PLAIN_TTL_S = 60
MAX_ENTRIES = 500  # distinct (database, query, version) keys kept: searches and filters vary


def _database(app: Console) -> str:
    # Tests open several consoles in one process; each database has its own versions.
    return app.settings.server_url or app.settings.database_url or str(app.settings.db_path)


@st.cache_data(ttl=AGE_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _inbox(_app: Console, database: str, query: InboxQuery, version: tuple) -> InboxPage:
    return _app.inbox(query)


@st.cache_data(ttl=PLAIN_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _counts(_app: Console, database: str, version: tuple) -> pd.DataFrame:
    return _app.counts()


@st.cache_data(ttl=PLAIN_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _filter_choices(_app: Console, database: str, version: tuple) -> dict[str, list[str]]:
    return _app.filter_choices()


@st.cache_data(ttl=AGE_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _backlog(_app: Console, database: str, version: tuple) -> int:
    # New marks alone do not move the version, but the deriver's next save (within ~1 s) does.
    return _app.index_backlog()


def index_backlog(app: Console, version: tuple | None = None) -> int:
    return _backlog(app, _database(app), app.index_version() if version is None else version)


def inbox(app: Console, query: InboxQuery = InboxQuery(), version: tuple | None = None) -> InboxPage:
    """app.inbox(query), read once per index version by all sessions; `version` saves a second check."""
    return _inbox(app, _database(app), query, app.index_version() if version is None else version)


def counts(app: Console, version: tuple | None = None) -> pd.DataFrame:
    return _counts(app, _database(app), app.index_version() if version is None else version)


def filter_choices(app: Console, version: tuple | None = None) -> dict[str, list[str]]:
    return _filter_choices(app, _database(app), app.index_version() if version is None else version)
