"""The inbox over a LangGraph Server: one threads.search page (status, graph, metadata) and one threads.count, plus the
refused answers' error threads and, with deadlines, the overdue ones (console/server/waiting.py, deadlines.py);
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
from console.server.deadlines import overdue_rows
from console.server.waiting import SELECT, WALK_PAGE, since

STATUS = {"waiting": "interrupted", "failed": "error", "running": "busy", "finished": "idle"}
# Reads are shared by every session for this long (ui/cached.py keys on version()): a page of twenty
# reviewers refreshing every 5 s costs one search per query and period, not twenty.
FRESH_S = 5.0
SORTS = {"waiting time": "state_updated_at", "workflow": "state_updated_at", "thread id": "thread_id"}


def first_rows(client, search: dict, wanted: int) -> list[dict]:
    """A search's first `wanted` rows, read WALK_PAGE at a time: the server returns at most that many a call, and a
    merged page deep in the list (past row 1,000) needs them all to be in order."""
    rows: list[dict] = []
    while len(rows) < wanted:
        ask = min(wanted - len(rows), WALK_PAGE)
        batch = client.threads.search(**search, limit=ask, offset=len(rows))
        rows += batch
        if len(batch) < ask:
            break  # the list ended
    return rows


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

    def page(self, q: InboxQuery, now: float | None = None) -> InboxPage:
        c = self.console
        size = max(1, min(q.page_size, MAX_PAGE_SIZE))
        metadata, ids = self._filters(q)
        status = STATUS.get(q.status, q.status)
        offset = (max(1, q.page) - 1) * size
        order = "asc" if q.oldest_first else "desc"
        deadlines = c.deadlines if q.status == "waiting" and c.deadlines else None  # a failed thread is due nothing
        now = time.time() if now is None else now  # tests give theirs: deadlines need no clock
        found, total = [], 0
        with sdk.plain(c.settings.server_url):
            # A thread whose typed answer the graph refused still waits (its page says so), though the server calls
            # it "error": listed with the waiting ones, and not with the failed ones.
            refused = self._refused(metadata, q.workflows, ids) if q.status in ("waiting", "failed") else []
            # Overdue threads first, as locally; the server cannot sort by a deadline, so they are read apart.
            # In the longest-waiting order a page needs only its first offset + size overdue threads of each workflow.
            enough = offset + size if q.oldest_first and SORTS.get(q.sort) == "state_updated_at" else None
            overdue = self._overdue(metadata, q.workflows, refused, now, enough) if deadlines and not ids else []
            merged = len(q.workflows) > 1 or bool(refused and q.status == "waiting") or bool(overdue)
            # One search per chosen workflow (threads.search filters on one graph_id at a time), merged.
            for graph in q.workflows or (None,):
                where = {**metadata, **({"graph_id": graph} if graph else {})}
                total += c.client.threads.count(metadata=where or None, status=status) if not ids else 0
                search = dict(metadata=where or None, status=status, ids=ids, select=SELECT,
                              sort_by=SORTS.get(q.sort, "state_updated_at"), sort_order=order)
                if merged:  # a merged page needs every list's first offset + size rows (and the overdue ones it skips)
                    found += first_rows(c.client, search, offset + size + len(overdue))
                else:
                    found += c.client.threads.search(**search, limit=size, offset=offset)
        read_at = time.time()
        if q.status == "waiting":
            found += refused
            total += len(refused)
        elif q.status == "failed" and refused:
            gone = {t["thread_id"] for t in refused}
            found = [t for t in found if t["thread_id"] not in gone]
            total -= len(refused)
        rows = [inbox_row(t) for t in found]
        if merged:
            late = {t["thread_id"] for t in overdue}
            key = "thread_id" if q.sort == "thread id" else "waiting_since"
            rows = sorted([inbox_row(t) for t in overdue], key=lambda r: (r[key] or 0), reverse=not q.oldest_first) + \
                sorted((r for r in rows if r["thread_id"] not in late), key=lambda r: (r[key] or 0),
                       reverse=not q.oldest_first)
            rows = rows[offset:offset + size]
        if ids:
            total = len(rows)
        # Filters the server cannot apply are applied to the page read (README: server mode).
        if q.kinds:
            rows = [r for r in rows if r["pause_kind"] in q.kinds]
        if q.min_age_s:
            rows = [r for r in rows if r["waiting_since"] and read_at - r["waiting_since"] >= q.min_age_s]
        page = page_of([tuple(r[k] for k in ROW_COLUMNS) for r in rows], total, dataclasses.replace(q, page_size=size),
                       now, deadlines)
        return dataclasses.replace(page, read_at=read_at)

    def _overdue(self, metadata: dict, workflows: tuple[str, ...], refused: list[dict], now: float,
                 enough: int | None) -> list[dict]:
        c = self.console
        late = overdue_rows(c.client, metadata, c.deadlines, workflows or tuple(c.registry), now, enough)
        for t in refused:  # refused answers' threads wait too, and are due like the others
            rule = c.deadlines.for_workflow((t.get("metadata") or {}).get("graph_id"))
            if rule is not None and (since(t) or now) <= now - rule.due_s:
                late.append(t)
        return late

    def _refused(self, metadata: dict, workflows: tuple[str, ...], ids: list[str] | None) -> list[dict]:
        rows = list(self.console.waiting.refused(metadata))  # read once per version for the list, counts and timer
        if workflows:
            rows = [t for t in rows if (t.get("metadata") or {}).get("graph_id") in workflows]
        return [t for t in rows if t["thread_id"] in ids] if ids else rows

    def counts(self) -> pd.DataFrame:
        """Threads per workflow and status: one threads.count per graph and status shown (waiting, failed, running)."""
        c = self.console
        rows = []
        with sdk.plain(c.settings.server_url):
            refused: dict[str, int] = {}  # waiting, though the server counts them as errors (see page)
            for t in c.waiting.refused(c.scope):
                graph = (t.get("metadata") or {}).get("graph_id")
                refused[graph] = refused.get(graph, 0) + 1
            for graph in c.registry:
                for status, server_status in (("waiting", "interrupted"), ("failed", "error"), ("running", "busy")):
                    n = c.client.threads.count(metadata={**c.scope, "graph_id": graph}, status=server_status)
                    n += {"waiting": 1, "failed": -1}.get(status, 0) * refused.get(graph, 0)
                    if n:
                        rows.append({"workflow": graph, "status": status, "threads": n})
        return pd.DataFrame(rows, columns=["workflow", "status", "threads"])
