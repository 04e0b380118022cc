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
        self._narrowed: dict[int, tuple[Collection, PreloadedSaver]] = {}

    def with_allowlist(self, extra_allowlist: Collection[tuple[str, ...]]) -> "PreloadedSaver":
        # The graph narrows the serializer (strict msgpack) on every aget_state: narrow the one we
        # delegate to alike, once per graph's allowlist (kept, so its id is not reused), not per read.
        known = self._narrowed.get(id(extra_allowlist))
        if known is not None and known[0] is extra_allowlist:
            return known[1]
        clone = copy.copy(super().with_allowlist(extra_allowlist))
        clone.inner = self.inner.with_allowlist(extra_allowlist)
        clone._narrowed = self._narrowed
        self._narrowed[id(extra_allowlist)] = (extra_allowlist, clone)
        return clone

    def config(self, thread_id: str) -> dict:
        return {"configurable": {"thread_id": thread_id, LENT_SAVER: self}}

    def workflow(self, thread_id: str) -> str | None:
        """The workflow its latest checkpoint's metadata names (JSON: nothing decoded), if any."""
        metadata = self.rows[thread_id][0][4]
        name = json.loads(metadata).get("workflow") if metadata is not None else None
        return name if isinstance(name, str) and name else None

    async def aget_tuple(self, config: dict) -> CheckpointTuple | None:
        conf = config["configurable"]
        thread_id, ns = str(conf["thread_id"]), conf.get("checkpoint_ns", "")
        if conf.get("checkpoint_id") or ns or thread_id not in self.rows:
            return await self.inner.aget_tuple(config)
        (checkpoint_id, parent_id, type_, checkpoint, metadata), writes = self.rows[thread_id]
        # As AsyncSqliteSaver.aget_tuple builds it (langgraph-checkpoint-sqlite 3.x), from the same columns.
        return CheckpointTuple(
            {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint_id}},
            self.serde.loads_typed((type_, checkpoint)),
            json.loads(metadata) if metadata is not None else {},
            {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": parent_id}} if parent_id else None,
            load_pending_writes(writes, self.serde),
        )

    # Anything else (history, a parent's state) is the real saver's.
    def alist(self, config, **kwargs: Any):
        return self.inner.alist(config, **kwargs)

    async def aput(self, *args: Any, **kwargs: Any):
        raise RuntimeError("the preloaded saver only reads")

    async def aput_writes(self, *args: Any, **kwargs: Any):
        raise RuntimeError("the preloaded saver only reads")
