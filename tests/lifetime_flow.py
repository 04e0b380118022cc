"""Test-only workflow for the console's lifetime: a side effect that waits for the test's go-ahead."""

from __future__ import annotations

import json
import os
import time
from typing import TypedDict

from langgraph.types import interrupt

from workflows.common import in_order
from workflows.spec import WorkflowSpec

GATE_WAIT_S = 90  # the step gives up waiting for the gate file after this long (a failed test, not a hang)


class State(TypedDict, total=False):
    draft: str
    log: str  # file the step appends "started" and "done" to
    gate: str  # file whose appearance lets the step finish
    status: str


def _note(path: str, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


def ask(state: State) -> State:
    answer = interrupt({"draft": state["draft"], "message": "Approve to run the slow side effect."})
    return {"status": "approved" if answer.get("approved") else "rejected"}


def slow_effect(state: State) -> State:
    # Held open until the test has done what it must do while a run is in flight.
    _note(state["log"], "started")
    deadline = time.monotonic() + GATE_WAIT_S
    while not os.path.exists(state["gate"]) and time.monotonic() < deadline:
        time.sleep(0.02)
    _note(state["log"], "done")
    return {"status": f"{state['status']}+effect"}


SLOW = WorkflowSpec(name="slow_effect", title="Slow effect", description="Test: a side effect held open by the test.",
                    builder=lambda: in_order(State, ask, slow_effect), make_input=json.loads)
ENTRY = "tests.lifetime_flow:SLOW"
