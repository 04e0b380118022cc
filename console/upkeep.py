"""The console's background work on the bridge's loop: index every change, heartbeat, recover, run the deadline timer."""

from __future__ import annotations

import asyncio
import logging
import time

from console.indexer import BACKLOG_BATCH, DERIVE_BATCH

log = logging.getLogger("review_console")

HEARTBEAT_S = 2.0
TICK_S = 0.1  # the deriver's pace while threads keep changing
# Idle, the pause between passes doubles up to this (one cheap mark read each): a pause written by
# another process shows within ~1 s; this process's own decisions and starts wake it at once.
IDLE_TICK_S = 1.0
TRIGGER_CHECK_S = 5.0  # how often the mark triggers are checked (another program may recreate the tables)
RECOVERY_S = 5.0


class Upkeep:
    """One loop per console process; the deadline timer's pass runs in a task of its own."""

    def __init__(self, indexer, store, recovery, timer, notifier, deadlines, deadline_check_s: float) -> None:
        self.indexer, self.store, self.recovery = indexer, store, recovery
        self.timer, self.notifier, self.deadlines = timer, notifier, deadlines
        self.deadline_check_s = deadline_check_s
        self._deadline_pass: asyncio.Task | None = None

    async def keep_fresh(self) -> None:
        """Index every change (this process's or another's), heartbeat, release dead consoles' claims."""
        last_beat = last_recovery = last_trigger_check = last_deadlines = time.monotonic()
        idle, batch = TICK_S, DERIVE_BATCH
        while True:
            try:
                derived = await self.indexer.derive(limit=batch)
                # A full batch means a backlog (backfill, a burst elsewhere): go on at once, in
                # larger batches, after yielding so the loop serves other calls between batches.
                batch = BACKLOG_BATCH if derived >= batch else DERIVE_BATCH
                if derived >= DERIVE_BATCH:
                    await asyncio.sleep(0)
                else:
                    idle = TICK_S if derived else min(IDLE_TICK_S, idle * 2)
                    if await self.indexer.wait_for_write(idle):
                        idle = TICK_S
                now = time.monotonic()
                if now - last_beat >= HEARTBEAT_S:
                    last_beat = now
                    await self.store.heartbeat()
                if now - last_trigger_check >= TRIGGER_CHECK_S:
                    last_trigger_check = now
                    if not await self.store.check_triggers():
                        log.warning("the index triggers were missing (tables recreated?); re-indexing every thread")
                if now - last_recovery >= RECOVERY_S:
                    last_recovery = now
                    await self.recovery.recover_orphans()
                if now - last_deadlines >= self.deadline_check_s:
                    last_deadlines = now
                    self.start_deadline_pass()
            except asyncio.CancelledError:
                raise
            except Exception:  # a busy database now is fine later
                log.exception("background refresh failed")
                await asyncio.sleep(TICK_S)

    def start_deadline_pass(self) -> None:
        """A pass of the deadline timer in a task of its own: a default decision's run must not hold up the deriver."""
        if not (self.deadlines or self.notifier.enabled):
            return
        if self._deadline_pass is None or self._deadline_pass.done():
            self._deadline_pass = asyncio.get_running_loop().create_task(self._deadline_pass_safely())

    async def _deadline_pass_safely(self) -> None:
        try:
            await self.timer.tick()
        except Exception:  # a busy database now is fine at the next pass
            log.exception("deadline pass failed")

    def cancel(self) -> None:
        if self._deadline_pass is not None:
            self._deadline_pass.cancel()
