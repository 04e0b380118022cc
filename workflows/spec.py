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
    input_label: str = "Input"  # the Start page's field label (one-field specs)
    make_input: Callable[[str], dict[str, Any]] = lambda text: {"input": text}
    demo_inputs: tuple[str, ...] = ()  # seeded as demo threads on an empty database
    # A workflow that is already a graph (a Functional API @entrypoint): given the console's
    # checkpointer, returns the graph to run. When set, `builder` is not compiled.
    attach: Callable[[Any], Any] | None = None
    # The Start form asks for the graph's input keys (its input JSON Schema) instead of one text.
    schema_inputs: bool = False
    start_key: str | None = None  # schema_inputs: ask only for this key (the entry's ?input=…)
    entry: str = ""  # the REVIEW_CONSOLE_WORKFLOWS entry it came from ("" for built-in ones)
    notes: tuple[str, ...] = ()  # things the console did that a team should know (logged, shown by `check`)
    step_titles: dict[str, str] = field(default_factory=dict)  # node name → what reviewers read ("parent:child" inside a subgraph)

    def compile(self, checkpointer: Any) -> Any:
        """The runnable graph, on the console's checkpointer."""
        if self.attach is not None:
            return self.attach(checkpointer)
        return self.builder().compile(checkpointer=checkpointer, **self.compile_options)
