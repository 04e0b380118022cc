"""The claims and decision log room: a decision is logged and its pause claimed in one write transaction."""

from __future__ import annotations

import json
import time
from types import ModuleType

from console.store.db import Db
from console.store.records import LATEST, Claim, Refusal, utc_now


class DecisionLog:
    """rc_claims and rc_decisions. `owner` names this console process in the log (for crash recovery)."""

    def __init__(self, db: Db, sql: ModuleType, owner: str) -> None:
        self.db, self.sql, self.owner = db, sql, owner

    async def claim(self, decision: dict) -> Claim | Refusal:
        """Log the decision and claim the pause it answers, only if the thread still stands there."""
        return await self.db.write(self._claim, decision, lock=decision["thread_id"])

    async def _claim(self, d: dict) -> Claim | Refusal:
        key = {"thread_id": d["thread_id"], "checkpoint_id": d["checkpoint_id"], "interrupt_id": d.get("interrupt_id") or ""}
        # Any decision on the thread still in flight refuses this one: a second resume racing the
        # first (even on another interrupt of one checkpoint) would run the graph twice from one
        # checkpoint. Answers sent together (siblings) do not refuse each other.
        row = await self.db.one(self.sql.CLAIM_CHECK, {**key, "siblings": json.dumps(d.get("siblings") or [])})
        latest, taken, busy = row[0], row[1] is not None, row[4] is not None
        refusal: Refusal | None = None
        if taken:
            refusal = Refusal("already answered", by=row[2], at=row[3])
        elif busy:
            refusal = Refusal("in progress", by=row[4], at=row[5])
        elif latest is None:
            refusal = Refusal("thread not found")
        elif latest != d["checkpoint_id"] or not d.get("question_open", True):
            last = await self.db.one(self.sql.LAST_ANSWER, {"thread_id": d["thread_id"]})
            refusal = Refusal("moved on", by=last[0] if last else None, at=last[1] if last else None)
        outcome = "pending" if refusal is None else "refused"
        decision_id = await self._insert_decision(d, outcome, refusal.reason if refusal else None)
        if refusal is not None:
            return refusal
        await self.db.run(self.sql.INSERT_CLAIM, {**key, "decision_id": decision_id, "claimed_at": time.time()})
        return Claim(decision_id)

    async def _thread_of(self, decision_id: int) -> str:
        """The thread a decision is on: its writes take that thread's turn (console/store/db.py)."""
        row = await self.db.one(self.sql.THREAD_OF_DECISION, {"decision_id": decision_id})
        return row[0] if row is not None else ""

    async def _insert_decision(self, d: dict, outcome: str, detail: str | None) -> int:
        row = await self.db.one(self.sql.INSERT_DECISION, {
            "decided_at": utc_now(), "reviewer": d["reviewer"], "reviewer_verified": int(bool(d.get("reviewer_verified"))),
            "thread_id": d["thread_id"], "workflow": d.get("workflow"), "checkpoint_id": d.get("checkpoint_id"),
            "interrupt_id": d.get("interrupt_id") or "", "action": d["action"],
            "answer": json.dumps(d.get("answer"), default=str), "text_before": d.get("text_before"),
            "text_after": d.get("text_after"), "outcome": outcome, "detail": detail,
            "finished_at": None if outcome == "pending" else utc_now(), "owner": self.owner,
            # An edit's diff, as the reviewer confirmed it: [] is an edit that changed nothing.
            "changes": None if d.get("changes") is None else json.dumps(d["changes"], default=str),
        })
        return int(row[0])

    async def log_refusal(self, decision: dict, reason: str) -> None:
        """A decision refused before any claim (no permission, workflow changed)."""
        await self.db.write(self._insert_decision, decision, "refused", reason, lock=decision.get("thread_id") or "")

    async def log_event(self, record: dict, outcome: str, detail: str | None = None) -> int:
        """A final record that answers no pause (a reset of the demo data): appended like any decision."""
        return await self.db.write(self._insert_decision, record, outcome, detail)

    async def finish(self, decision_id: int, outcome: str, detail: str | None = None,
                     result_checkpoint_id: str | None = None, release: bool = False) -> None:
        """Record how a claimed decision ended; release the claim when nothing was applied.
        `result_checkpoint_id=LATEST` records the thread's latest checkpoint, read in the same transaction."""
        params = {"outcome": outcome, "detail": detail, "finished_at": utc_now(), "decision_id": decision_id}

        async def body():
            if result_checkpoint_id is LATEST:
                await self.db.run(self.sql.FINISH_AT_LATEST, params)
            else:
                await self.db.run(self.sql.FINISH, {**params, "result_checkpoint_id": result_checkpoint_id})
            if release:
                await self.db.run(self.sql.RELEASE_CLAIM, {"decision_id": decision_id})
        await self.db.write(body, lock=await self._thread_of(decision_id))

    async def decisions(self, thread_id: str | None = None, limit: int = 5000) -> list[dict]:
        if thread_id is None:
            return await self.db.dicts(self.sql.DECISIONS, {"limit": limit})
        return await self.db.dicts(self.sql.DECISIONS_OF_THREAD, {"thread_id": thread_id, "limit": limit})

    async def has_pending_decision(self, thread_id: str) -> bool:
        return await self.db.one(self.sql.HAS_PENDING, {"thread_id": thread_id}) is not None

    async def pending_decision_threads(self, thread_ids: list[str]) -> set[str]:
        """Which of these threads a decision is answering right now (the index shows them as running)."""
        rows = await self.db.all(self.sql.PENDING_THREADS, {"thread_ids": json.dumps(thread_ids)})
        return {r[0] for r in rows}

    async def claim_new_thread(self, record: dict) -> Claim | Refusal:
        """Reserve a new thread id: refused when the id exists or is being started."""
        async def body():
            where = {"thread_id": record["thread_id"]}
            if await self.db.one(self.sql.THREAD_EXISTS, where) or await self.db.one(self.sql.START_TAKEN, where):
                return Refusal("thread exists")
            decision_id = await self._insert_decision(record, "pending", None)
            await self.db.run(self.sql.INSERT_START_CLAIM, {**where, "decision_id": decision_id, "claimed_at": time.time()})
            return Claim(decision_id)
        return await self.db.write(body, lock=record["thread_id"])

    # ---- what a claimed run left in the saver's writes --------------------------------------

    async def _claim_mark(self, decision_id: int | None):
        row = await self.db.one(self.sql.CLAIM_MARK, {"decision_id": decision_id})
        return row[0] if row is not None else None

    async def answer_taken(self, thread_id: str, checkpoint_id: str, decision_id: int | None = None) -> bool:
        """Did a task at this checkpoint finish with the answer, although no new checkpoint was saved?

        With durability="sync" a finished task's writes are saved before the next
        checkpoint. Writes other than the answer itself, the question and an error
        mean the node ran to its end: LangGraph will not run it again, so the
        decision counts as applied.
        """
        # Only writes made after the claim count: with parallel branches, another branch's
        # answer (an earlier decision) leaves finished writes on this same checkpoint.
        mark = await self._claim_mark(decision_id) or 0
        row = await self.db.one(self.sql.ANSWER_TAKEN, {"thread_id": thread_id, "checkpoint_id": checkpoint_id,
                                                         "mark": int(mark)})
        return row is not None

    async def drop_failed_answer(self, serde, thread_id: str, checkpoint_id: str, decision_id: int | None = None) -> None:
        """Forget the answer a failed run left saved, so the next answer is used, not replayed.

        LangGraph keeps resume values in a `__resume__` write and replays them;
        after a node raised on an answer, a new answer would be ignored. The
        failed attempt's error and its last resume value are removed; earlier
        answers to the same node (step 1 of 2) stay. So are the results of
        `@task` calls the attempt made: LangGraph would replay them too,
        computed from the refused answer.

        Only writes made after the claim (above its mark: SQLite's rowid, which
        LangGraph's INSERT OR REPLACE renews for a rewritten `__resume__` row, or
        PostgreSQL's rc_seq, renewed by a trigger) are touched: an answer
        refused by its response_schema was never saved, and the earlier answers
        must stay. The marks of every claim on this checkpoint are cleared, so
        answers sent together are dropped once.
        """
        here = {"thread_id": thread_id, "checkpoint_id": checkpoint_id}

        async def body():
            await self.db.run(self.sql.DROP_ERROR, here)
            await self.db.run(self.sql.MARK_THREAD, {"thread_id": thread_id})
            mark = await self._claim_mark(decision_id)
            if mark is None:
                return  # dropped already (an answer sent with this one), or nothing to go by
            after = {**here, "mark": mark}
            await self.db.run(self.sql.CLEAR_CLAIM_MARKS, here)
            await self.db.run(self.sql.DROP_WRITES_AFTER, after)
            for task_id, idx, kind, blob in await self.db.all(self.sql.RESUMES_AFTER, after):
                values = serde.loads_typed((kind, blob))
                write = {**here, "task_id": task_id, "idx": idx}
                if isinstance(values, list) and len(values) > 1:
                    kind, blob = serde.dumps_typed(values[:-1])
                    await self.db.run(self.sql.REWRITE_RESUME, {**write, "type": kind, "value": blob})
                else:
                    await self.db.run(self.sql.DROP_RESUME, write)
        await self.db.write(body, lock=thread_id)

    # ---- after a crash: what a dead console left pending --------------------------------

    async def pending_decisions(self) -> list[dict]:
        """Every pending decision, with its owner's last heartbeat (None once the owner is forgotten)."""
        return await self.db.dicts(self.sql.PENDING_DECISIONS)

    async def adopt(self, decision_id: int, old_owner: str | None) -> bool:
        """Take over a dead console's pending decision; only one recovering console wins it."""
        async def body():
            changed = await self.db.run(self.sql.ADOPT, {"owner": self.owner, "decision_id": decision_id,
                                                          "old_owner": old_owner})
            return changed == 1
        return await self.db.write(body, lock=await self._thread_of(decision_id))
