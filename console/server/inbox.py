"""The inbox over a LangGraph Server: one threads.search page (status, graph, metadata) and one threads.count,
previews from the interrupts the search returns; no per-thread state fetch."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid

import pandas as pd

from console.errors import InvalidAnswer
from console.inbox import MAX_PAGE_SIZE, ROW_COLUMNS, InboxPage, InboxQuery, page_of
from console.server import client as sdk
from console.server.reading import inbox_row

STATUS = {"waiting": "interrupted", "failed": "error", "running": "busy", "finished": "idle"}
# What a search row needs for the list: no values (they can be large), no config.
SELECT = ["thread_id", "created_at", "updated_at", "metadata", "status", "interrupts"]
# Reads are shared by every session for this long (ui/cached.py keys on version()): a page of twenty
# reviewers refreshing every 5 s costs one search per query and period, not twenty.
FRESH_S = 5.0
SORTS = {"waiting time": "updated_at", "workflow": "updated_at", "thread id": "thread_id"}


class ServerInbox:
    def __init__(self, console) -> None:
        self.console = console
        self._bump = 0  # raised by this console's own decisions and starts: their threads show at once
        self._lock = threading.Lock()

    def forget(self) -> None:
        with self._lock:
            self._bump += 1

    def version(self) -> tuple:
        """Changes every FRESH_S seconds and on this console's own decisions; the server has no change counter."""
        return (int(time.time() // FRESH_S), self._bump)

    def _filters(self, q: InboxQuery) -> tuple[dict, list[str] | None]:
        metadata = dict(self.console.scope)
        ids = None
        text = q.search.strip()
        if "=" in text:  # "key=value": a metadata filter, as threads.search takes it
            key, _, value = text.partition("=")
            metadata[key.strip()] = value.strip()
        elif text:
            try:
                ids = [str(uuid.UUID(text))]  # the server searches no preview text: a thread id
            except ValueError:
                raise InvalidAnswer("A LangGraph Server searches by thread id (a UUID) or by metadata "
                                    "(key=value, like team=billing), not by words in the preview.", "search") from None
        return metadata, ids

    def page(self, q: InboxQuery) -> InboxPage:
        c = self.console
        size = max(1, min(q.page_size, MAX_PAGE_SIZE))
        metadata, ids = self._filters(q)
        status = STATUS.get(q.status, q.status)
        offset = (max(1, q.page) - 1) * size
        order = "asc" if q.oldest_first else "desc"
        found, total = [], 0
        with sdk.plain(c.settings.server_url):
            # One search per chosen workflow (threads.search filters on one graph_id at a time), merged.
            for graph in q.workflows or (None,):
                where = {**metadata, **({"graph_id": graph} if graph else {})}
                total += c.client.threads.count(metadata=where or None, status=status) if not ids else 0
                found += c.client.threads.search(metadata=where or None, status=status, ids=ids, select=SELECT,
                                                 limit=offset + size if len(q.workflows) > 1 else size,
                                                 offset=0 if len(q.workflows) > 1 else offset,
                                                 sort_by=SORTS.get(q.sort, "updated_at"), sort_order=order)
        read_at = time.time()
        rows = [inbox_row(t) for t in found]
        if len(q.workflows) > 1:
            key = "thread_id" if q.sort == "thread id" else "waiting_since"
            rows = sorted(rows, key=lambda r: (r[key] or 0), reverse=not q.oldest_first)[offset:offset + size]
        if ids:
            total = len(rows)
        # Filters the server cannot apply are applied to the page read (README: server mode).
        if q.kinds:
            rows = [r for r in rows if r["pause_kind"] in q.kinds]
        if q.min_age_s:
            rows = [r for r in rows if r["waiting_since"] and read_at - r["waiting_since"] >= q.min_age_s]
        page = page_of([tuple(r[k] for k in ROW_COLUMNS) for r in rows], total, dataclasses.replace(q, page_size=size))
        return dataclasses.replace(page, read_at=read_at)

    def counts(self) -> pd.DataFrame:
        """Threads per workflow and status: one threads.count per graph and status shown (waiting, failed, running)."""
        c = self.console
        rows = []
        with sdk.plain(c.settings.server_url):
            for graph in c.registry:
                for status, server_status in (("waiting", "interrupted"), ("failed", "error"), ("running", "busy")):
                    n = c.client.threads.count(metadata={**c.scope, "graph_id": graph}, status=server_status)
                    if n:
                        rows.append({"workflow": graph, "status": status, "threads": n})
        return pd.DataFrame(rows, columns=["workflow", "status", "threads"])
