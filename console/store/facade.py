"""The Store: one connection and the three rooms on it (index, decision log, processes), under the callers' names."""

from __future__ import annotations

from types import ModuleType

import console.store.sqlite_schema as sqlite_schema
import console.store.sqlite_sql as sqlite_sql
from console.store.db import Db
from console.store.decision_log import DecisionLog
from console.store.index import Index
from console.store.processes import Processes, new_owner
from console.store.sqlite_driver import SqliteDriver


class Store:
    """The console's own tables beside the saver's, on its own connection (on the bridge loop),
    separate from the saver's, so its transactions never interleave with LangGraph's statements.

    `sql` and `schema` are one dialect's modules (sqlite_* or postgres_*): each room runs
    that dialect's statements as they are written. The callers (console/service.py,
    console/decisions.py) call the rooms' methods through the names bound below.
    """

    def __init__(self, db: Db, sql: ModuleType, schema: ModuleType) -> None:
        self.db, self.schema = db, schema
        self.owner = new_owner()
        self.index = Index(db, sql, schema, self.owner)
        self.log = DecisionLog(db, sql, self.owner)
        self.processes = Processes(db, sql, self.owner)
        # The callers' names, each served by one room (no logic here: the room owns it).
        self.setup_index = self.index.setup
        self.check_triggers = self.index.check_triggers
        self.marked_batch = self.index.marked_batch
        self.claim_marked = self.index.claim_marked
        self.last_mark = self.index.last_mark
        self.save_thread_rows = self.index.save_thread_rows
        self.begin_bulk = self.index.begin_bulk
        self.end_bulk = self.index.end_bulk
        self.thread_bytes = self.index.thread_bytes
        self.thread_row = self.index.thread_row
        self.thread_stamp = self.index.thread_stamp
        self.thread_count = self.index.thread_count
        self.latest_rows = self.index.latest_rows
        self.checkpoint_rows = self.index.checkpoint_rows

        self.claim = self.log.claim
        self.claim_new_thread = self.log.claim_new_thread
        self.finish = self.log.finish
        self.log_refusal = self.log.log_refusal
        self.log_event = self.log.log_event
        self.decisions = self.log.decisions
        self.has_pending_decision = self.log.has_pending_decision
        self.pending_decision_threads = self.log.pending_decision_threads
        self.answer_taken = self.log.answer_taken
        self.drop_failed_answer = self.log.drop_failed_answer
        self.pending_decisions = self.log.pending_decisions
        self.adopt = self.log.adopt

        self.heartbeat = self.processes.heartbeat
        self.forget_dead_processes = self.processes.forget_dead_processes

    @classmethod
    async def open(cls, path: str, busy_timeout_s: float) -> "Store":
        """The store on a SQLite file (PostgreSQL: console.store.postgres.open_postgres)."""
        return cls(Db(await SqliteDriver.connect(path, busy_timeout_s)), sqlite_sql, sqlite_schema)

    async def setup(self) -> None:
        """Create or upgrade the console's tables (a fresh index re-derives every thread); say this process is alive."""
        await self.schema.setup(self.db)
        await self.processes.register()

    def seeding(self):
        """A turn for the demo seed's "empty? then fill": one replica at a time."""
        return self.schema.seeding(self.db)

    async def close(self) -> None:
        try:
            await self.processes.unregister()
        finally:
            await self.db.close()
