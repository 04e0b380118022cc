"""One thread as the reviewer sees it, derived from the graph's own aget_state."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console import formats
from console import wording
from console.jsonable import shorten, to_jsonable
from console.errors import ThreadNotFound, ThreadUnreadable
from workflows.spec import WorkflowSpec

log = logging.getLogger("review_console")

UNREADABLE = ("The console cannot read what this thread is waiting for: its saved question is not in a form the console "
              "knows (another program may have written it). Nothing was changed. The server log has the details.")

THREAD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")

PAUSE_WORDS = {
    "interrupt": "asks a question",
    "before": "paused before a step",
    "after": "paused after a step",
    "paused": "paused",
}


def check_thread_id(thread_id: str) -> str:
    thread_id = (thread_id or "").strip()
    if not THREAD_ID.match(thread_id):
        raise ThreadNotFound(
            "That is not a valid thread id. Thread ids use letters, digits and . _ : @ - (at most 128 characters)."
        )
    return thread_id


@dataclass(frozen=True)
class PendingInterrupt:
    id: str
    node: str  # the step that asks; inside a subgraph "parent:child" (node names cannot hold ":")
    value: Any
    request: formats.ReviewRequest
    response_schema: dict | None = None


@dataclass
class ThreadView:
    thread_id: str
    workflow: str | None
    workflow_title: str
    thread_version: str | None  # the workflow version the thread was started with
    current_version: str | None
    status: str  # waiting | finished | failed | running | unknown
    pause_kind: str | None
    next_nodes: tuple[str, ...]
    checkpoint_id: str | None
    created_at: str | None
    values: dict[str, Any]
    interrupts: list[PendingInterrupt] = field(default_factory=list)
    static_request: formats.ReviewRequest | None = None
    error: str | None = None
    error_node: str | None = None
    error_type: str | None = None  # the exception's type name, for the page's Details only
    step_titles: dict[str, str] = field(default_factory=dict)  # node → the title the workflow gives it

    @property
    def waiting_node(self) -> str | None:
        if self.interrupts:
            return self.interrupts[0].node
        return self.next_nodes[0] if self.next_nodes else None

    @property
    def version_changed(self) -> bool:
        return bool(self.thread_version and self.current_version and self.thread_version != self.current_version)

    @property
    def preview(self) -> str:
        if self.error:
            return shorten(f"Error: {self.error}", formats.PREVIEW_CHARS)
        if self.interrupts:
            return self.interrupts[0].request.preview
        if self.static_request is not None:
            return self.static_request.preview
        for key in ("final", "draft"):
            if isinstance(self.values.get(key), str):
                return shorten(self.values[key], formats.PREVIEW_CHARS)
        return ""

    def index_row(self) -> dict[str, Any]:
        since = None
        if self.created_at:
            try:
                since = datetime.fromisoformat(self.created_at).timestamp()
            except ValueError:
                since = None
        return {
            "thread_id": self.thread_id,
            "workflow": self.workflow,
            "workflow_version": self.thread_version,
            "status": self.status,
            "pause_kind": self.pause_kind,
            "waiting_node": self.error_node or self.waiting_node,
            "preview": self.preview,
            "checkpoint_id": self.checkpoint_id,
            "waiting_since": since,
            "error": self.error,
            "interrupt_count": len(self.interrupts),
        }


def workflow_from_checkpoint(checkpoint_tuple, node_sets: dict[str, set[str]]) -> tuple[str | None, str | None]:
    """The workflow a thread belongs to: recorded in its metadata, else guessed from its node names."""
    metadata = checkpoint_tuple.metadata or {}
    name = metadata.get("workflow")
    if isinstance(name, str) and name:
        version = metadata.get("workflow_version")
        return name, str(version) if version is not None else None
    channels = set((checkpoint_tuple.checkpoint or {}).get("channel_versions", {}))
    nodes = {c.split(":", 2)[2] for c in channels if c.startswith("branch:to:")}
    for name, known in node_sets.items():
        if nodes and nodes <= known:
            return name, None
    return None, None


async def _ran_before(graph, snapshot) -> set[str]:
    """Nodes whose run produced this checkpoint (skipping reviewers' state edits)."""
    current = snapshot
    for _ in range(20):
        if current.parent_config is None:
            return set()
        parent = await graph.aget_state(current.parent_config)
        if (current.metadata or {}).get("source") != "update":
            return set(parent.next)
        current = parent
    return set()


async def decoded(read, thread_id: str):
    """Await a saver read; saved data that does not decode (bad msgpack, an unknown type) becomes a sentence."""
    try:
        return await read
    except (ValueError, TypeError, NotImplementedError) as exc:  # what the saver's decoding raises
        log.warning("thread %s: saved data cannot be decoded: %r", thread_id, exc)
        raise ThreadUnreadable(UNREADABLE) from exc


def _asking_step(task, interrupt_id: str) -> str:
    """The step that raised an interrupt: the task itself, or (a subgraph) the step inside it that asks."""
    inner = getattr(task, "state", None)
    for sub in getattr(inner, "tasks", ()):  # a StateSnapshot only when read with subgraphs=True
        if any(i.id == interrupt_id for i in sub.interrupts):
            return f"{task.name}{wording.PATH_SEP}{_asking_step(sub, interrupt_id)}"
    return task.name


async def _with_subgraph_steps(graph, config: dict, snapshot):
    """The same snapshot with each subgraph's own state, read only when a subgraph is the one asking."""
    if any(t.interrupts and isinstance(t.state, dict) for t in snapshot.tasks):
        return await decoded(graph.aget_state(config, subgraphs=True), config["configurable"]["thread_id"])
    return snapshot


async def load_view(graph, spec: WorkflowSpec | None, thread_id: str, running: bool = False,
                    saver=None) -> ThreadView | None:
    """Raises ThreadUnreadable (a sentence) for saved data that does not decode, or decodes to no interrupt.
    `saver`: a PreloadedSaver lent to the graph for this read (the indexer's batches)."""
    config = saver.config(thread_id) if saver is not None else {"configurable": {"thread_id": thread_id}}
    snapshot = await decoded(graph.aget_state(config), thread_id)
    if not snapshot.config.get("configurable", {}).get("checkpoint_id"):
        return None
    metadata = snapshot.metadata or {}
    values = snapshot.values if isinstance(snapshot.values, dict) else {"value": snapshot.values}
    view = ThreadView(
        thread_id=thread_id,
        workflow=spec.name if spec else metadata.get("workflow"),
        workflow_title=spec.title if spec else wording.workflow_title(metadata.get("workflow"), {}),
        thread_version=str(metadata["workflow_version"]) if metadata.get("workflow_version") is not None else None,
        current_version=spec.version if spec else None,
        status="finished",
        pause_kind=None,
        next_nodes=tuple(snapshot.next),
        checkpoint_id=snapshot.config["configurable"]["checkpoint_id"],
        created_at=snapshot.created_at,
        values=values,
        step_titles=dict(getattr(spec, "step_titles", None) or {}),
    )
    failed = [t for t in snapshot.tasks if t.error is not None]
    if failed:
        view.status = "failed"
        # LangGraph saves repr(exc): the reviewer reads the message; the type waits under Details.
        view.error, view.error_type = wording.split_error(str(failed[0].error))
        view.error_node = failed[0].name
    for task in (await _with_subgraph_steps(graph, config, snapshot)).tasks:
        for item in task.interrupts:
            if not hasattr(item, "id") or not all(hasattr(i, "id") for i in snapshot.interrupts):
                log.warning("thread %s: an interrupt row holds %s, not an interrupt", thread_id, type(item).__name__)
                raise ThreadUnreadable(UNREADABLE)
            if any(item.id == i.id for i in snapshot.interrupts):
                schema = getattr(item, "response_schema", None)
                schema = schema if isinstance(schema, dict) else None
                view.interrupts.append(PendingInterrupt(item.id, _asking_step(task, item.id), item.value,
                                                        formats.describe(item.value, schema), schema))
    if view.status != "failed" and snapshot.next:
        view.status = "waiting"
        if view.interrupts:
            view.pause_kind = "interrupt"
        else:
            node = snapshot.next[0]
            after = set(getattr(graph, "interrupt_after_nodes", None) or ()) & await _ran_before(graph, snapshot)
            if node in (getattr(graph, "interrupt_before_nodes", None) or ()):
                view.pause_kind = "before"
            elif after:
                view.pause_kind, node = "after", sorted(after)[0]
            else:
                view.pause_kind = "paused"
            view.static_request = formats.describe_static_pause(
                to_jsonable(values), wording.step_label(node, view.step_titles), view.pause_kind)
    if running and view.status != "finished":
        view.status = "running"
    return view


async def history(graph, view: ThreadView, limit: int = 200) -> list[dict[str, Any]]:
    """Checkpoints newest first: step, what ran to produce it, what it waits for, when; steps in words."""
    config = {"configurable": {"thread_id": view.thread_id}}
    snapshots = [s async for s in graph.aget_state_history(config, limit=limit + 1)]
    titles = view.step_titles
    rows = []
    for i, snap in enumerate(snapshots[:limit]):
        meta = snap.metadata or {}
        older = snapshots[i + 1] if i + 1 < len(snapshots) else None
        what, waits = wording.saved_step(meta.get("source"), tuple(older.next) if older is not None else (), tuple(snap.next), titles)
        if i == 0 and view.interrupts and snap.config["configurable"]["checkpoint_id"] == view.checkpoint_id:
            waits = wording.steps_list(dict.fromkeys(p.node for p in view.interrupts), titles)  # the step inside a subgraph
        rows.append({
            "step": wording.step_number(meta.get("step")),
            "what happened": what,
            "waits for": waits,
            "time": snap.created_at,
            "checkpoint_id": snap.config["configurable"]["checkpoint_id"],
        })
    return rows
