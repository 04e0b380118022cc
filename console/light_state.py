"""A thread's StateSnapshot built from preloaded saver rows by LangGraph's own step functions, without its per-read setup.

A first start derives every thread. `aget_state` spent most of its time on work the
index never reads: executable tasks (configs, runnables, scratchpads) for every next
step, subgraph lookups, config merging. Here the same LangGraph functions it calls
build the same snapshot (channels from the checkpoint, the next tasks, the tasks'
interrupts), with `for_execution=False`: task ids, names and interrupts are computed
by the same code, only nothing is made ready to run. The input is the batch's rows
(console/preloaded_saver.py), decoded by the saver's serializer as the graph narrows it.

Anything unusual takes the graph's own `aget_state` instead: a graph with subgraphs
or delta channels, null-task writes, a live checkpoint with writes other than
interrupts (a step half done, an error, a resume), rows not preloaded.
tests/test_inbox_property.py and tests/test_light_state.py hold the two paths equal.
"""

from __future__ import annotations

import logging
from typing import Any

from langgraph.channels.base import BaseChannel
from langgraph.channels.binop import BinaryOperatorAggregate
from langgraph.channels.delta import DeltaChannel
from langgraph.checkpoint.base import CheckpointTuple
from langgraph.types import StateSnapshot

# LangGraph's own pieces of Pregel._aprepare_state_snapshot (langgraph 1.2): private modules. A LangGraph
# upgrade that moves them turns this path off (every thread then goes through aget_state, slower but the
# same rows), with a warning; tests/test_light_state.py fails on AVAILABLE being False, so CI says so.
try:
    from langgraph._internal._config import patch_checkpoint_map
    from langgraph._internal._constants import INTERRUPT, NULL_TASK_ID
    from langgraph.pregel._algo import prepare_next_tasks
    from langgraph._internal._typing import MISSING
    from langgraph.pregel._io import read_channels
    from langgraph.pregel.debug import tasks_w_writes
    AVAILABLE = True
except ImportError as exc:  # pragma: no cover - only after a LangGraph upgrade
    logging.getLogger("review_console").warning("fast first-start indexing is off (LangGraph moved %s)", exc)
    AVAILABLE = False


class NotPreloaded(Exception):
    """A checkpoint the batch did not read (a parent): the caller preloads it and asks again."""


def plain_graph(graph) -> bool:
    """Can this graph's snapshots be built here? Not with subgraphs or delta channels."""
    if not AVAILABLE or not hasattr(graph, "channels") or not hasattr(graph, "nodes"):
        return False
    if any(isinstance(c, DeltaChannel) for c in graph.channels.values()):
        return False
    return next(iter(graph.get_subgraphs()), None) is None


class LightGraph:
    """What console/threads.load_view asks of a graph (aget_state and its static pauses), answered
    from a PreloadedSaver; `strict`: a checkpoint not preloaded raises NotPreloaded instead of reading."""

    def __init__(self, graph, saver, strict: bool = True) -> None:
        self.graph, self.saver, self.strict = graph, saver, strict
        self.interrupt_before_nodes = getattr(graph, "interrupt_before_nodes", None)
        self.interrupt_after_nodes = getattr(graph, "interrupt_after_nodes", None)
        # As aget_state narrows the lent saver to the graph's allow-list (strict msgpack), once per graph.
        self._serde = graph._apply_checkpointer_allowlist(saver).serde
        # channels_from_checkpoint's sorting of the graph's channels, once per graph, not per thread (it
        # was a quarter of a thread's time): channels, managed values, and the channels a checkpoint
        # may hold no value of (rebuilt from older checkpoints: those threads take aget_state).
        self._specs = {k: v for k, v in graph.channels.items() if isinstance(v, BaseChannel)}
        self._managed = {k: v for k, v in graph.channels.items() if not isinstance(v, BaseChannel)}
        self._replayed = tuple(k for k, v in self._specs.items() if isinstance(v, (DeltaChannel, BinaryOperatorAggregate)))

    async def aget_state(self, config: dict, *, subgraphs: bool = False) -> StateSnapshot:
        conf = config["configurable"]
        thread_id, checkpoint_id = str(conf["thread_id"]), conf.get("checkpoint_id")
        live = checkpoint_id is None  # as aget_state: the latest checkpoint shows its steps' current status
        raw = None if subgraphs or conf.get("checkpoint_ns") else self.saver.raw(thread_id, checkpoint_id)
        if raw is None:
            if self.strict and checkpoint_id is not None and not subgraphs:
                raise NotPreloaded(thread_id)
            return await self.graph.aget_state(self.saver.lend(config), subgraphs=subgraphs)
        saved = self.saver.tuple_from(thread_id, raw, self._serde)
        snapshot = self._snapshot(saved, live)
        if snapshot is None:  # unusual: the graph's own reading, from the same preloaded rows
            return await self.graph.aget_state(self.saver.lend(config))
        return snapshot

    def _snapshot(self, saved: CheckpointTuple, live: bool) -> StateSnapshot | None:
        """Pregel._aprepare_state_snapshot's steps for a graph without subgraphs; None: take the full path."""
        graph, writes = self.graph, saved.pending_writes or []
        if any(w[0] == NULL_TASK_ID for w in writes):
            return None  # input to the step: LangGraph applies it to the values
        if live and any(w[1] != INTERRUPT for w in writes):
            return None  # a step partly done (its outputs are applied), an error or a resume
        graph._migrate_checkpoint(saved.checkpoint)
        step = saved.metadata.get("step", -1) + 1
        held, versions = saved.checkpoint["channel_values"], saved.checkpoint["channel_versions"]
        if any(k in versions and k not in held for k in self._replayed):
            return None  # a value LangGraph rebuilds from the history: its own reading
        # channels_from_checkpoint for a checkpoint without such channels: each spec from its value.
        channels, managed = {k: spec.from_checkpoint(held.get(k, MISSING)) for k, spec in self._specs.items()}, self._managed
        next_tasks = prepare_next_tasks(saved.checkpoint, writes, graph.nodes, channels, managed, saved.config,
                                        step, step + 2, for_execution=False)
        tasks = tasks_w_writes(next_tasks.values(), saved.pending_writes, None, graph.stream_channels_asis, live=live)
        return StateSnapshot(
            read_channels(channels, graph.stream_channels_asis),
            tuple(t.name for t in next_tasks.values()),  # no task has outputs here (checked above, or not live)
            patch_checkpoint_map(saved.config, saved.metadata),
            saved.metadata,
            saved.checkpoint["ts"],
            patch_checkpoint_map(saved.parent_config, saved.metadata),
            tasks,
            tuple(i for task in tasks for i in task.interrupts),
        )


def light_graphs(graphs: dict[str, Any], saver) -> dict[str, LightGraph]:
    """A LightGraph per plain graph of the registry, for one batch's saver."""
    return {name: LightGraph(g, saver) for name, g in graphs.items() if plain_graph(g)}
