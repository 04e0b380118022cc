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
