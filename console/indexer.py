"""Keeping the inbox's thread index in step with the saver's tables (rc_marks → rc_threads)."""

from __future__ import annotations

import asyncio

from console.light_state import NotPreloaded
from console.threads import ThreadView
from console.threads_reader import ThreadReader

DERIVE_BATCH = 100
BACKLOG_BATCH = 500  # while a backlog lasts (a first start): fewer claims, mark reads and transactions per thread
PRELOAD_CHUNK = 100  # rows read per statement pair; the next chunk's read overlaps this chunk's decoding
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
            # The batch's latest checkpoints, a chunk per statement pair: per-thread saver reads were
            # mostly thread hops. The next chunk is read (SQLite, in aiosqlite's thread, outside the
            # GIL) while this one is decoded on the loop: the two cores work at once.
            chunks = [thread_ids[i:i + PRELOAD_CHUNK] for i in range(0, len(thread_ids), PRELOAD_CHUNK)]
            preloaded = await self.reader.preload([t for t in chunks[0] if t not in fresh])
            rows, gone, later = [], [], []
            for k, chunk in enumerate(chunks):
                ahead = None
                if preloaded is not None and k + 1 < len(chunks):
                    ahead = asyncio.ensure_future(self.reader.preload(
                        [t for t in chunks[k + 1] if t not in fresh], into=preloaded))
                try:
                    for n, thread_id in enumerate(chunk, start=1):
                        # One at a time: overlapping reads was measured no faster (the GIL and the
                        # saver's lock serialise them), and it keeps the loop responsive between reads.
                        try:
                            view = fresh.get(thread_id) or await self.reader.load_safely(
                                thread_id, thread_id in running, preloaded)
                        except NotPreloaded:  # a static pause asks which step ran: parents are read at once, below
                            later.append(thread_id)
                            continue
                        if n % YIELD_EVERY == 0:
                            await asyncio.sleep(0)
                        self._keep(view, thread_id, rows, gone)
                finally:
                    if ahead is not None:
                        await ahead
            if later:
                await self.reader.preload_parents(preloaded, later)
                for thread_id in later:
                    try:
                        view = await self.reader.load_safely(thread_id, thread_id in running, preloaded)
                    except NotPreloaded:  # older still (a state edit's parent): the graph's own reading
                        view = await self.reader.load_safely(thread_id, thread_id in running, preloaded, light=False)
                    self._keep(view, thread_id, rows, gone)
            await self.store.save_thread_rows(rows, gone, thread_ids, bound)
            return len(thread_ids)

    @staticmethod
    def _keep(view, thread_id: str, rows: list, gone: list) -> None:
        if view is None:
            gone.append(thread_id)
        else:
            rows.append(view if isinstance(view, dict) else view.index_row())
