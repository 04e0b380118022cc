"""Settling decisions a crashed server-mode console left pending, from what the LangGraph Server says
(runs.list, get_state), never by running anything; and this console's heartbeat, so its own are left alone."""

from __future__ import annotations

import logging
import socket
import threading
import time

from console.errors import ThreadNotFound
from console.recovery import ORPHAN_AFTER_S, STOPPED_MID_RUN, _alive, _owner_host_pid
from console.server import client as sdk

log = logging.getLogger("review_console")

BEAT_S = 2.0  # heartbeat and recovery pass; a silent owner is an orphan after ORPHAN_AFTER_S, as with a local saver
STILL_WAITING = " The thread still waits where it was, so it can be answered again."
MOVED_ON = (" The thread has moved on on the LangGraph Server since; the console cannot tell whether this decision "
            "did it (outcome unknown). Check the thread's history.")


def verdict(client, server: str, d: dict) -> tuple[str, str] | None:
    """(outcome, note) for a pending decision whose console died, or None while a run still goes on the thread."""
    try:
        with sdk.plain(server, d["thread_id"]):
            runs = client.runs.list(d["thread_id"], limit=20)
            state = client.threads.get_state(d["thread_id"])
    except ThreadNotFound:
        return "not applied", f"{STOPPED_MID_RUN} The thread no longer exists on the LangGraph Server."
    if any(r.get("status") in ("pending", "running") for r in runs):
        return None  # its run goes on on the server: settled on a later pass
    if d["action"] == "start":
        return "applied", STOPPED_MID_RUN  # the thread exists (its id is taken), standing where its run stopped
    pending = {i.get("id") for t in state.get("tasks") or () for i in t.get("interrupts") or ()}
    failed = any(t.get("error") for t in state.get("tasks") or ())
    here = (state.get("checkpoint") or {}).get("checkpoint_id") == d["checkpoint_id"]
    if here and not failed and (not d["interrupt_id"] or d["interrupt_id"] in pending):
        return "not applied", STOPPED_MID_RUN + STILL_WAITING
    return "unknown", STOPPED_MID_RUN + MOVED_ON


def is_orphan(d: dict, owner: str, now: float) -> bool:
    if d["owner"] == owner:
        return False  # never one this process is still running
    host, pid = _owner_host_pid(d["owner"])
    dead_here = host == socket.gethostname() and pid is not None and not _alive(pid)
    return dead_here or d["heartbeat_at"] is None or now - d["heartbeat_at"] > ORPHAN_AFTER_S


class ServerRecovery:
    """One daemon thread per console: heartbeat, then settle the orphans it may adopt."""

    def __init__(self, console) -> None:
        self.console = console
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._adopted: set[int] = set()  # orphans taken over whose run still went on: settled on a later pass

    def recover_orphans(self) -> None:
        c = self.console
        store = c.store
        for d in c.store_call(store.pending_decisions()):
            if d["id"] not in self._adopted:
                if not is_orphan(d, store.owner, time.time()) or not c.store_call(store.adopt(d["id"], d["owner"])):
                    continue
                self._adopted.add(d["id"])
            try:
                found = verdict(c.client, c.settings.server_url, d)
            except Exception as exc:  # the server is away: tried again on the next pass
                log.warning("could not recover decision %s: %r", d["id"], exc)
                continue
            if found is not None:
                outcome, note = found
                c.store_call(store.finish(d["id"], outcome, note, release=outcome != "applied"))
                self._adopted.discard(d["id"])
        c.store_call(store.forget_dead_processes(ORPHAN_AFTER_S * 6))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._beat, name="review-console-server-recovery", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(BEAT_S):  # an event wait: close() ends it at once
            try:
                self.console.store_call(self.console.store.heartbeat())
                self.recover_orphans()
            except Exception:
                log.exception("server-mode recovery pass failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
