"""Test-only workflows: a side effect we can count, nodes that fail on purpose, a typed answer.

Registered with Settings(extra_workflows=FLOWS) (the REVIEW_CONSOLE_WORKFLOWS
mechanism), so the console treats them like any user's workflow.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from typing import TypedDict

from langgraph.func import task
from langgraph.graph import StateGraph
from langgraph.types import interrupt
from pydantic import BaseModel, field_validator

from workflows.common import in_order
from workflows.spec import WorkflowSpec


class State(TypedDict, total=False):
    draft: str
    effects: str  # file the side effect appends to: one line per run of `effect`
    slow_ms: int  # widens the windows a kill can land in (fault test only)
    status: str
    count: int
    tags: list
    copies: int
    left: str
    right: str


def _nap(state: State) -> None:
    if state.get("slow_ms"):
        time.sleep(state["slow_ms"] / 1000)


# ---- counted: ask → effect; `effect` appends a line we count --------------------------------

# In-process tests hook in here, e.g. to lock the database while the answer is being saved.
HOOKS: dict = {}


def ask(state: State) -> State:
    answer = interrupt({"draft": state["draft"], "message": "Approve to run the side effect."})
    _nap(state)
    if HOOKS.get("after_answer"):
        HOOKS["after_answer"]()
    if "boom" in (answer.get("draft") or ""):
        raise ValueError("The draft must not say boom.")
    return {"status": "approved" if answer.get("approved") else "rejected", "draft": answer.get("draft") or state["draft"]}


def effect(state: State) -> State:
    # O_APPEND: lines from several processes never interleave.
    fd = os.open(state["effects"], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        os.write(fd, f"{state['status']}\n".encode())
    finally:
        os.close(fd)
    _nap(state)
    return {"status": f"{state['status']}+effect"}


def build_counted() -> StateGraph:
    return in_order(State, ask, effect)


COUNTED = WorkflowSpec(name="counted", title="Counted", description="Test: a side effect after an interrupt.",
                       builder=build_counted, make_input=json.loads)
# The same workflow after a code change: threads paused on version 1 must not be answered by it.
COUNTED_V2 = dataclasses.replace(COUNTED, version="2")


# ---- flaky: a node after the interrupt fails once, then works ------------------------------

FAILS_LEFT = {"n": 0}


def finish(state: State) -> State:
    if FAILS_LEFT["n"] > 0:
        FAILS_LEFT["n"] -= 1
        raise RuntimeError("The printer is offline.")
    return {"status": "printed"}


def build_flaky() -> StateGraph:
    return in_order(State, ask, finish)


FLAKY = WorkflowSpec(name="flaky", title="Flaky", description="Test: a node that fails once.",
                     builder=build_flaky, make_input=json.loads)


# ---- typed: interrupt() with a Pydantic response_schema ------------------------------------

class Order(BaseModel):
    copies: int
    note: str = ""

    @field_validator("copies")
    @classmethod
    def at_most_ten(cls, value: int) -> int:
        # Not in the JSON Schema the console sees: only LangGraph's validation refuses it.
        if value > 10:
            raise ValueError("We print at most 10 copies.")
        return value


def order(state: State) -> State:
    got = interrupt({"message": "How many copies?"}, response_schema=Order)
    return {"copies": got.copies, "status": "ordered"}


def build_typed() -> StateGraph:
    return in_order(State, order)


TYPED = WorkflowSpec(name="typed", title="Typed", description="Test: an answer checked by a schema.",
                     builder=build_typed, make_input=json.loads)


# ---- gate: a static pause before a node, over values of several types ----------------------

def prepare(state: State) -> State:
    return {"count": 3, "tags": ["a", "b"], "status": "prepared"}


def publish(state: State) -> State:
    return {"status": f"published {state['count']}"}


def build_gate() -> StateGraph:
    return in_order(State, prepare, publish)


GATE = WorkflowSpec(name="gate", title="Gate", description="Test: pause before publish.", builder=build_gate,
                    compile_options={"interrupt_before": ["publish"]}, make_input=json.loads)


# ---- tasky: the answer goes through a @task, whose result LangGraph saves and replays ---------

@task
def shout(text: str) -> str:
    return text.upper()


def loud(state: State) -> State:
    answer = interrupt({"draft": state["draft"], "message": "Edit, then it is shouted."})
    shouted = shout(answer.get("draft") or state["draft"]).result()
    if "BOOM" in shouted:
        raise ValueError("The draft must not say boom.")
    return {"draft": shouted, "status": "shouted"}


def build_tasky() -> StateGraph:
    return in_order(State, loud)


TASKY = WorkflowSpec(name="tasky", title="Tasky", description="Test: an answer through a @task.", builder=build_tasky,
                     make_input=json.loads)


# ---- odd: a payload of several MB with values JSON cannot hold ------------------------------

def odd(state: State) -> State:
    from datetime import datetime, timezone
    from decimal import Decimal

    interrupt({"message": "Look at this.", "big": "lorem ipsum " * 300_000, "when": datetime(2026, 1, 2, tzinfo=timezone.utc),
               "tags": {"b", "a"}, "blob": b"\x00\xff", "price": Decimal("1.50")})
    return {"status": "seen"}


def build_odd() -> StateGraph:
    return in_order(State, odd)


ODD = WorkflowSpec(name="odd", title="Odd", description="Test: a big, non-JSON payload.", builder=build_odd,
                   make_input=json.loads)


# ---- forked: two questions on one checkpoint (parallel branches), then a counted join --------

def left(state: State) -> State:
    answer = interrupt({"draft": "left", "message": "Left side?"})
    if HOOKS.get("in_left"):
        HOOKS.pop("in_left")()  # once: holds the first run while a test sends a second resume
    return {"left": "yes" if answer.get("approved") else "no"}


def right(state: State) -> State:
    answer = interrupt({"draft": "right", "message": "Right side?"})
    return {"right": "yes" if answer.get("approved") else "no"}


def joined(state: State) -> State:
    return effect({**state, "status": f"{state.get('left')}/{state.get('right')}"})


def build_forked() -> StateGraph:
    graph = StateGraph(State)
    for name, node in (("left", left), ("right", right), ("joined", joined)):
        graph.add_node(name, node)
    graph.add_edge("__start__", "left")
    graph.add_edge("__start__", "right")
    graph.add_edge(["left", "right"], "joined")
    return graph


FORKED = WorkflowSpec(name="forked", title="Forked", description="Test: two questions on one checkpoint.",
                      builder=build_forked, make_input=json.loads)


FLOWS = ("tests.flows:COUNTED", "tests.flows:FLAKY", "tests.flows:TYPED", "tests.flows:GATE", "tests.flows:ODD", "tests.flows:TASKY",
         "tests.flows:FORKED")
FLOWS_V2 = ("tests.flows:COUNTED_V2", "tests.flows:FLAKY", "tests.flows:TYPED", "tests.flows:GATE", "tests.flows:ODD", "tests.flows:TASKY")
