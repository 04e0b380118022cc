"""The one list of workflows the console knows: the demo ones plus any named in settings."""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import parse_qs

from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from workflows import (
    agent_inbox_review, content_approval, gated_publication, hitl_agent, open_question, parallel_review,
    refund_decision, two_stage_review,
)
from workflows.spec import WorkflowSpec

log = logging.getLogger("review_console")

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

# Attribute names that say nothing about the workflow: the module's name is used instead.
GENERIC_ATTRIBUTES = ("build", "graph", "builder")


class WorkflowLoadError(ValueError):
    pass


@dataclass(frozen=True)
class WorkflowProblem:
    """An entry of REVIEW_CONSOLE_WORKFLOWS that could not be loaded; the others still are."""
    entry: str
    name: str  # the name its threads carry (from ?name=, the attribute or the module)
    reason: str  # a plain sentence


def _split_list(raw: list[str]) -> list[str]:
    return [name for value in raw for name in value.replace(";", " ").split() if name]


def _parse(entry: str) -> tuple[str, str, str, dict[str, list[str]]]:
    target, _, query = entry.partition("?")
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise WorkflowLoadError(f"'{entry}' is not of the form package.module:attribute")
    return target, module_name, attribute, parse_qs(query)


def entry_name(entry: str) -> str:
    """The workflow name an entry gives its threads, known without importing it."""
    try:
        _, module_name, attribute, options = _parse(entry)
    except WorkflowLoadError:
        return entry.partition("?")[0]
    default = attribute if attribute not in GENERIC_ATTRIBUTES else module_name.rsplit(".", 1)[-1]
    return options.get("name", [default])[0]


def _with_checkpointer(graph: Pregel, checkpointer):
    """A copy of an already-built graph (an @entrypoint) that saves to `checkpointer`.

    Pregel.copy keeps the nodes and channels. Under strict msgpack, LangGraph narrows the
    checkpointer to the graph's own allow-list when the graph is built; do the same here.
    """
    allowlist = getattr(graph, "_serde_allowlist", None)
    if allowlist is not None and checkpointer is not None:
        from langgraph._internal import _serde  # the helper entrypoint() itself uses
        checkpointer = _serde.apply_checkpointer_allowlist(checkpointer, allowlist)
    copy = graph.copy({"checkpointer": checkpointer})
    copy._serde_allowlist = allowlist
    return copy


def _own_checkpointer_note(obj) -> tuple[str, ...]:
    saver = getattr(obj, "checkpointer", None)
    if saver in (None, True, False):
        return ()
    return (f"its own checkpointer ({type(saver).__name__}) is replaced by the console's database",)


def load_entry(entry: str) -> WorkflowSpec:
    """Load "package.module:attribute[?interrupt_before=a;b&interrupt_after=c&name=…&title=…&version=…&input=…]".

    The attribute is a WorkflowSpec, an uncompiled StateGraph, a compiled graph (its builder
    and static pauses are reused), a Functional API @entrypoint, or a function returning a StateGraph.
    """
    target, module_name, attribute, options = _parse(entry)
    try:
        obj = getattr(importlib.import_module(module_name), attribute)
    except ImportError as exc:
        raise WorkflowLoadError(f"the module '{module_name}' cannot be imported ({exc}); is its folder on "
                                "PYTHONPATH, or its package installed in .venv?") from exc
    except AttributeError as exc:
        raise WorkflowLoadError(f"the module '{module_name}' has no '{attribute}'") from exc
    if isinstance(obj, WorkflowSpec):
        return replace(obj, entry=entry)
    compile_options: dict[str, list[str]] = {}
    builder, attach, notes = obj, None, _own_checkpointer_note(obj)
    if isinstance(getattr(obj, "builder", None), StateGraph):
        graph = obj.builder
        builder = lambda graph=graph: graph  # noqa: E731
        for key, attr in (("interrupt_before", "interrupt_before_nodes"), ("interrupt_after", "interrupt_after_nodes")):
            nodes = list(getattr(obj, attr, None) or [])
            if nodes:
                compile_options[key] = nodes
    elif isinstance(obj, Pregel):
        # A Functional API @entrypoint: already a graph, with no builder to compile again.
        builder = lambda graph=obj: graph  # noqa: E731
        attach = lambda saver, graph=obj: _with_checkpointer(graph, saver)  # noqa: E731
    elif isinstance(obj, StateGraph):
        builder = lambda graph=obj: graph  # noqa: E731
    elif not callable(obj):
        raise WorkflowLoadError(f"'{target}' is not a graph: give a StateGraph, a compiled graph, an @entrypoint "
                                "or a function returning a StateGraph")
    for key in ("interrupt_before", "interrupt_after"):
        if key in options:
            compile_options[key] = _split_list(options[key])
    name = entry_name(entry)
    for note in notes:
        log.warning("workflow %s: %s", name, note)
    return WorkflowSpec(
        name=name,
        title=options.get("title", [name.replace("_", " ").capitalize()])[0],
        description=f"Your workflow, loaded from {target}.",
        builder=builder,
        version=options.get("version", ["1"])[0],
        compile_options=compile_options,
        input_label="Input (a JSON object, or plain text)",
        make_input=lambda text, key=options.get("input", ["input"])[0]: json_or_text(text, key),
        attach=attach,
        schema_inputs=True,
        start_key=options.get("input", [None])[0],
        entry=entry,
        notes=notes,
    )


def json_or_text(text: str, key: str) -> dict:
    """One text for a graph input: a JSON object is the graph's input; anything else goes in one field."""
    try:
        value = json.loads(text)
    except ValueError:
        return {key: text}
    return value if isinstance(value, dict) else {key: value}


def load_registry(extra_entries: Iterable[str] = (), demo: bool = True) -> tuple[dict[str, WorkflowSpec], list[WorkflowProblem]]:
    """Every workflow that loads, and one problem per entry that does not: a broken entry hides only itself."""
    registry = {spec.name: spec for spec in DEMO_WORKFLOWS} if demo else {}
    problems: list[WorkflowProblem] = []
    for entry in extra_entries:
        try:
            spec = load_entry(entry)
        except Exception as exc:  # a team's module may raise anything while importing
            reason = str(exc) if isinstance(exc, WorkflowLoadError) else f"importing it failed: {type(exc).__name__}: {exc}"
            log.warning("workflow entry %s not loaded: %s", entry, reason)
            problems.append(WorkflowProblem(entry, entry_name(entry), reason))
            continue
        if spec.name in registry:
            problems.append(WorkflowProblem(entry, spec.name, f"another workflow is already named '{spec.name}'; "
                                                              "add ?name=… to one of them"))
            continue
        registry[spec.name] = spec
    return registry, problems
