"""The console's own claim on a server thread's pause, in its own database, in one write transaction with the log row."""

from __future__ import annotations

import time

from console.store import Claim, Refusal, Store


async def claim(store: Store, record: dict) -> Claim | Refusal:
    """Log the decision and claim (thread, checkpoint, interrupt), unless it is answered or another decision on
    the thread is in flight. The dialect's own claim statements: the saver tables they read are empty here, so
    only the console's rows count; the server's checkpoint was checked just before (decide.py)."""
    room = store.log

    async def body():
        key = {"thread_id": record["thread_id"], "checkpoint_id": record["checkpoint_id"],
               "interrupt_id": record.get("interrupt_id") or ""}
        row = await room.db.one(room.sql.CLAIM_CHECK, {**key, "siblings": "[]"})
        refusal = None
        if row[1] is not None:
            refusal = Refusal("already answered", by=row[2], at=row[3])
        elif row[4] is not None:
            refusal = Refusal("in progress", by=row[4], at=row[5])
        decision_id = await room._insert_decision(record, "refused" if refusal else "pending",
                                                  refusal.reason if refusal else None)
        if refusal is not None:
            return refusal
        await room.db.run(room.sql.INSERT_CLAIM, {**key, "decision_id": decision_id, "claimed_at": time.time()})
        return Claim(decision_id)

    return await room.db.write(body)


async def moved_refusal(store: Store, record: dict, reason: str = "moved on") -> Refusal:
    """Why the server's thread is no longer where the reviewer saw it, in the console's own log's words, as the local
    store says it: "already answered" by whoever here answered that pause, else "moved on" after the last answer, or
    (reason "in progress": a run in flight on the server) whose decision here is being applied, if this console's."""
    room = store.log
    key = {"thread_id": record["thread_id"], "checkpoint_id": record["checkpoint_id"],
           "interrupt_id": record.get("interrupt_id") or ""}
    row = await room.db.one(room.sql.CLAIM_CHECK, {**key, "siblings": "[]"})
    if row is not None and row[1] is not None:
        return Refusal("already answered", by=row[2], at=row[3])
    if reason == "in progress":  # a run started elsewhere (Agent Inbox, the API) is in no log here: said without a name
        return Refusal("in progress", by=row[4] if row else None, at=row[5] if row else None)
    last = await room.db.one(room.sql.LAST_ANSWER, {"thread_id": record["thread_id"]})
    return Refusal("moved on", by=last[0] if last else None, at=last[1] if last else None)
