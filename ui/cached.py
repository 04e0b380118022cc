"""Index reads shared by every session of this process, keyed on the index's version (Console.index_version)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import streamlit as st

from console.inbox import InboxPage, InboxQuery
from console.service import Console
from console.wording import with_titles
from ui import queue
from ui.render import visible_table

# Every cached function below is called with keyword arguments: for a positional one, Streamlit looks
# up its name with inspect.signature, each argument of each call (~100 µs a call; 45 µs by keyword).
# Twenty reviewers on one view, each refreshing every 5 s, cost one read per change of the index,
# not twenty. The version check is three index seeks; the TTL bounds how stale an age ("waiting
# for", "waiting at least") may get, since those move with the clock and not with the version.
AGE_TTL_S = 5
# Counts and filter choices do not move with the clock; the TTL is only a backstop.
PLAIN_TTL_S = 60
MAX_ENTRIES = 500  # distinct (database, query, version) keys kept: searches and filters vary
# Who is on which thread: this process's own claims show at once (TeamWork.changes moves), another
# process's within this many seconds, instead of a read per session per 5 s refresh.
HOLDERS_TTL_S = 2


def _database(app: Console) -> str:
    # Tests open several consoles in one process; each database has its own versions.
    return app.settings.server_url or app.settings.database_url or str(app.settings.db_path)


@st.cache_data(ttl=AGE_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _inbox(_app: Console, database: str, query: InboxQuery, version: tuple) -> InboxPage:
    return _app.inbox(query)


@st.cache_data(ttl=PLAIN_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _counts(_app: Console, database: str, version: tuple) -> pd.DataFrame:
    return _app.counts()


@st.cache_resource(ttl=PLAIN_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _status_totals(_app: Console, database: str, version: tuple) -> dict[str, int]:
    # A pandas groupby per session per 5 s refresh was ~5 % of an inbox rerun (profile): once per version.
    frame = _app.counts()
    return {str(k): int(v) for k, v in frame.groupby("status")["threads"].sum().items()} if not frame.empty else {}


def status_totals(app: Console, version: tuple) -> dict[str, int]:
    """Threads per status, all workflows together (a shared dict: read it, do not change it)."""
    return _status_totals(_app=app, database=_database(app), version=version)


@st.cache_resource(ttl=PLAIN_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _filter_choices(_app: Console, database: str, version: tuple) -> dict[str, tuple[str, ...]]:
    # Shared, not copied per call (cache_data unpickles a copy each time): tuples, which no caller can change.
    return {name: tuple(values) for name, values in _app.filter_choices().items()}


@st.cache_data(ttl=AGE_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _backlog(_app: Console, database: str, version: tuple) -> int:
    # New marks alone do not move the version, but the deriver's next save (within ~1 s) does.
    return _app.index_backlog()


@st.cache_resource(ttl=HOLDERS_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _holders(_app: Console, database: str, changes: int) -> tuple:
    return tuple(_app.team.holders())  # a tuple of frozen Holders: shared by every session, never changed


def holders(app: Console) -> list:
    """app.team.holders(), read once per change here (or HOLDERS_TTL_S) for every session."""
    return list(_holders(_app=app, database=_database(app), changes=app.team.changes))


def index_backlog(app: Console, version: tuple | None = None) -> int:
    return _backlog(_app=app, database=_database(app), version=app.index_version() if version is None else version)


def inbox(app: Console, query: InboxQuery = InboxQuery(), version: tuple | None = None) -> InboxPage:
    """app.inbox(query), read once per index version by all sessions; `version` saves a second check."""
    return _inbox(_app=app, database=_database(app), query=query, version=app.index_version() if version is None else version)


def counts(app: Console, version: tuple | None = None) -> pd.DataFrame:
    return _counts(_app=app, database=_database(app), version=app.index_version() if version is None else version)


def filter_choices(app: Console, version: tuple | None = None) -> dict[str, tuple[str, ...]]:
    return _filter_choices(_app=app, database=_database(app), version=app.index_version() if version is None else version)


# ---- tables as drawn, shared ----------------------------------------------------------------
# A fragment rerun redraws its table even when nothing changed (Streamlit clears what a run does not
# draw). The titled, marked table is made once per version and kept as an Arrow table: immutable, so
# st.cache_resource may hand the same object to every session (cache_data would unpickle a copy per
# call), and st.dataframe sends it without converting a DataFrame again. Measured (py-spy, 15
# reviewers): the sidebar and inbox fragments' pandas work and Arrow conversion were ~15 % of the process.


@dataclass(frozen=True)
class ShownPage:
    page: InboxPage  # the rows as read (thread ids for a chosen row)
    table: pa.Table | None  # the same rows as shown: titles, readable steps, hidden characters marked


def _marked(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(visible_table(frame), preserve_index=False)


@st.cache_resource(ttl=AGE_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _shown_inbox(_app: Console, database: str, key: str, version: tuple, _query: InboxQuery, _drop: tuple[str, ...],
                 _rename: tuple[tuple[str, str], ...]) -> ShownPage:
    page = _app.inbox(_query)
    if page.rows.empty:
        return ShownPage(page, None)
    frame = with_titles(page.rows.drop(columns=list(_drop)), _app.registry).rename(columns=dict(_rename))
    return ShownPage(page, _marked(frame))


def shown_inbox(app: Console, query: InboxQuery, version: tuple, drop: tuple[str, ...] = ("since",),
                rename: tuple[tuple[str, str], ...] = ()) -> ShownPage:
    """inbox(query) and its table as st.dataframe shows it (without `drop`, columns renamed), once per version."""
    # Keyed on the arguments' repr: Streamlit hashes a dataclass field by field (~0.15 ms a call, two calls
    # a run); a frozen dataclass's repr names every field, so equal queries have equal keys.
    return _shown_inbox(_app=app, database=_database(app), key=repr((query, drop, rename)), version=version, _query=query,
                        _drop=drop, _rename=rename)


@st.cache_resource(ttl=HOLDERS_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _with_holders(_shown: ShownPage, shown_id: int, database: str, changes: int, _app: Console) -> tuple[ShownPage, pa.Table]:
    # The entry holds the ShownPage it was made from, so that its id names no other while it is kept.
    return _shown, queue.with_holders(_shown.table, _shown.page.rows, holders(_app))


def shown_with_holders(app: Console, shown: ShownPage) -> pa.Table:
    """The inbox's shared table (shown_inbox) with who is on each row, made once per table and change of the
    claims (or HOLDERS_TTL_S) for every session: per session per rerun it was ~5 % of an inbox run (profile)."""
    return _with_holders(_shown=shown, shown_id=id(shown), database=_database(app), changes=app.team.changes, _app=app)[1]


@st.cache_resource(ttl=PLAIN_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _waiting_per_workflow(_app: Console, database: str, version: tuple) -> pa.Table | None:
    frame = _app.counts()
    waiting = frame[frame["status"] == "waiting"] if not frame.empty else frame
    if waiting.empty:
        return None
    return pa.Table.from_pandas(with_titles(waiting[["workflow", "threads"]], _app.registry), preserve_index=False)


def waiting_per_workflow(app: Console) -> pa.Table | None:
    """The sidebar's table (workflow titles, waiting threads), or None when nothing waits; once per version."""
    return _waiting_per_workflow(_app=app, database=_database(app), version=app.index_version())


@dataclass(frozen=True)
class ShownHistory:
    frame: pd.DataFrame  # the saved steps as read (shared: read it, do not change it)
    table: pa.Table | None  # as st.dataframe shows it: hidden characters marked


@st.cache_resource(ttl=PLAIN_TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _history(_app: Console, _view, database: str, thread_id: str, checkpoint_id: str, waiting: tuple,
             version: tuple) -> ShownHistory:
    frame = _app.history(_view)
    return ShownHistory(frame, _marked(frame) if not frame.empty else None)


def history(app: Console, view) -> ShownHistory:
    """The thread's History table, made once per saved step and change of the index (a decision moves
    the version, and may leave the saved step as it was) for every session: a DataFrame, every cell
    marked and converted to Arrow per session per rerun was a fifth of a thread page's rerun (profile)."""
    return _history(_app=app, _view=view, database=_database(app), thread_id=view.thread_id, checkpoint_id=view.checkpoint_id,
                    waiting=tuple(p.node for p in view.interrupts), version=app.index_version())
