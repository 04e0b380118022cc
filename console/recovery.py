"""Settling decisions whose run did not end cleanly: from the checkpoints, never by running anything again."""

from __future__ import annotations

import logging
import os
import socket
import time

from console.indexer import Indexer
from console.threads import ThreadView
from console.threads_reader import ThreadReader

log = logging.getLogger("review_console")

ORPHAN_AFTER_S = 10.0
# Logged on a decision a crashed console left half-way; the thread page warns about it.
STOPPED_MID_RUN = "The console stopped while applying this decision."
# Logged when another program held the database locked during the run (the console itself went on).
LOCKED_MID_RUN = "The database was locked by another program during the run, so not all of it could be saved."
# Added when the step the thread now waits at ran to its end in that run: running it again would repeat its work.
STEP_RAN_UNSAVED = "ran to its end, but its result could not be saved"


class Recovery:
    """Owns the decisions of this process whose outcome could not be written yet, and why."""

    def __init__(self, store, saver, reader: ThreadReader, indexer: Indexer) -> None:
        self.store = store
        self.saver = saver
        self.reader = reader
        self.indexer = indexer
        self._unsettled: dict[int, str] = {}  # decision id → what really happened, for the log

    def later(self, decision_id: int, story: str) -> None:
        """The outcome of this decision could not be written now (database busy): settle it on the next pass."""
        self._unsettled[decision_id] = story

    async def answer_taken(self, thread_id: str, checkpoint_id: str, interrupt_id: str | None,
                           decision_id: int | None = None) -> tuple[bool, ThreadView | None]:
        """Did the graph take the decision? The checkpoint moved on, or a node finished with it at that
        checkpoint, or (two interrupts in one node) the node went on to its next question."""
        view = await self.reader.load(thread_id)
        if view is None:
            return False, None
        if view.checkpoint_id != checkpoint_id or await self.store.answer_taken(thread_id, checkpoint_id, decision_id):
            return True, view
        if interrupt_id and view.interrupts and all(i.id != interrupt_id for i in view.interrupts):
            return True, view
        return False, view

    async def settle(self, decision_id: int, thread_id: str, checkpoint_id: str, interrupt_id: str | None,
                     error: str | None, not_taken_outcome: str) -> tuple[bool, ThreadView | None]:
        """Make the log agree with the checkpoints: applied if the graph took the answer; otherwise
        forget any answer it saved and release the claim, so the pause can be answered again."""
        taken, view = await self.answer_taken(thread_id, checkpoint_id, interrupt_id, decision_id)
        if taken:
            await self.store.finish(decision_id, "applied", f"then: {error}" if error else None,
                                    result_checkpoint_id=view.checkpoint_id if view else None)
        else:
            if interrupt_id and view is not None:
                await self.store.drop_failed_answer(self.saver.serde, thread_id, checkpoint_id, decision_id)
            await self.store.finish(decision_id, not_taken_outcome, error, release=True)
        await self.indexer.derive(only=[thread_id])
        return taken, await self.reader.load(thread_id)

    async def heal_saver(self) -> None:
        """AsyncSqliteSaver does not roll back when a write fails ("database is locked"): its
        connection stays in a transaction on a stale snapshot, and every later write fails too."""
        if not hasattr(self.saver.conn, "in_transaction"):
            return  # PostgreSQL: the saver's pooled connections are autocommit; psycopg rolls back a failed pipeline
        async with self.saver.lock:
            if self.saver.conn.in_transaction:
                await self.saver.conn.rollback()

    async def recover_orphans(self) -> None:
        """Decisions left pending by a console that died (or by this one, when finishing failed): settle them."""
        now = time.time()
        for d in await self.store.pending_decisions():
            if d["owner"] == self.store.owner:
                orphan = d["id"] in self._unsettled  # never one still running here
            else:
                host, pid = _owner_host_pid(d["owner"])
                dead_here = host == socket.gethostname() and pid is not None and not _alive(pid)
                silent = d["heartbeat_at"] is None or now - d["heartbeat_at"] > ORPHAN_AFTER_S
                orphan = dead_here or silent
            if orphan and (d["owner"] == self.store.owner or await self.store.adopt(d["id"], d["owner"])):
                try:
                    await self._recover_one(d, self._unsettled.get(d["id"], STOPPED_MID_RUN))
                    self._unsettled.pop(d["id"], None)
                except Exception as exc:  # tried again on the next pass
                    log.warning("could not recover decision %s: %r", d["id"], exc)
        await self.store.forget_dead_processes(ORPHAN_AFTER_S * 6)

    async def _recover_one(self, d: dict, story: str) -> None:
        """Never re-runs the graph: a node that may have had its side effect is left for a person to continue."""
        await self.heal_saver()
        if d["action"] == "start":
            view = await self.reader.load(d["thread_id"])
            if view is None:
                await self.store.finish(d["id"], "not applied", "The console stopped before this thread was started.",
                                        release=True)
            else:  # it exists and stands where the run stopped; the claim stays, as the id is taken
                await self.store.finish(d["id"], "applied", story, result_checkpoint_id=view.checkpoint_id)
            await self.indexer.derive(only=[d["thread_id"]])
            return
        taken, view = await self.settle(d["id"], d["thread_id"], d["checkpoint_id"], d["interrupt_id"] or None,
                                        story, "not applied")
        if taken and view is not None and view.status == "waiting":
            log.info("thread %s was recovered at %s; a reviewer decides whether it goes on", d["thread_id"], view.waiting_node)


def _owner_host_pid(owner: str | None) -> tuple[str, int | None]:
    host, _, rest = (owner or "").partition(":")
    pid = rest.split(":")[0]
    return host, int(pid) if pid.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
