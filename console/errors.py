"""Errors the console raises on purpose: each carries a sentence a reviewer can read."""

from __future__ import annotations


class ConsoleError(Exception):
    """Base class: `str(err)` is shown to the reviewer as is."""


class DatabaseUnavailable(ConsoleError):
    """The checkpoint database cannot be opened or is not usable."""


class DatabaseBusy(ConsoleError):
    """Another writer holds the database; trying again shortly will work."""


class ThreadNotFound(ConsoleError):
    """No thread with that id."""


class InvalidAnswer(ConsoleError):
    """The reviewer's input is not acceptable; nothing was claimed or sent."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleDecision(ConsoleError):
    """The thread no longer stands where the reviewer saw it; nothing was applied."""


class NotAllowed(ConsoleError):
    """The reviewer may not make this decision."""


class CallTimedOut(ConsoleError):
    """A call into the bridge took longer than its limit."""


class ConfigurationError(ConsoleError):
    """A setting is wrong (a workflow that cannot load, an unreadable policy)."""


class ThreadUnreadable(ConsoleError):
    """The thread's saved data is not in a form the console can read (another process wrote it)."""


class ThreadTooLarge(ConsoleError):
    """The thread's saved data is too large to load without asking first."""

    def __init__(self, thread_id: str, size_bytes: int, row: dict | None):
        super().__init__(
            f"This thread holds {size_bytes / 1_000_000:,.0f} MB of saved data. Opening it takes time and memory, "
            "so it is not loaded until you ask."
        )
        self.thread_id, self.size_bytes, self.row = thread_id, size_bytes, row or {}
