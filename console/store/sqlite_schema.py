"""The console's tables, indexes and triggers on SQLite, and their creation and upgrade.

Twin of postgres_schema.py. The triggers live in the database file, so a writer
in any process fires them.
"""

from __future__ import annotations

import contextlib
import re

from console.store.db import EVERY_THREAD, Db
from console.store.sqlite_insight import FACTS_SCHEMA
from console.store.records import INDEX_VERSION, SCHEMA_VERSION

SCHEMA = """
CREATE TABLE IF NOT EXISTS rc_meta (key TEXT PRIMARY KEY, value TEXT);

-- One row per answered pause: its primary key is what makes a decision apply once.
CREATE TABLE IF NOT EXISTS rc_claims (
    thread_id TEXT NOT NULL,
    checkpoint_id TEXT NOT NULL,
    interrupt_id TEXT NOT NULL,
    decision_id INTEGER NOT NULL,
    claimed_at REAL NOT NULL,
    writes_mark INTEGER,             -- highest rowid of `writes` when claimed: what the run added is above it
    PRIMARY KEY (thread_id, checkpoint_id, interrupt_id)
);

-- Every decision, written before the graph resumes. Rows are never deleted,
-- and an outcome, once final, never changes.
CREATE TABLE IF NOT EXISTS rc_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    decided_at TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    reviewer_verified INTEGER NOT NULL DEFAULT 0,
    thread_id TEXT NOT NULL,
    workflow TEXT,
    checkpoint_id TEXT,
    interrupt_id TEXT,
    action TEXT NOT NULL,
    answer TEXT,
    text_before TEXT,
    text_after TEXT,
    outcome TEXT NOT NULL,           -- pending | applied | refused | failed | not applied
    detail TEXT,
    result_checkpoint_id TEXT,
    finished_at TEXT,
    owner TEXT,
    changes TEXT                     -- an edit's changes, field by field (JSON of formats.diff.changes); NULL: no edit
);
CREATE INDEX IF NOT EXISTS rc_decisions_by_thread ON rc_decisions(thread_id, id);
CREATE INDEX IF NOT EXISTS rc_decisions_pending ON rc_decisions(outcome) WHERE outcome = 'pending';
CREATE TRIGGER IF NOT EXISTS rc_decisions_keep BEFORE DELETE ON rc_decisions
BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS rc_decisions_final BEFORE UPDATE ON rc_decisions WHEN OLD.outcome != 'pending'
BEGIN SELECT RAISE(ABORT, 'a final decision outcome cannot change'); END;

-- Console processes alive on this database, so a crashed one's claims can be released.
CREATE TABLE IF NOT EXISTS rc_processes (
    owner TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at REAL NOT NULL,
    heartbeat_at REAL NOT NULL
);
"""

