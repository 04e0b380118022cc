"""The one list of workflows the console knows: the demo ones plus any named in settings."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from functools import partial
from urllib.parse import parse_qs

from langgraph.graph import StateGraph

from workflows import (
    agent_inbox_review, content_approval, gated_publication, hitl_agent, open_question, parallel_review,
    refund_decision, two_stage_review,
)
from workflows.spec import WorkflowSpec

DEMO_WORKFLOWS: tuple[WorkflowSpec, ...] = (
    content_approval.SPEC,
    gated_publication.SPEC,
    two_stage_review.SPEC,
    # One per interrupt format the console understands (README, "Interrupt formats").
    agent_inbox_review.SPEC,
    hitl_agent.SPEC,
    hitl_agent.PER_CALL_SPEC,
    refund_decision.SPEC,
    parallel_review.SPEC,
    open_question.SPEC,
)


class WorkflowLoadError(ValueError):
    pass


def _split_list(raw: list[str]) -> list[str]:
    return [name for value in raw for name in value.replace(";", " ").split() if name]


def load_entry(entry: str) -> WorkflowSpec:
    """Load "package.module:attribute[?interrupt_before=a;b&interrupt_after=c&name=…&title=…&version=…&input=…]".

    The attribute is a WorkflowSpec, an uncompiled StateGraph, a compiled graph
    (its builder and static pauses are reused), or a function returning a StateGraph.
    """
    target, _, query = entry.partition("?")
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise WorkflowLoadError(f"'{entry}' is not of the form package.module:attribute")
    try:
        obj = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise WorkflowLoadError(f"cannot load '{target}': {exc}") from exc
    options = parse_qs(query)
    if isinstance(obj, WorkflowSpec):
        return obj
    compile_options: dict[str, list[str]] = {}
    builder = obj
    if hasattr(obj, "builder") and isinstance(getattr(obj, "builder"), StateGraph):
        graph = obj.builder
        builder = lambda graph=graph: graph  # noqa: E731
        for key, attr in (("interrupt_before", "interrupt_before_nodes"), ("interrupt_after", "interrupt_after_nodes")):
            nodes = list(getattr(obj, attr, None) or [])
            if nodes:
                compile_options[key] = nodes
    elif isinstance(obj, StateGraph):
        builder = lambda graph=obj: graph  # noqa: E731
    elif not callable(obj):
        raise WorkflowLoadError(f"'{target}' is neither a StateGraph nor a function returning one")
    for key in ("interrupt_before", "interrupt_after"):
        if key in options:
            compile_options[key] = _split_list(options[key])
    name = options.get("name", [attribute if attribute not in ("build", "graph", "builder") else module_name.rsplit(".", 1)[-1]])[0]
    return WorkflowSpec(
        name=name,
        title=options.get("title", [name.replace("_", " ").capitalize()])[0],
        description=f"Your workflow, loaded from {target}.",
        builder=builder,
        version=options.get("version", ["1"])[0],
        compile_options=compile_options,
        input_label="Input (a JSON object, or plain text)",
        make_input=partial(_json_or_text, key=options.get("input", ["input"])[0]),
    )


def _json_or_text(text: str, key: str) -> dict:
    """The Start page's text: a JSON object is the graph's input; anything else goes in one field."""
    try:
        value = json.loads(text)
    except ValueError:
        return {key: text}
    return value if isinstance(value, dict) else {key: value}


def load_registry(extra_entries: Iterable[str] = ()) -> dict[str, WorkflowSpec]:
    registry = {spec.name: spec for spec in DEMO_WORKFLOWS}
    for entry in extra_entries:
        spec = load_entry(entry)
        if spec.name in registry:
            raise WorkflowLoadError(f"two workflows are named '{spec.name}'; add ?name=… to one of them")
        registry[spec.name] = spec
    return registry
