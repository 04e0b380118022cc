"""What the store's rooms hand back and share: claims, refusals, versions, column lists, busy errors."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

# Claims, the decision log and processes; the thread index has its own version (it is derived data).
SCHEMA_VERSION = 2  # 2: rc_decisions.changes (an edit's field-level diff)
# The thread index: dropped and rebuilt from the saver's tables when older than this.
INDEX_VERSION = 2

THREAD_COLUMNS = (
    "thread_id", "workflow", "workflow_version", "status", "pause_kind", "waiting_node",
    "preview", "checkpoint_id", "waiting_since", "error", "interrupt_count",
)

DECISION_COLUMNS = (
    "id", "decided_at", "reviewer", "reviewer_verified", "thread_id", "workflow", "checkpoint_id",
    "interrupt_id", "action", "answer", "text_before", "text_after", "outcome", "detail",
    "result_checkpoint_id", "finished_at", "changes",
)

LATEST: Any = object()  # finish(): "the thread's latest checkpoint", read inside the transaction


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Busy(sqlite3.OperationalError):
    """A PostgreSQL lock wait ran out. A subclass of SQLite's error, so that one busy check
    (`is_busy`, and the callers' `except sqlite3.OperationalError`) serves both stores."""


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


def like_pattern(text: str) -> str:
    """`%text%` for LIKE / ILIKE … ESCAPE '\\': the text's own % _ and \\ match themselves."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