INDEX_SCHEMA = """
-- One row per thread: what the inbox reads. Derived from the graph's own aget_state.
CREATE TABLE IF NOT EXISTS rc_threads (
    id INTEGER PRIMARY KEY,          -- stable under VACUUM: the search index refers to it
    thread_id TEXT NOT NULL UNIQUE,
    workflow TEXT,
    workflow_version TEXT,
    status TEXT NOT NULL,            -- waiting | finished | failed | running | unknown | unreadable
    pause_kind TEXT,                 -- interrupt | notice | before | after | paused
    waiting_node TEXT,
    preview TEXT,
    checkpoint_id TEXT,
    waiting_since REAL,              -- unix time of the latest checkpoint
    error TEXT,
    interrupt_count INTEGER NOT NULL DEFAULT 0,
    updated_at REAL,
    derived_mark INTEGER NOT NULL DEFAULT 0  -- the newest mark when the state was read: see _save_rows
);
-- One index per sort and per filter, each led by status, so a first page reads
-- 50 index entries in order and never sorts; the tie-break thread_id is in each.
CREATE INDEX IF NOT EXISTS rc_threads_by_age ON rc_threads(status, waiting_since, thread_id);
CREATE INDEX IF NOT EXISTS rc_threads_by_workflow_age ON rc_threads(status, workflow, waiting_since, thread_id);
CREATE INDEX IF NOT EXISTS rc_threads_by_id ON rc_threads(status, thread_id);
CREATE INDEX IF NOT EXISTS rc_threads_by_node ON rc_threads(status, waiting_node, waiting_since, thread_id);
CREATE INDEX IF NOT EXISTS rc_threads_by_kind ON rc_threads(status, pause_kind, waiting_since, thread_id);

-- Threads per (workflow, status), kept by triggers: the sidebar and an unfiltered
-- total read a handful of rows instead of counting 100,000.
CREATE TABLE IF NOT EXISTS rc_counts (
    workflow TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (workflow, status)
);
CREATE TRIGGER IF NOT EXISTS rc_count_insert AFTER INSERT ON rc_threads BEGIN
    INSERT INTO rc_counts(workflow, status, n) VALUES (COALESCE(NEW.workflow, ''), NEW.status, 1)
    ON CONFLICT(workflow, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS rc_count_delete AFTER DELETE ON rc_threads BEGIN
    UPDATE rc_counts SET n = n - 1 WHERE workflow = COALESCE(OLD.workflow, '') AND status = OLD.status;
END;
CREATE TRIGGER IF NOT EXISTS rc_count_update AFTER UPDATE OF workflow, status ON rc_threads
WHEN OLD.workflow IS NOT NEW.workflow OR OLD.status IS NOT NEW.status BEGIN
    UPDATE rc_counts SET n = n - 1 WHERE workflow = COALESCE(OLD.workflow, '') AND status = OLD.status;
    INSERT INTO rc_counts(workflow, status, n) VALUES (COALESCE(NEW.workflow, ''), NEW.status, 1)
    ON CONFLICT(workflow, status) DO UPDATE SET n = n + 1;
END;

-- Substring search over the previews and ids of waiting and failed threads: a trigram
-- index, so "words in the preview" reads the few matching rows, not 10,000 previews.
-- Contentless (the text is in rc_threads); kept by the triggers below.
CREATE VIRTUAL TABLE IF NOT EXISTS rc_search USING fts5(preview, thread_id, content='', tokenize='trigram');
CREATE TRIGGER IF NOT EXISTS rc_search_insert AFTER INSERT ON rc_threads
WHEN NEW.status IN ('waiting', 'failed') BEGIN
    INSERT INTO rc_search(rowid, preview, thread_id) VALUES (NEW.id, NEW.preview, NEW.thread_id);
END;
CREATE TRIGGER IF NOT EXISTS rc_search_delete AFTER DELETE ON rc_threads
WHEN OLD.status IN ('waiting', 'failed') BEGIN
    INSERT INTO rc_search(rc_search, rowid, preview, thread_id) VALUES ('delete', OLD.id, OLD.preview, OLD.thread_id);
END;
-- One trigger, two guarded statements: the old entry must go before the new one comes.
CREATE TRIGGER IF NOT EXISTS rc_search_update AFTER UPDATE OF status, preview ON rc_threads BEGIN
    INSERT INTO rc_search(rc_search, rowid, preview, thread_id)
        SELECT 'delete', OLD.id, OLD.preview, OLD.thread_id WHERE OLD.status IN ('waiting', 'failed');
    INSERT INTO rc_search(rowid, preview, thread_id)
        SELECT NEW.id, NEW.preview, NEW.thread_id WHERE NEW.status IN ('waiting', 'failed');
END;

-- Threads whose saver rows changed since they were last derived. A plain
-- append (never a conflict) so that the saver's INSERT OR IGNORE cannot swallow it.
-- The triggers live in the database file, so a writer in any process fires them.
CREATE TABLE IF NOT EXISTS rc_marks (id INTEGER PRIMARY KEY AUTOINCREMENT, thread_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS rc_marks_by_thread ON rc_marks(thread_id, id);


CREATE TRIGGER IF NOT EXISTS rc_mark_on_checkpoint AFTER INSERT ON checkpoints
BEGIN INSERT INTO rc_marks(thread_id) VALUES (NEW.thread_id); END;
CREATE TRIGGER IF NOT EXISTS rc_mark_on_write AFTER INSERT ON writes
BEGIN INSERT INTO rc_marks(thread_id) VALUES (NEW.thread_id); END;
CREATE TRIGGER IF NOT EXISTS rc_mark_on_delete AFTER DELETE ON checkpoints
BEGIN INSERT INTO rc_marks(thread_id) VALUES (OLD.thread_id); END;
CREATE TRIGGER IF NOT EXISTS rc_mark_on_writes_delete AFTER DELETE ON writes
BEGIN INSERT INTO rc_marks(thread_id) VALUES (OLD.thread_id); END;
CREATE TRIGGER IF NOT EXISTS rc_mark_on_writes_update AFTER UPDATE ON writes
BEGIN INSERT INTO rc_marks(thread_id) VALUES (NEW.thread_id); END;
"""

# The inbox's sort and filter indexes, as INDEX_SCHEMA creates them. A first indexing (or one far
# behind) drops them and builds them once in its last transaction (console/indexer.py): one build over
# 100,000 rows costs ~0.4 s, their row-by-row upkeep ~4 s. A crash meanwhile loses nothing: every start
# runs INDEX_SCHEMA, which builds the missing ones.
SORT_INDEXES = tuple(re.findall(r"^CREATE INDEX IF NOT EXISTS rc_threads_by_\w+ ON rc_threads\(.*\);$", INDEX_SCHEMA, re.M))
SORT_INDEX_NAMES = tuple(stmt.split()[5] for stmt in SORT_INDEXES)

