"""Keeping the inbox's thread index in step with the saver's tables (rc_marks → rc_threads)."""

from __future__ import annotations

import asyncio

from console.threads import ThreadView
from console.threads_reader import ThreadReader

DERIVE_BATCH = 100
BACKLOG_BATCH = 500  # while a backlog lasts (a first start): fewer claims, mark reads and transactions per thread
YIELD_EVERY = 20  # preloaded reads never wait: let the loop serve the pages' calls between a few of them


class Indexer:
    """Owns the derive lock: one pass at a time, so two passes never write one thread's row out of order."""

    def __init__(self, reader: ThreadReader, store) -> None:
        self.reader = reader
        self.store = store
        self._lock = asyncio.Lock()  # made on the bridge loop, where every pass runs
        self._wrote = asyncio.Event()  # this process changed a thread: the background pass need not wait

    async def wait_for_write(self, timeout: float) -> bool:
        """Sleep up to `timeout`, less if this process writes a thread meanwhile; True if it did."""
        try:
            await asyncio.wait_for(self._wrote.wait(), timeout)
        except TimeoutError:
            return False
        self._wrote.clear()
        return True

    async def derive(self, only: list[str] | None = None, limit: int = DERIVE_BATCH,
                     fresh: dict[str, ThreadView] | None = None) -> int:
        """Recompute the index rows of threads whose saver rows changed; returns how many were read.

        `only`: these threads, marked or not. A decision or a start calls it for its
        own thread, so the inbox is right the moment the call returns, even if the
        background pass already took the thread's marks while the run went on.
        `fresh`: views the caller read after its change (a decision's result), used as they are.
        """
        if only is not None:
            self._wrote.set()  # a decision or a start: its run may have marked more than its own thread
        async with self._lock:
            if only is not None:
                bound, thread_ids = await self.store.last_mark(), list(dict.fromkeys(only))
            else:
                bound, thread_ids = await self.store.claim_marked(limit)  # not the threads another replica derives
            if not thread_ids:
                return 0
            fresh = fresh or {}
            stale = [t for t in thread_ids if t not in fresh]
            running = await self.store.pending_decision_threads(stale) if stale else set()
            # The batch's latest checkpoints in one pass: per-thread saver reads were mostly thread hops.
            preloaded = await self.reader.preload(stale)
            rows, gone = [], []
            for n, thread_id in enumerate(thread_ids, start=1):
                # One at a time: overlapping reads was measured no faster (the GIL and the
                # saver's lock serialise them), and it keeps the loop responsive between reads.
                view = fresh.get(thread_id) or await self.reader.load_safely(thread_id, thread_id in running, preloaded)
                if n % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
                if view is None:
                    gone.append(thread_id)
                else:
                    rows.append(view if isinstance(view, dict) else view.index_row())
            await self.store.save_thread_rows(rows, gone, thread_ids, bound)
            return len(thread_ids)
