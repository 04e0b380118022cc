"""A saver that answers "latest checkpoint of thread T" from rows read for a whole batch in one pass.

The indexer derives hundreds of threads at a time. Through the real saver each
thread costs two queries, and each query several hops to aiosqlite's thread:
measured, those hops, not decoding, were most of a first start's time. The
batch's rows are read with two statements (console/store/index.py:
`latest_rows`); the graph is lent this saver for its `aget_state` (LangGraph's
own `__pregel_checkpointer` config key, the one a parent lends a subgraph), so
the view is still built by LangGraph itself, from the same rows, decoded by the
same (allow-listed) serializer. Every other read goes to the real saver.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Collection
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple
from langgraph.checkpoint.sqlite.utils import load_pending_writes

# LangGraph's config key for a lent saver (langgraph/_internal/_constants.CONFIG_KEY_CHECKPOINTER);
# spelled here since the constant lives in a private module.
LENT_SAVER = "__pregel_checkpointer"


class PreloadedSaver(BaseCheckpointSaver):
    """Read-only: `rows[thread_id]` = (checkpoint row, write rows) as the SQLite saver reads them."""

    def __init__(self, inner: BaseCheckpointSaver, rows: dict[str, tuple[tuple, list[tuple]]]) -> None:
        super().__init__(serde=inner.serde)
        self.inner, self.rows = inner, rows
        self.parents: dict[tuple[str, str], tuple[tuple, list[tuple]]] = {}  # (thread, checkpoint id): older rows read later
        self._metadata: dict[str, dict] = {}  # latest checkpoints' metadata, parsed once (the workflow's name, then the tuple)
        self._narrowed: dict[int, tuple[Collection, PreloadedSaver]] = {}

    def with_allowlist(self, extra_allowlist: Collection[tuple[str, ...]]) -> "PreloadedSaver":
        # The graph narrows the serializer (strict msgpack) on every aget_state: narrow the one we
        # delegate to alike, once per graph's allowlist (kept, so its id is not reused), not per read.
        known = self._narrowed.get(id(extra_allowlist))
        if known is not None and known[0] is extra_allowlist:
            return known[1]
        clone = copy.copy(super().with_allowlist(extra_allowlist))
        clone.inner = self.inner.with_allowlist(extra_allowlist)
        clone._narrowed, clone.parents, clone._metadata = self._narrowed, self.parents, self._metadata
        self._narrowed[id(extra_allowlist)] = (extra_allowlist, clone)
        return clone

    def config(self, thread_id: str) -> dict:
        return {"configurable": {"thread_id": thread_id, LENT_SAVER: self}}

    def lend(self, config: dict) -> dict:
        """`config` with this saver lent (a parent's config, as a snapshot names it, has none)."""
        return {**config, "configurable": {**config["configurable"], LENT_SAVER: self}}

    def raw(self, thread_id: str, checkpoint_id: str | None = None) -> tuple[tuple, list[tuple]] | None:
        """The preloaded (checkpoint row, write rows): the latest one, or the one with this id; None: not read."""
        if checkpoint_id is None:
            return self.rows.get(thread_id)
        latest = self.rows.get(thread_id)
        if latest is not None and latest[0][0] == checkpoint_id:
            return latest
        return self.parents.get((thread_id, checkpoint_id))

    def workflow(self, thread_id: str) -> str | None:
        """The workflow its latest checkpoint's metadata names (JSON: nothing decoded), if any."""
        name = self._parsed(thread_id, self.rows[thread_id][0]).get("workflow")
        return name if isinstance(name, str) and name else None

    def _parsed(self, thread_id: str, row: tuple) -> dict:
        if self.rows.get(thread_id, ((None,),))[0] is not row:
            return json.loads(row[4]) if row[4] is not None else {}  # a parent's: read once anyway
        if thread_id not in self._metadata:
            self._metadata[thread_id] = json.loads(row[4]) if row[4] is not None else {}
        return self._metadata[thread_id]

    async def aget_tuple(self, config: dict) -> CheckpointTuple | None:
        conf = config["configurable"]
        thread_id, ns = str(conf["thread_id"]), conf.get("checkpoint_ns", "")
        raw = None if ns else self.raw(thread_id, conf.get("checkpoint_id"))
        if raw is None:
            return await self.inner.aget_tuple(config)
        return self.tuple_from(thread_id, raw, self.serde)

    def tuple_from(self, thread_id: str, raw: tuple[tuple, list[tuple]], serde) -> CheckpointTuple:
        """The CheckpointTuple of preloaded rows, decoded by `serde` (the graph's narrowed one)."""
        (checkpoint_id, parent_id, type_, checkpoint, _), writes = raw
        ns = ""
        # As AsyncSqliteSaver.aget_tuple builds it (langgraph-checkpoint-sqlite 3.x), from the same columns.
        return CheckpointTuple(
            {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint_id}},
            serde.loads_typed((type_, checkpoint)),
            self._parsed(thread_id, raw[0]),
            {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": parent_id}} if parent_id else None,
            load_pending_writes(writes, serde),
        )

    # Anything else (history, a parent's state) is the real saver's.
    def alist(self, config, **kwargs: Any):
        return self.inner.alist(config, **kwargs)

    async def aput(self, *args: Any, **kwargs: Any):
        raise RuntimeError("the preloaded saver only reads")

    async def aput_writes(self, *args: Any, **kwargs: Any):
        raise RuntimeError("the preloaded saver only reads")
