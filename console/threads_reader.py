"""Reading one thread from the saver as a ThreadView, knowing which workflow it belongs to."""

from __future__ import annotations

import logging

from console import wording
from console.light_state import LightGraph, NotPreloaded, plain_graph
from console.preloaded_saver import PreloadedSaver
from console.threads import ThreadView, decoded, load_view, workflow_from_checkpoint

log = logging.getLogger("review_console")

WORKFLOW_CACHE_MAX = 100_000  # thread id → workflow name; bounded so a huge database cannot grow it forever


class ThreadReader:
    """Owns the thread → workflow cache; reads on the bridge loop only (its saver is bound to it)."""

    def __init__(self, graphs: dict, registry: dict, saver, store, problems: list | None = None) -> None:
        self.graphs = graphs
        self.registry = registry
        self.saver = saver
        self.store = store
        self.problems = problems if problems is not None else []  # workflows that did not load: their threads say why
        # Node names, to recognise threads without metadata (an @entrypoint has no builder: read the graph's).
        self._node_sets = {name: set(g.nodes) - {"__start__"} for name, g in graphs.items()}
        self._workflow_of: dict[str, str] = {}
        self._plain = {name for name, g in graphs.items() if plain_graph(g)}  # their batch reads skip aget_state's setup

    async def preload(self, thread_ids: list[str], into: PreloadedSaver | None = None) -> PreloadedSaver | None:
        """The latest checkpoint rows of many threads, read in one pass (None where the store cannot);
        `into`: add them to that batch's saver."""
        rows = await self.store.latest_rows(thread_ids)
        if rows is None:
            return None
        if into is not None:
            into.rows.update(rows)
            return into
        saver = PreloadedSaver(self.saver, rows)
        saver.light = {name: LightGraph(self.graphs[name], saver) for name in self._plain}
        return saver

    async def preload_parents(self, saver: PreloadedSaver, thread_ids: list[str]) -> None:
        """Add the parents of these threads' latest checkpoints to a batch (static pauses: which step ran)."""
        pairs = [(t, saver.rows[t][0][1]) for t in thread_ids if t in saver.rows and saver.rows[t][0][1]]
        saver.parents.update(await self.store.checkpoint_rows(pairs))

    async def load(self, thread_id: str, running: bool | None = None, saver: PreloadedSaver | None = None,
                   light: bool = True) -> ThreadView | None:
        """The thread as it stands, or None when it does not exist. `running`: a decision is in flight
        on it (None: ask the decision log). `saver`: rows preloaded for a batch (`preload`); `light`:
        build its snapshot from them (console/light_state.py: may raise NotPreloaded), not by aget_state."""
        if running is None:
            running = await self.store.has_pending_decision(thread_id)
        if saver is not None and thread_id not in saver.rows:
            return None  # no checkpoint in the namespace the console reads: the thread is gone
        name = self._workflow_of.get(thread_id)
        if name is None and saver is not None and saver.workflow(thread_id) in self.graphs:
            name = saver.workflow(thread_id)  # a first start: the metadata names it, no checkpoint decoded twice
        if name is not None:
            # A thread's workflow never changes: skip reading its checkpoint twice (a decision reads it often).
            view = await load_view(self._graph(name, saver, light), self.registry[name], thread_id, running=running, saver=saver)
            if view is not None:
                return view
            self._workflow_of.pop(thread_id, None)
        config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
        latest = await decoded((saver or self.saver).aget_tuple(config), thread_id)
        if latest is None:
            return None
        name, _ = workflow_from_checkpoint(latest, self._node_sets)
        if name in self.graphs and len(self._workflow_of) < WORKFLOW_CACHE_MAX:
            self._workflow_of[thread_id] = name
        if name not in self.graphs:
            return ThreadView(
                thread_id=thread_id, workflow=name, workflow_title=wording.workflow_title(name, {}),
                thread_version=None, current_version=None, status="unknown", pause_kind=None, next_nodes=(),
                checkpoint_id=latest.config["configurable"]["checkpoint_id"], created_at=latest.checkpoint.get("ts"),
                values={}, error=self._not_loaded(name),
            )
        return await load_view(self._graph(name, saver, light), self.registry[name], thread_id, running=running, saver=saver)

    def _graph(self, name: str, saver: PreloadedSaver | None, light: bool):
        if light and saver is not None and name in saver.light:
            return saver.light[name]
        return self.graphs[name]

    async def load_safely(self, thread_id: str, running: bool, saver: PreloadedSaver | None = None,
                          light: bool = True) -> ThreadView | dict | None:
        """As `load`, but an unreadable thread becomes an index row saying so (it must not stop the index)."""
        try:
            return await self.load(thread_id, running, saver, light)
        except NotPreloaded:
            raise  # not a fault: the indexer reads the parent rows and asks again
        except Exception as exc:
            log.warning("thread %s cannot be read: %r", thread_id, exc)
            return {
                "thread_id": thread_id, "status": "unreadable", "error": f"The console cannot read this thread: {exc}",
                "preview": "This thread cannot be read.", "interrupt_count": 0,
            }

    def _not_loaded(self, name: str | None) -> str:
        problem = next((p for p in self.problems if p.name == name), None)
        if problem is not None:
            return f"Workflow not loaded: {problem.reason}"
        return f"This thread's workflow ({name or 'not recorded'}) is not registered in this console."
