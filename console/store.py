"""The console's own tables beside the saver's: thread index, claims, decision log.

All SQL the console writes lives here. It uses its own aiosqlite connection
(on the bridge loop), separate from the saver's, so its transactions never
interleave with LangGraph's statements on one connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import aiosqlite

from console.errors import DatabaseBusy

SCHEMA_VERSION = 1

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
    owner TEXT
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

# ---- the thread index (rc_threads) ------------------------------------------------------
# Derived data only: it can be dropped and rebuilt from the saver's tables at any
# time, so it has its own version, apart from SCHEMA_VERSION (claims and the log).
INDEX_VERSION = 2

INDEX_SCHEMA = """
-- One row per thread: what the inbox reads. Derived from the graph's own aget_state.
CREATE TABLE IF NOT EXISTS rc_threads (
    id INTEGER PRIMARY KEY,          -- stable under VACUUM: the search index refers to it
    thread_id TEXT NOT NULL UNIQUE,
    workflow TEXT,
    workflow_version TEXT,
    status TEXT NOT NULL,            -- waiting | finished | failed | running | unknown | unreadable
    pause_kind TEXT,                 -- interrupt | before | after | paused
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

# Dropped and rebuilt from the saver's tables when the index layout is older than INDEX_VERSION.
DERIVED_TABLES = ("rc_search", "rc_counts", "rc_threads")
MARK_TRIGGERS = ("rc_mark_on_checkpoint", "rc_mark_on_write", "rc_mark_on_delete",
                 "rc_mark_on_writes_delete", "rc_mark_on_writes_update")

THREAD_COLUMNS = (
    "thread_id", "workflow", "workflow_version", "status", "pause_kind", "waiting_node",
    "preview", "checkpoint_id", "waiting_since", "error", "interrupt_count",
)

DECISION_COLUMNS = (
    "id", "decided_at", "reviewer", "reviewer_verified", "thread_id", "workflow", "checkpoint_id",
    "interrupt_id", "action", "answer", "text_before", "text_after", "outcome", "detail",
    "result_checkpoint_id", "finished_at",
)


LATEST: Any = object()  # finish(): "the thread's latest checkpoint", read inside the transaction


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def is_busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc).lower()


@dataclass(frozen=True)
class Claim:
    decision_id: int


@dataclass(frozen=True)
class Refusal:
    reason: str
    by: str | None = None
    at: str | None = None


