"""Reviewers' comments on a thread: written, read back in order, and exported with the decision log."""

from __future__ import annotations

import pandas as pd

from console.errors import InvalidAnswer
from console.store import queue_sql
from console.store.records import utc_now

MAX_CHARS = 4000  # a note, not a document: the page shows every comment in full

COLUMNS = ["written_at", "reviewer", "comment"]


def check_comment(text: str) -> str:
    body = (text or "").strip()
    if not body:
        raise InvalidAnswer("Write something first: an empty comment is not saved.", "comment")
    if len(body) > MAX_CHARS:
        raise InvalidAnswer(f"A comment holds at most {MAX_CHARS:,} characters; this one has {len(body):,}.", "comment")
    if "\x00" in body:  # psycopg refuses it; SQLite would keep a text no page shows in full
        raise InvalidAnswer("The comment contains an invisible NUL character. Remove it and save again.", "comment")
    return body


class Comments:
    """rc_comments on the store's connection; rows are never changed or deleted (triggers say so)."""

    def __init__(self, store) -> None:
        self.store, self.sql = store, queue_sql.for_store(store)

    async def add(self, thread_id: str, reviewer: str, verified: bool, text: str) -> int:
        body = check_comment(text)
        row = await self.store.db.write(self.store.db.one, self.sql.ADD_COMMENT, {
            "thread_id": thread_id, "written_at": utc_now(), "reviewer": reviewer, "verified": int(bool(verified)), "body": body})
        return int(row[0])

    async def of_thread(self, thread_id: str) -> list[dict]:
        return await self.store.db.dicts(self.sql.COMMENTS, {"thread_id": thread_id})


def comments_frame(rows: list[dict]) -> pd.DataFrame:
    """Oldest first; typed (demo) names marked as unverified, as in the decision log."""
    return pd.DataFrame([{"written_at": r["written_at"], "reviewer": r["reviewer"] if r["reviewer_verified"] else f"{r['reviewer']} (unverified)",
                          "comment": r["body"]} for r in rows], columns=COLUMNS)


def with_comments(decisions: pd.DataFrame, comments: pd.DataFrame) -> pd.DataFrame:
    """One export: every decision and every comment of a thread, in time order, with what each row is."""
    log = decisions.assign(entry="decision").rename(columns={"decided_at": "when"}) if not decisions.empty else pd.DataFrame()
    notes = comments.assign(entry="comment").rename(columns={"written_at": "when"}) if not comments.empty else pd.DataFrame()
    both = pd.concat([f for f in (log, notes) if not f.empty], ignore_index=True) if not (log.empty and notes.empty) else pd.DataFrame(columns=["entry", "when"])
    front = ["entry", "when", "reviewer"]
    ordered = both[[c for c in front if c in both.columns] + [c for c in both.columns if c not in front]]
    return ordered.sort_values("when", kind="stable").reset_index(drop=True) if "when" in ordered.columns else ordered
