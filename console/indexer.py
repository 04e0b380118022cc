"""Keeping the inbox's thread index in step with the saver's tables (rc_marks → rc_threads)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from console.light_state import NotPreloaded
from console.threads import ThreadView
from console.threads_reader import ThreadReader

DERIVE_BATCH = 100
BACKLOG_BATCH = 500  # while a backlog lasts (a first start): fewer claims, mark reads and transactions per thread
PRELOAD_CHUNK = 100  # rows read per statement pair; the next chunk's read overlaps this chunk's decoding
YIELD_EVERY = 20  # preloaded reads never wait: let the loop serve the pages' calls between a few of them
# Marks waiting at which a backlog pass drops the inbox's sort indexes and builds them once at its end
# (console/store/index.py: begin_bulk); below it, their row-by-row upkeep costs less than a build.
BULK_BACKLOG = 20_000
# A bulk pass's batch: each pass ends with a save the loop waits for and starts with a claim and a read
# it waits for; larger batches pay those less often. A decision waits for the pass: ~0.2 s at most.
BULK_BATCH = 2_000
BULK_SCAN = 2
BULK_CHUNK = 250  # a bulk pass's transaction: read while the loop waits, saved beside the next one's decoding
# The loop derives chunks too while a helper process (console/index_helper.py) derives others;
# False: the helper takes every chunk once started (the tests' way to have it derive them all).
MAIN_LANE = True
IN_FLIGHT = 2  # chunks handed to the helper at once: the next one waits in its queue while the loop saves the last

log = logging.getLogger("review_console")


class Indexer:
    """Owns the derive lock: one pass at a time, so two passes never write one thread's row out of order."""

    def __init__(self, reader: ThreadReader, store, helper=None) -> None:
        self.reader = reader
        self.store = store
        self._start_helper = helper  # makes an IndexHelper for a bulk indexing (SQLite), or None
        self.helper = None
        self._lock = asyncio.Lock()  # made on the bridge loop, where every pass runs
        self._wrote = asyncio.Event()  # this process changed a thread: the background pass need not wait
        self._bulk = False  # a bulk indexing is under way: the sort indexes are dropped until its last batch

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
                if not self._bulk and limit >= BACKLOG_BATCH:
                    self._bulk = await self.store.begin_bulk(BULK_BACKLOG)
                    if self._bulk and self._start_helper is not None and self.helper is None:
                        self.helper = await self._helper_or_none()
                scan = 8  # marks read per thread wanted: a thread changed often has several
                if self._bulk:  # a first start: one mark a thread (more only make the last batch come early)
                    limit, scan = max(limit, BULK_BATCH), BULK_SCAN
                bound, thread_ids = await self.store.claim_marked(limit, scan)  # not the threads another replica derives
            # The backlog's last batch builds the sort indexes again, in its saving transaction.
            rebuild = self._bulk and only is None and len(thread_ids) < limit
            if not thread_ids:
                if rebuild:
                    await self.store.end_bulk()
                    self._end_bulk()
                return 0
            fresh = fresh or {}
            stale = [t for t in thread_ids if t not in fresh]
            running = await self.store.pending_decision_threads(stale) if stale else set()
            if self._bulk and only is None:
                chunks = [thread_ids[i:i + BULK_CHUNK] for i in range(0, len(thread_ids), BULK_CHUNK)]
                if self.helper is not None and (self.helper.usable or (not MAIN_LANE and await self.helper.wait_ready())):
                    await self._derive_shared(chunks, running, bound, rebuild)
                else:
                    await self._derive_bulk(chunks, running, bound, rebuild)
                if rebuild:
                    self._end_bulk()
                return len(thread_ids)
            # The batch's latest checkpoints, a chunk per statement pair: per-thread saver reads were
            # mostly thread hops. The next chunk is read (SQLite, in aiosqlite's thread, outside the
            # GIL) while this one is decoded on the loop: the two cores work at once.
            chunks = [thread_ids[i:i + PRELOAD_CHUNK] for i in range(0, len(thread_ids), PRELOAD_CHUNK)]
            preloaded = await self.reader.preload([t for t in chunks[0] if t not in fresh])
            rows, gone = [], []
            for k, chunk in enumerate(chunks):
                ahead = None
                if preloaded is not None and k + 1 < len(chunks):
                    ahead = asyncio.ensure_future(self.reader.preload(
                        [t for t in chunks[k + 1] if t not in fresh], into=preloaded))
                try:
                    await self._views(chunk, running, preloaded, rows, gone, fresh)
                finally:
                    if ahead is not None:
                        await ahead
            await self.store.save_thread_rows(rows, gone, thread_ids, bound)
            return len(thread_ids)

    async def _derive_bulk(self, chunks: list[list[str]], running: set[str], bound: int, rebuild: bool) -> None:
        """A backlog's batch, a transaction per chunk: each chunk is read while the loop waits (a read
        beside the decoding took Python's lock row by row, ~1 ms a row), then saved in one statement
        while the next chunk is decoded (SQLite's work, outside that lock: the second core)."""
        saving: asyncio.Future | None = None
        preloaded = await self.reader.preload(chunks[0])
        try:
            for k, chunk in enumerate(chunks):
                rows, gone = [], []
                await self._views(chunk, running, preloaded, rows, gone, {})  # beside the previous chunk's save
                if saving is not None:
                    await saving  # a failure stops the batch here: the chunks not saved keep their marks
                if k + 1 < len(chunks):  # the connection's alone: before the save; into one saver a pass
                    preloaded = await self.reader.preload(chunks[k + 1], into=preloaded)
                saving = asyncio.ensure_future(self.store.save_thread_rows(
                    rows, gone, chunk, bound, rebuild=rebuild and k == len(chunks) - 1))
        finally:
            if saving is not None:
                await saving

    async def _helper_or_none(self):
        try:
            return await self._start_helper()
        except Exception:  # no process to spare (limits, a frozen interpreter): the loop derives alone
            log.warning("the indexing helper process did not start", exc_info=True)
            return None

    def _end_bulk(self) -> None:
        self._bulk = False
        self.close()

    def close(self) -> None:
        if self.helper is not None:
            self.helper.close()
            self.helper = None

    async def _derive_shared(self, chunks: list[list[str]], running: set[str], bound: int, rebuild: bool) -> None:
        """A backlog's batch on two cores: the helper process derives chunks (`IN_FLIGHT` handed over
        at a time) while the loop derives others, as `_derive_bulk` does; each chunk is saved as it
        comes, its own transaction. With `rebuild`, the last one waits for the others' saves and
        builds the sort indexes in its own, so no reader sees every mark gone before they are back."""
        queue, saves, left = deque(chunks), [], [len(chunks)]
        helper = self.helper

        async def keep(rows: list, gone: list, chunk: list[str]) -> None:
            left[0] -= 1
            if rebuild and left[0] == 0:
                await asyncio.gather(*saves)
                await self.store.save_thread_rows(rows, gone, chunk, bound, rebuild=True)
            else:
                saves.append(asyncio.ensure_future(self.store.save_thread_rows(rows, gone, chunk, bound)))

        async def helper_lane() -> None:
            handed: deque = deque()
            while queue or handed:
                while queue and len(handed) < IN_FLIGHT and not helper.broken:
                    chunk = queue.popleft()
                    handed.append((chunk, asyncio.ensure_future(helper.read_chunk(chunk, running))))
                if not handed:  # the helper failed: the rest is the loop's
                    chunk = queue.popleft()
                    rows, gone = await self.read_chunk(chunk, running)
                else:
                    chunk, future = handed.popleft()
                    try:
                        rows, gone = await future
                    except Exception:
                        log.warning("the indexing helper process failed; the console indexes alone", exc_info=True)
                        rows, gone = await self.read_chunk(chunk, running)
                await keep(rows, gone, chunk)

        async def loop_lane() -> None:
            chunk = queue.popleft() if MAIN_LANE and queue else None
            preloaded = await self.reader.preload(chunk) if chunk else None
            while chunk:
                rows, gone = [], []
                await self._views(chunk, running, preloaded, rows, gone, {})
                ahead = queue.popleft() if queue else None
                if ahead:  # read before this chunk's save is queued on the connection (as _derive_bulk)
                    preloaded = await self.reader.preload(ahead, into=preloaded)
                await keep(rows, gone, chunk)
                chunk = ahead

        lanes = [asyncio.ensure_future(helper_lane()), asyncio.ensure_future(loop_lane())]
        try:
            await asyncio.gather(*lanes)
        finally:
            for lane in lanes:
                lane.cancel()
            await asyncio.gather(*lanes, *saves, return_exceptions=True)
        await asyncio.gather(*saves)  # a failed save says so (its chunk keeps its marks)

    async def read_chunk(self, chunk: list[str], running: set[str]) -> tuple[list, list]:
        """A chunk's index rows and its gone threads, read in one batch (also the helper process's work)."""
        rows, gone = [], []
        await self._views(chunk, running, await self.reader.preload(chunk), rows, gone, {})
        return rows, gone

    async def _views(self, chunk: list[str], running: set[str], preloaded, rows: list, gone: list,
                     fresh: dict[str, ThreadView]) -> None:
        """The chunk's index rows into `rows` (`gone`: threads that no longer exist)."""
        later = []
        for n, thread_id in enumerate(chunk, start=1):
            # One at a time: overlapping reads was measured no faster (the GIL and the
            # saver's lock serialise them), and it keeps the loop responsive between reads.
            try:
                view = fresh.get(thread_id) or await self.reader.load_safely(thread_id, thread_id in running, preloaded)
            except NotPreloaded:  # a static pause asks which step ran: parents are read at once, below
                later.append(thread_id)
                continue
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            self._keep(view, thread_id, rows, gone)
        if later:
            await self.reader.preload_parents(preloaded, later)
            for thread_id in later:
                try:
                    view = await self.reader.load_safely(thread_id, thread_id in running, preloaded)
                except NotPreloaded:  # older still (a state edit's parent): the graph's own reading
                    view = await self.reader.load_safely(thread_id, thread_id in running, preloaded, light=False)
                self._keep(view, thread_id, rows, gone)

    @staticmethod
    def _keep(view, thread_id: str, rows: list, gone: list) -> None:
        if view is None:
            gone.append(thread_id)
        else:
            rows.append(view if isinstance(view, dict) else view.index_row())