class Store:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        # One connection serves every coroutine: nothing may interleave with a transaction on it.
        # A read left open by another coroutine would also make BEGIN IMMEDIATE fail at once with
        # "database is locked" (SQLite skips the busy handler inside a read transaction).
        self._tx_lock = asyncio.Lock()
        self._tx_task: asyncio.Task | None = None
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    @classmethod
    async def open(cls, path: str, busy_timeout_s: float) -> "Store":
        conn = await aiosqlite.connect(path, timeout=busy_timeout_s, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        return cls(conn)

    async def setup(self) -> None:
        """Create or upgrade the console's tables; a fresh index re-derives every thread."""
        await self.conn.executescript(SCHEMA)
        columns = {r[1] for r in await self._all("PRAGMA table_info(rc_claims)")}
        if "writes_mark" not in columns:  # tables made by an earlier console
            await self.conn.execute("ALTER TABLE rc_claims ADD COLUMN writes_mark INTEGER")
        row = await self._one("SELECT value FROM rc_meta WHERE key = 'schema_version'")
        if row is None or int(row[0]) < SCHEMA_VERSION:
            await self.conn.execute("BEGIN IMMEDIATE")
            await self.conn.execute(
                "INSERT OR REPLACE INTO rc_meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            await self.conn.execute("COMMIT")
        await self.setup_index()
        now = time.time()
        await self.conn.execute(
            "INSERT OR REPLACE INTO rc_processes(owner, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)",
            (self.owner, socket.gethostname(), os.getpid(), now, now),
        )

    async def close(self) -> None:
        try:
            await self.conn.execute("DELETE FROM rc_processes WHERE owner = ?", (self.owner,))
        finally:
            await self.conn.close()

    def seeding(self):
        """A turn for the demo seed's "empty? then fill": one replica at a time (PgStore; SQLite needs none here)."""
        return contextlib.nullcontext()

    @contextlib.asynccontextmanager
    async def _turn(self):
        """This coroutine's turn on the connection (already held inside its own transaction)."""
        if self._tx_task is not None and self._tx_task is asyncio.current_task():
            yield
            return
        async with self._tx_lock:
            yield

    async def _one(self, sql: str, params: tuple = ()) -> Any:
        async with self._turn(), self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def _all(self, sql: str, params: tuple = ()) -> list:
        async with self._turn(), self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    # ---- thread index ---------------------------------------------------------------

    async def setup_index(self, mark_all: bool = False) -> None:
        """Create or upgrade the thread index; a new or upgraded index re-derives every thread."""
        row = await self._one("SELECT value FROM rc_meta WHERE key = 'index_version'")
        current = int(row[0]) if row else 0
        # An older layout (or none) is dropped: the rows are re-derived from the saver's
        # tables, and the inbox says "indexing" meanwhile.
        drops = "".join(f"DROP TABLE IF EXISTS {name};" for name in DERIVED_TABLES) if current < INDEX_VERSION else ""
        async with self._tx_lock:
            # One transaction: a thread written between the triggers' creation and the
            # marking below is marked either way. (executescript leaves it open.)
            try:
                await self.conn.executescript("BEGIN IMMEDIATE;" + drops + INDEX_SCHEMA)
                if current < INDEX_VERSION or mark_all:
                    await self._mark_all()
                else:
                    # This process may know workflows (or read types) that the last one did not.
                    await self.conn.execute(
                        "INSERT INTO rc_marks(thread_id) SELECT thread_id FROM rc_threads WHERE status IN ('unknown', 'unreadable')"
                    )
                if current < INDEX_VERSION:
                    await self.conn.execute(
                        "INSERT OR REPLACE INTO rc_meta(key, value) VALUES ('index_version', ?)", (str(INDEX_VERSION),)
                    )
            except BaseException:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def _mark_all(self) -> None:
        # One mark per thread; DISTINCT walks the checkpoints primary key, not the rows.
        await self.conn.execute("INSERT INTO rc_marks(thread_id) SELECT DISTINCT thread_id FROM checkpoints")

    async def check_triggers(self) -> bool:
        """Put the mark triggers back if another program dropped them (e.g. by recreating
        the saver's tables); every thread is then re-derived, since changes went unseen."""
        row = await self._one(
            f"SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({', '.join('?' for _ in MARK_TRIGGERS)})",
            MARK_TRIGGERS,
        )
        if int(row[0]) == len(MARK_TRIGGERS):
            return True
        await self.setup_index(mark_all=True)
        return False

    async def marked_batch(self, limit: int) -> tuple[int, list[str]]:
        """The oldest marked threads, and the newest mark id at the time of reading.

        Marks up to that id may be cleared once the threads are derived from a read made
        after this one: a change committed later carries a larger id, so it is never lost.
        Reads by primary key only: cheap even with a million marks waiting.
        """
        bound = await self.last_mark()
        if bound == 0:
            return 0, []
        rows = await self._all("SELECT thread_id FROM rc_marks ORDER BY id LIMIT ?", (limit * 8,))
        return bound, list(dict.fromkeys(r[0] for r in rows))[:limit]

    async def last_mark(self) -> int:
        """The newest mark id ever given. From sqlite_sequence, not MAX(id): once a pass has
        cleared every mark, MAX(id) falls back to 0 and a later derive would look older
        than the row it must replace (a started thread then stayed "being answered")."""
        row = await self._one("SELECT seq FROM sqlite_sequence WHERE name = 'rc_marks'")
        return int(row[0]) if row and row[0] is not None else 0

    async def pending_decision_threads(self, thread_ids: list[str]) -> set[str]:
        marks = ", ".join("?" for _ in thread_ids)
        rows = await self._all(
            f"SELECT DISTINCT thread_id FROM rc_decisions WHERE outcome = 'pending' AND thread_id IN ({marks})",
            tuple(thread_ids),
        )
        return {r[0] for r in rows}

    async def save_thread_rows(self, rows: list[dict], gone: list[str], answered: list[str], bound: int) -> None:
        """Store derived rows and clear the marks they answer, in one transaction."""
        await self._write_transaction(self._save_rows, rows, gone, answered, bound, time.time())

    async def _save_rows(self, rows, gone, answered, bound, now) -> None:
        cols = ", ".join(THREAD_COLUMNS)
        marks = ", ".join("?" for _ in THREAD_COLUMNS)
        # An upsert, not INSERT OR REPLACE: REPLACE deletes without firing delete
        # triggers, which would leave rc_counts wrong.
        updates = ", ".join(f"{c} = excluded.{c}" for c in THREAD_COLUMNS[1:])
        # Two consoles may derive one thread at once: a read that began before the stored
        # row's read (a smaller mark bound) is older and must not overwrite it. Changes
        # after either bound still have their marks, so the index converges.
        await self.conn.executemany(
            f"INSERT INTO rc_threads({cols}, updated_at, derived_mark) VALUES ({marks}, ?, ?) "
            f"ON CONFLICT(thread_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at, "
            "derived_mark = excluded.derived_mark WHERE excluded.derived_mark >= rc_threads.derived_mark",
            [tuple(row.get(c) for c in THREAD_COLUMNS) + (now, bound) for row in rows],
        )
        await self.conn.executemany("DELETE FROM rc_threads WHERE thread_id = ?", [(t,) for t in gone])
        await self.conn.executemany("DELETE FROM rc_marks WHERE thread_id = ? AND id <= ?", [(t, bound) for t in answered])

    async def thread_bytes(self, thread_id: str) -> int:
        """Bytes aget_state would decode for the thread: its latest checkpoint and that checkpoint's writes.
        Read from the row sizes, without decoding anything."""
        row = await self._one(
            "SELECT length(c.checkpoint) + COALESCE((SELECT SUM(length(w.value)) FROM writes w "
            "WHERE w.thread_id = c.thread_id AND w.checkpoint_ns = '' AND w.checkpoint_id = c.checkpoint_id), 0) "
            "FROM checkpoints c WHERE c.thread_id = ? AND c.checkpoint_ns = '' ORDER BY c.checkpoint_id DESC LIMIT 1",
            (thread_id,),
        )
        return int(row[0] or 0) if row else 0

    async def thread_row(self, thread_id: str) -> dict | None:
        row = await self._one("SELECT * FROM rc_threads WHERE thread_id = ?", (thread_id,))
        return dict(row) if row else None

    async def query(self, sql: str, params: tuple = ()) -> list[dict]:
        return [dict(r) for r in await self._all(sql, params)]

    async def has_pending_decision(self, thread_id: str) -> bool:
        row = await self._one(
            "SELECT 1 FROM rc_decisions WHERE thread_id = ? AND outcome = 'pending' LIMIT 1", (thread_id,)
        )
        return row is not None

    async def thread_count(self) -> int:
        row = await self._one("SELECT COUNT(*) FROM (SELECT DISTINCT thread_id FROM checkpoints)")
        return int(row[0])

    # ---- claims and the decision log ---------------------------------------------

    async def _write_transaction(self, body, *args):
        """BEGIN IMMEDIATE takes the database's write lock at once, so the checks
        inside `body` and its writes are atomic across connections and processes."""
        async with self._tx_lock:
            self._tx_task = asyncio.current_task()
            try:
                return await self._locked_transaction(body, *args)
            finally:
                self._tx_task = None

    async def _locked_transaction(self, body, *args):
        try:
            await self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if is_busy(exc):
                raise DatabaseBusy("The database is busy with another change. Please try again in a moment.") from exc
            raise
        try:
            result = await body(*args)
        except BaseException:
            await self.conn.execute("ROLLBACK")
            raise
        await self.conn.execute("COMMIT")
        return result

    async def claim(self, decision: dict) -> Claim | Refusal:
        """Log the decision and claim the pause it answers, only if the thread still stands there."""
        return await self._write_transaction(self._claim, decision)

    async def _claim(self, d: dict) -> Claim | Refusal:
        key = (d["thread_id"], d["checkpoint_id"], d.get("interrupt_id") or "")
        # One statement (it is on every click's path): the thread's latest checkpoint, a claim on
        # this pause and who holds it, and any decision on the thread still in flight: a second
        # resume racing the first (even on another interrupt of one checkpoint) would run the
        # graph twice from one checkpoint.
        row = await self._one(
            "SELECT (SELECT checkpoint_id FROM checkpoints WHERE thread_id = ?1 AND checkpoint_ns = '' "
            "        ORDER BY checkpoint_id DESC LIMIT 1), "
            "  c.decision_id, r.reviewer, r.decided_at, "
            "  (SELECT reviewer FROM rc_decisions WHERE thread_id = ?1 AND outcome = 'pending' AND action != 'start' "
            "   AND id NOT IN (SELECT value FROM json_each(?4)) ORDER BY id LIMIT 1), "
            "  (SELECT decided_at FROM rc_decisions WHERE thread_id = ?1 AND outcome = 'pending' AND action != 'start' "
            "   AND id NOT IN (SELECT value FROM json_each(?4)) ORDER BY id LIMIT 1) "
            "FROM (SELECT 1) LEFT JOIN rc_claims c ON c.thread_id = ?1 AND c.checkpoint_id = ?2 AND c.interrupt_id = ?3 "
            "LEFT JOIN rc_decisions r ON r.id = c.decision_id",
            key + (json.dumps(d.get("siblings") or []),),  # answers sent together do not refuse each other
        )
        latest = (row[0],) if row[0] is not None else None
        taken = (row[1], row[2], row[3]) if row[1] is not None else None
        busy = (row[4], row[5]) if row[4] is not None else None
        refusal: Refusal | None = None
        if taken is not None:
            refusal = Refusal("already answered", by=taken[1], at=taken[2])
        elif busy is not None:
            refusal = Refusal("in progress", by=busy[0], at=busy[1])
        elif latest is None:
            refusal = Refusal("thread not found")
        elif latest[0] != d["checkpoint_id"] or not d.get("question_open", True):
            last = await self._one(
                "SELECT reviewer, decided_at FROM rc_decisions WHERE thread_id = ? AND outcome IN ('applied', 'pending') "
                "ORDER BY id DESC LIMIT 1",
                (d["thread_id"],),
            )
            refusal = Refusal("moved on", by=last[0] if last else None, at=last[1] if last else None)
        outcome = "pending" if refusal is None else "refused"
        decision_id = await self._insert_decision(d, outcome, refusal.reason if refusal else None)
        if refusal is not None:
            return refusal
        await self.conn.execute(
            "INSERT INTO rc_claims(thread_id, checkpoint_id, interrupt_id, decision_id, claimed_at, writes_mark) "
            "VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(rowid), 0) FROM writes))",
            key + (decision_id, time.time()),
        )
        return Claim(decision_id)

    async def _insert_decision(self, d: dict, outcome: str, detail: str | None) -> int:
        cursor = await self.conn.execute(
            "INSERT INTO rc_decisions(decided_at, reviewer, reviewer_verified, thread_id, workflow, checkpoint_id, "
            "interrupt_id, action, answer, text_before, text_after, outcome, detail, finished_at, owner) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                utc_now(), d["reviewer"], int(bool(d.get("reviewer_verified"))), d["thread_id"], d.get("workflow"),
                d.get("checkpoint_id"), d.get("interrupt_id") or "", d["action"], json.dumps(d.get("answer"), default=str),
                d.get("text_before"), d.get("text_after"), outcome, detail,
                None if outcome == "pending" else utc_now(), self.owner,
            ),
        )
        return int(cursor.lastrowid)

    async def log_refusal(self, decision: dict, reason: str) -> None:
        """A decision refused before any claim (no permission, workflow changed)."""
        async def body():
            await self._insert_decision(decision, "refused", reason)
        await self._write_transaction(body)

    async def log_event(self, record: dict, outcome: str, detail: str | None = None) -> int:
        """A final record that answers no pause (a reset of the demo data): appended like any decision."""
        async def body():
            return await self._insert_decision(record, outcome, detail)
        return await self._write_transaction(body)

    async def finish(self, decision_id: int, outcome: str, detail: str | None = None,
                     result_checkpoint_id: str | None = None, release: bool = False) -> None:
        """Record how a claimed decision ended; release the claim when nothing was applied.
        `result_checkpoint_id=LATEST` records the thread's latest checkpoint, read in the same transaction."""
        async def body():
            if result_checkpoint_id is LATEST:
                await self.conn.execute(
                    "UPDATE rc_decisions SET outcome = ?, detail = ?, finished_at = ?, result_checkpoint_id = "
                    "(SELECT checkpoint_id FROM checkpoints WHERE thread_id = rc_decisions.thread_id "
                    " AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 1) "
                    "WHERE id = ? AND outcome = 'pending'",
                    (outcome, detail, utc_now(), decision_id),
                )
            else:
                await self.conn.execute(
                    "UPDATE rc_decisions SET outcome = ?, detail = ?, result_checkpoint_id = ?, finished_at = ? "
                    "WHERE id = ? AND outcome = 'pending'",
                    (outcome, detail, result_checkpoint_id, utc_now(), decision_id),
                )
            if release:
                await self.conn.execute("DELETE FROM rc_claims WHERE decision_id = ?", (decision_id,))
        await self._write_transaction(body)

    async def decisions(self, thread_id: str | None = None, limit: int = 5000) -> list[dict]:
        cols = ", ".join(DECISION_COLUMNS)
        if thread_id is None:
            return await self.query(f"SELECT {cols} FROM rc_decisions ORDER BY id DESC LIMIT ?", (limit,))
        return await self.query(
            f"SELECT {cols} FROM rc_decisions WHERE thread_id = ? ORDER BY id DESC LIMIT ?", (thread_id, limit)
        )

    # ---- crash recovery -------------------------------------------------------------

    async def heartbeat(self) -> None:
        async with self._turn():
            await self.conn.execute("UPDATE rc_processes SET heartbeat_at = ? WHERE owner = ?", (time.time(), self.owner))

    async def pending_decisions(self) -> list[dict]:
        """Every pending decision, with its owner's last heartbeat (None once the owner is forgotten)."""
        return await self.query(
            "SELECT d.id, d.thread_id, d.checkpoint_id, d.interrupt_id, d.action, d.owner, p.heartbeat_at "
            "FROM rc_decisions d LEFT JOIN rc_processes p ON p.owner = d.owner "
            "WHERE d.outcome = 'pending' ORDER BY d.id"
        )

    async def adopt(self, decision_id: int, old_owner: str | None) -> bool:
        """Take over a dead console's pending decision; only one recovering console wins it."""
        async def body():
            cursor = await self.conn.execute(
                "UPDATE rc_decisions SET owner = ? WHERE id = ? AND outcome = 'pending' AND owner IS ?",
                (self.owner, decision_id, old_owner),
            )
            return cursor.rowcount == 1
        return await self._write_transaction(body)

    async def answer_taken(self, thread_id: str, checkpoint_id: str, decision_id: int | None = None) -> bool:
        """Did a task at this checkpoint finish with the answer, although no new checkpoint was saved?

        With durability="sync" a finished task's writes are saved before the next
        checkpoint. Writes other than the answer itself, the question and an error
        mean the node ran to its end: LangGraph will not run it again, so the
        decision counts as applied.
        """
        # Only writes made after the claim count: with parallel branches, another branch's
        # answer (an earlier decision) leaves finished writes on this same checkpoint.
        mark_row = await self._one("SELECT writes_mark FROM rc_claims WHERE decision_id = ?", (decision_id,))
        mark = mark_row[0] if mark_row is not None and mark_row[0] is not None else 0
        row = await self._one(
            f"SELECT 1 FROM writes WHERE rowid > {int(mark)} AND thread_id = ? AND checkpoint_ns = '' AND checkpoint_id = ? "
            "AND channel NOT IN ('__resume__', '__interrupt__', '__error__') "
            "AND task_id != '00000000-0000-0000-0000-000000000000' "
            "AND (task_id IN (SELECT task_id FROM writes WHERE thread_id = ? AND checkpoint_ns = '' "
            "     AND checkpoint_id = ? AND channel IN ('__resume__', '__interrupt__'))"
            "  OR NOT EXISTS (SELECT 1 FROM writes WHERE thread_id = ? AND checkpoint_ns = '' "
            "     AND checkpoint_id = ? AND channel = '__interrupt__')) LIMIT 1",
            (thread_id, checkpoint_id) * 3,
        )
        return row is not None

    async def drop_failed_answer(self, serde, thread_id: str, checkpoint_id: str, decision_id: int | None = None) -> None:
        """Forget the answer a failed run left saved, so the next answer is used, not replayed.

        LangGraph keeps resume values in a `__resume__` write and replays them;
        after a node raised on an answer, a new answer would be ignored. The
        failed attempt's error and its last resume value are removed; earlier
        answers to the same node (step 1 of 2) stay. So are the results of
        `@task` calls the attempt made: LangGraph would replay them too,
        computed from the refused answer.

        Only writes made after the claim (rowid above its mark; LangGraph's
        INSERT OR REPLACE gives a rewritten `__resume__` row a new rowid) are
        touched: an answer refused by its response_schema was never saved, and
        the earlier answers must stay. The marks of every claim on this
        checkpoint are cleared, so answers sent together are dropped once.
        """
        async def body():
            await self.conn.execute(
                "DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = '' AND checkpoint_id = ? AND channel = '__error__'",
                (thread_id, checkpoint_id),
            )
            await self.conn.execute("INSERT INTO rc_marks(thread_id) VALUES (?)", (thread_id,))
            row = await self._one("SELECT writes_mark FROM rc_claims WHERE decision_id = ?", (decision_id,))
            if row is None or row[0] is None:
                return  # dropped already (an answer sent with this one), or nothing to go by
            mark = row[0]
            await self.conn.execute(
                "UPDATE rc_claims SET writes_mark = NULL WHERE thread_id = ? AND checkpoint_id = ?",
                (thread_id, checkpoint_id),
            )
            await self.conn.execute(
                "DELETE FROM writes WHERE thread_id = ? AND checkpoint_id = ? AND rowid > ? "
                "AND channel NOT IN ('__resume__', '__interrupt__')",
                (thread_id, checkpoint_id, mark),
            )
            rows = await self._all(
                "SELECT task_id, idx, type, value FROM writes WHERE thread_id = ? AND checkpoint_ns = '' "
                "AND checkpoint_id = ? AND channel = '__resume__' AND rowid > ?",
                (thread_id, checkpoint_id, mark),
            )
            for task_id, idx, kind, blob in rows:
                values = serde.loads_typed((kind, blob))
                if isinstance(values, list) and len(values) > 1:
                    kind, blob = serde.dumps_typed(values[:-1])
                    await self.conn.execute(
                        "UPDATE writes SET type = ?, value = ? WHERE thread_id = ? AND checkpoint_ns = '' "
                        "AND checkpoint_id = ? AND task_id = ? AND idx = ?",
                        (kind, blob, thread_id, checkpoint_id, task_id, idx),
                    )
                else:
                    await self.conn.execute(
                        "DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = '' AND checkpoint_id = ? "
                        "AND task_id = ? AND idx = ?",
                        (thread_id, checkpoint_id, task_id, idx),
                    )
        await self._write_transaction(body)

    async def claim_new_thread(self, record: dict) -> Claim | Refusal:
        """Reserve a new thread id: refused when the id exists or is being started."""
        async def body():
            exists = await self._one("SELECT 1 FROM checkpoints WHERE thread_id = ? LIMIT 1", (record["thread_id"],))
            taken = await self._one(
                "SELECT 1 FROM rc_claims WHERE thread_id = ? AND checkpoint_id = '' AND interrupt_id = 'start'",
                (record["thread_id"],),
            )
            if exists or taken:
                return Refusal("thread exists")
            decision_id = await self._insert_decision(record, "pending", None)
            await self.conn.execute(
                "INSERT INTO rc_claims(thread_id, checkpoint_id, interrupt_id, decision_id, claimed_at) VALUES (?, '', 'start', ?, ?)",
                (record["thread_id"], decision_id, time.time()),
            )
            return Claim(decision_id)
        return await self._write_transaction(body)

    async def forget_dead_processes(self, stale_after_s: float) -> None:
        async with self._turn():
            await self.conn.execute("DELETE FROM rc_processes WHERE heartbeat_at < ?", (time.time() - stale_after_s,))
