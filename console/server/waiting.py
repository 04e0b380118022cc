"""Which of a server's threads wait for a reviewer, from threads.search alone (no per-thread state): the interrupted
ones, and the errored ones whose last run failed only because the graph refused a typed answer."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from console.server import client as sdk
from console.server.reading import interrupts_of, refused_answer

# What a waiting-list row needs: no values (they can be large), no config.
SELECT = ["thread_id", "created_at", "updated_at", "state_updated_at", "metadata", "status", "interrupts"]
WALK_PAGE = 1000  # the server's largest search page: a walk over 10,000 waiting threads is ten calls
# A refused answer's thread is "error" on the server, and a search row names its error only without `select`
# (langgraph-api 0.16.7: "error" is not selectable, and `interrupts` is empty for it), so these rows carry the
# thread's values too: read a page at a time, up to this many error threads, the latest first (they are few: each is
# a run that failed).
ERROR_PAGE = 100
ERRORS_LOOKED_AT = 1000


def since(thread: dict) -> float | None:
    """When the thread began waiting: its state's last change (a metadata edit does not move it)."""
    for key in ("state_updated_at", "updated_at"):
        try:
            return datetime.fromisoformat(str(thread.get(key))).timestamp()
        except ValueError:
            continue
    return None


def refusal(thread: dict) -> str | None:
    """“field”: reason when an error search row failed on a typed answer the graph refused, else None."""
    if thread.get("status") != "error":
        return None
    error = thread.get("error")
    message = error.get("message") if isinstance(error, dict) else error
    return refused_answer(message) if isinstance(message, str) else None


def walk(client, metadata: dict | None, status: str, page: int = WALK_PAGE, order: str = "asc",
         **search: Any) -> Iterator[dict]:
    """Every thread of one status (and metadata), a search page at a time, oldest change first (order="asc")."""
    offset = 0
    while True:
        found = client.threads.search(metadata=metadata or None, status=status, limit=page, offset=offset,
                                      sort_by="state_updated_at", sort_order=order, **search)
        yield from found
        if len(found) < page:
            return
        offset += len(found)


def refused_threads(client, metadata: dict | None) -> list[dict]:
    """The error threads whose question still waits (the graph refused the typed answer), oldest first, without
    their values; each with the refusal in words under "refused"."""
    rows = []
    for n, thread in enumerate(walk(client, metadata, "error", ERROR_PAGE, "desc")):  # the latest failures first
        if n >= ERRORS_LOOKED_AT:
            break
        said = refusal(thread)
        if said is not None:
            rows.append({**{k: thread.get(k) for k in SELECT}, "refused": said})
    return rows[::-1]


def timer_row(thread: dict) -> dict:
    """A row as the deadline timer and the Activity page read the local index's: thread, workflow, waiting_since,
    and a `checkpoint_id` naming the pause (its pending interrupts' ids: the search row has no checkpoint)."""
    ids = sorted(str(i.get("id")) for i in interrupts_of(thread))
    pause = ("interrupts:" + ",".join(ids)) if ids else f"{thread.get('status')}:{thread.get('state_updated_at')}"
    return {"thread_id": thread["thread_id"], "workflow": (thread.get("metadata") or {}).get("graph_id"),
            "checkpoint_id": pause, "interrupt_ids": ids, "waiting_since": since(thread)}


def waiting_rows(client, metadata: dict | None, refused: list[dict] | None = None) -> list[dict]:
    """Every waiting thread on the server (in the console's metadata scope) as timer rows, oldest first (`refused`:
    the refused answers' threads, when already read)."""
    rows = [timer_row(t) for t in walk(client, metadata, "interrupted", select=SELECT)]
    rows += [timer_row(t) for t in (refused_threads(client, metadata) if refused is None else refused)]
    return sorted(rows, key=lambda r: r["waiting_since"] or 0.0)


class WaitingCache:
    """The whole waiting list, and the refused answers' threads, each read at most once per inbox version
    (console/server/inbox.py: every few seconds, and on this console's own decisions), for the inbox's list and
    counts, the deadline timer and the Activity page alike: the refused ones come with their values (see above)."""

    def __init__(self, console) -> None:
        self.console = console
        self._lock = threading.RLock()  # rows() reads refused() inside it
        self._kept: tuple[tuple, list[dict]] | None = None
        self._refused: dict[str, tuple[tuple, list[dict]]] = {}  # by metadata filter, this version's only

    def refused(self, metadata: dict | None) -> list[dict]:
        c = self.console
        version, key = c.reads.version(), json.dumps(metadata or {}, sort_keys=True)
        with self._lock:
            kept = self._refused.get(key)
            if kept is None or kept[0] != version:
                with sdk.plain(c.settings.server_url):
                    kept = (version, refused_threads(c.client, metadata))
                self._refused = {k: v for k, v in self._refused.items() if v[0] == version} | {key: kept}
            return kept[1]

    def rows(self) -> list[dict]:
        c = self.console
        version = c.reads.version()
        with self._lock:
            if self._kept is None or self._kept[0] != version:
                with sdk.plain(c.settings.server_url):
                    self._kept = (version, waiting_rows(c.client, c.scope, self.refused(c.scope)))
            return self._kept[1]
