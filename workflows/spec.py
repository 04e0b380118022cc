"""What the console needs to know about a workflow: how to build it and how to start it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class WorkflowSpec:
    name: str  # stable id, stored on every thread this workflow runs
    title: str  # what reviewers read
    description: str
    builder: Callable[[], Any]  # returns an uncompiled StateGraph
    version: str = "1"  # bump when a change would confuse threads paused on the old code
    compile_options: dict[str, Any] = field(default_factory=dict)  # interrupt_before/after
    input_label: str = "Input"  # the Start page's field label
    make_input: Callable[[str], dict[str, Any]] = lambda text: {"input": text}
    demo_inputs: tuple[str, ...] = ()  # seeded as demo threads on an empty database
    step_titles: dict[str, str] = field(default_factory=dict)  # node name → what reviewers read ("parent:child" inside a subgraph)
