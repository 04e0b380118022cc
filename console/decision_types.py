"""What a decision is made of: who decides, what they answer, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from console.threads import ThreadView


@dataclass(frozen=True)
class Reviewer:
    name: str
    verified: bool = False  # True when the identity comes from a sign-in, not a typed name
    email: str | None = None
    groups: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name if self.verified else f"{self.name} (unverified)"


# Who applies a deadline's default decision. Recognised by identity (`is`), never by name: a person
# who types this name is a typed, unverified name like any other.
DEADLINE_REVIEWER = Reviewer("the console (deadline passed)", verified=True)


@dataclass(frozen=True)
class DecisionRequest:
    thread_id: str
    checkpoint_id: str  # the checkpoint the reviewer was shown
    interrupt_id: str | None  # the interrupt answered; None for a static pause or a retry
    action: str
    inputs: dict[str, Any] = field(default_factory=dict)
    # Further interrupts of the same thread answered in the same resume: (interrupt_id, action, inputs).
    together: tuple[tuple[str, str, dict[str, Any]], ...] = ()


@dataclass
class Outcome:
    status: str  # applied | refused | failed | started
    message: str
    view: ThreadView | None = None


@dataclass(frozen=True)
class StoppedRun:
    """The last decision's run stopped short of its end, at the step the thread now waits at."""
    reviewer: str
    node: str | None
    # "crash": the console died | "lock": another program held the database | "unknown": the console died and the
    # thread moved on since (a LangGraph Server runs on by itself), so whether this decision did it is not known
    cause: str
    step_ran: bool  # that step ran to its end, but its result was not saved: a second run would repeat it

    @property
    def may_continue(self) -> bool:
        return not self.step_ran

    @property
    def sentence(self) -> str:
        if self.cause == "unknown":
            return (f"The console stopped while applying a decision by {self.reviewer}, and the thread has moved on "
                    "since: the console cannot tell whether that decision did it. Check the thread's history and "
                    "what the workflow did before you decide again.")
        if self.cause == "crash":
            first = f"The console stopped while applying a decision by {self.reviewer}."
        else:
            first = f"The database was locked by another program while a decision by {self.reviewer} was being applied."
        if self.step_ran:
            return (f"{first} “{self.node}” ran to its end, but its result could not be saved. Running it again would "
                    "repeat its work, so Continue is not offered. Check its effects; an administrator can finish the "
                    "thread outside the console.")
        return f"{first} The decision was saved, but “{self.node}” may have partly run. Check its effects before you continue."