# Dropped and rebuilt from the saver's tables when the index layout is older than INDEX_VERSION.
DERIVED_TABLES = ("rc_search", "rc_counts", "rc_threads")
MARK_TRIGGERS = ("rc_mark_on_checkpoint", "rc_mark_on_write", "rc_mark_on_delete",
                 "rc_mark_on_writes_delete", "rc_mark_on_writes_update")

SET_META = "INSERT OR REPLACE INTO rc_meta(key, value) VALUES (:key, :value)"
GET_META = "SELECT value FROM rc_meta WHERE key = :key"
# One mark per thread; DISTINCT walks the checkpoints primary key, not the rows.
MARK_ALL = "INSERT INTO rc_marks(thread_id) SELECT DISTINCT thread_id FROM checkpoints"
# This process may know workflows (or read types) that the last one did not.
MARK_UNKNOWN = "INSERT INTO rc_marks(thread_id) SELECT thread_id FROM rc_threads WHERE status IN ('unknown', 'unreadable')"
COUNT_MARK_TRIGGERS = (
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
    f"AND name IN ({', '.join(repr(name) for name in MARK_TRIGGERS)})"
)


async def setup(db: Db) -> None:
    """Create or upgrade the console's tables; a fresh index re-derives every thread."""
    await db.driver.script(SCHEMA)
    await db.driver.script(FACTS_SCHEMA)  # the Activity page's narrow copy of the log (console/insight.py)
    columns = {r[1] for r in await db.all("PRAGMA table_info(rc_claims)")}
    if "writes_mark" not in columns:  # tables made by an earlier console
        await db.run("ALTER TABLE rc_claims ADD COLUMN writes_mark INTEGER")
    decided = {r[1] for r in await db.all("PRAGMA table_info(rc_decisions)")}
    if "changes" not in decided:  # schema version 1: the log kept no diff of an edit
        await db.run("ALTER TABLE rc_decisions ADD COLUMN changes TEXT")
    row = await db.one(GET_META, {"key": "schema_version"})
    if row is None or int(row[0]) < SCHEMA_VERSION:
        # Not db.write: a database locked at start is said as such by the console's opening.
        async with db.turn():
            await db.driver.begin_write(EVERY_THREAD)
            try:
                await db.run(SET_META, {"key": "schema_version", "value": str(SCHEMA_VERSION)})
            except BaseException:
                await db.driver.rollback()
                raise
            await db.driver.commit()
    await setup_index(db)


async def setup_index(db: Db, mark_all: bool = False) -> None:
    """Create or upgrade the thread index; a new or upgraded index re-derives every thread."""
    row = await db.one(GET_META, {"key": "index_version"})
    current = int(row[0]) if row else 0
    # An older layout (or none) is dropped: the rows are re-derived from the saver's
    # tables, and the inbox says "indexing" meanwhile.
    drops = "".join(f"DROP TABLE IF EXISTS {name};" for name in DERIVED_TABLES) if current < INDEX_VERSION else ""
    async with db.turn():
        # One transaction: a thread written between the triggers' creation and the
        # marking below is marked either way. (The script leaves it open.)
        try:
            await db.driver.script("BEGIN IMMEDIATE;" + drops + INDEX_SCHEMA)
            await db.run(MARK_ALL if current < INDEX_VERSION or mark_all else MARK_UNKNOWN)
            if current < INDEX_VERSION:
                await db.run(SET_META, {"key": "index_version", "value": str(INDEX_VERSION)})
        except BaseException:
            await db.driver.rollback()
            raise
        await db.driver.commit()


async def triggers_present(db: Db) -> bool:
    """Are the mark triggers all there? Another program may have recreated the saver's tables."""
    row = await db.one(COUNT_MARK_TRIGGERS)
    return int(row[0]) == len(MARK_TRIGGERS)


async def drop_sort_indexes(db: Db) -> None:
    """For a first indexing: the rows go in without the sort indexes' upkeep (SORT_INDEXES builds them after)."""
    async def body():
        for name in SORT_INDEX_NAMES:
            await db.run(f"DROP INDEX IF EXISTS {name}")
    await db.write(body, lock=None)


async def sort_indexes_missing(db: Db) -> bool:
    row = await db.one(f"SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
                       f"AND name IN ({', '.join(repr(name) for name in SORT_INDEX_NAMES)})")
    return int(row[0]) < len(SORT_INDEX_NAMES)


def seeding(db: Db):
    """The demo seed's "empty? then fill": one console process writes it (PostgreSQL takes a turn; SQLite needs none)."""
    return contextlib.nullcontext()
