"""Notifications with a deep link, through apprise, by way of the outbox: logged, retried with backoff, never in a decision's way.

Targets are apprise URLs (REVIEW_CONSOLE_NOTIFY): a webhook `json://host/path`,
Slack `slack://…`, e-mail `mailto://…`. An event is first written to rc_outbox,
one row per target, under a key that makes it once across every console process;
the timer (console/deadlines.py) then sends what is due, off the bridge loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import time
import uuid
from urllib.parse import quote

import apprise

from console.store.outbox import Outbox
from console.wording import workflow_title

log = logging.getLogger("review_console")

FIRST_RETRY_S = 30.0
MAX_RETRY_S = 3600.0
BATCH = 10  # rows taken at once: sent well within the outbox's lease (LEASE_S), even at apprise's timeouts
MAX_ATTEMPTS = 8  # about two hours of retries, then given up (and logged as an error)


def target_of(url: str) -> str:
    """The outbox names a target by a hash: the URL may carry a token or a password."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def retry_delay(attempts: int) -> float:
    """30 s, 1 min, 2 min, … up to an hour, after the n-th failed attempt (1-based)."""
    return min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** max(0, attempts - 1))


def _clock_words(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _send(url: str, title: str, body: str) -> str | None:
    """One notification to one target (blocking: run in a worker thread). None when sent, else what went wrong."""
    target = apprise.Apprise()
    if not target.add(url):
        return "the notification URL is not one apprise understands"
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        ok = target.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
    if ok:
        return None
    return " ".join(captured.getvalue().split())[:400] or "the target did not accept the notification"


class Notifier:
    """Writes events to the outbox and sends them; every failure is logged, none is raised to a caller."""

    def __init__(self, urls: tuple[str, ...], base_url: str, outbox: Outbox, registry: dict) -> None:
        self.urls = {target_of(u): u for u in urls}
        self.base_url = base_url.rstrip("/")
        self.outbox, self.registry = outbox, registry
        self._sending = asyncio.Lock()  # made on the bridge loop: one delivery pass at a time per process
        self._tasks: set[asyncio.Task] = set()

    @property
    def enabled(self) -> bool:
        return bool(self.urls)

    def link(self, thread_id: str) -> str:
        return f"{self.base_url}/thread?thread_id={quote(thread_id, safe='')}"

    def _title(self, workflow: str | None) -> str:
        return workflow_title(workflow, self.registry) if workflow else "A workflow"

    def _message(self, kind: str, row: dict, rule, now: float) -> tuple[str, str]:
        name, thread_id, since = self._title(row.get("workflow")), row["thread_id"], row.get("waiting_since")
        where = f"“{name}”, thread {thread_id}"
        if kind == "waiting":
            return f"Waiting for a review: {name}", f"{where}, waits for a reviewer. Open it: {self.link(thread_id)}"
        due = since + rule.due_s
        if kind == "reminder":
            return (f"Due soon: {name}", f"{where}, is {rule.words(since, now)} (at {_clock_words(due)}). "
                    f"Open it: {self.link(thread_id)}")
        then = (f" The console now applies its default decision ({rule.action.replace('_', ' ')})." if rule.action
                else " No default decision is set: it waits for a reviewer.")
        return f"Overdue: {name}", f"{where}, was due at {_clock_words(due)}.{then} Open it: {self.link(thread_id)}"

    async def events(self, kind: str, rows: list[dict], now: float, rule=None) -> None:
        """waiting / reminder / overdue for these index rows; each one goes out once, whoever notices it."""
        if not self.enabled or not rows:
            return
        out = []
        for row in rows:
            title, body = self._message(kind, row, rule, now)
            for target in self.urls:
                out.append({"event_key": f"{kind}:{row['thread_id']}:{row['checkpoint_id']}:{target}", "kind": kind,
                            "thread_id": row["thread_id"], "target": target, "title": title, "body": body})
        try:
            await self.outbox.enqueue(out, now)
        except Exception:  # busy now: the next pass notices the same rows again
            log.warning("could not write %d %s notifications to the outbox yet", len(rows), kind, exc_info=True)

    async def failed(self, thread_id: str, workflow: str | None, who: str, message: str, now: float | None = None) -> None:
        if not self.enabled:
            return
        now = time.time() if now is None else now
        event = uuid.uuid4().hex  # every failure is an event of its own
        body = (f"A decision by {who} on “{self._title(workflow)}”, thread {thread_id}, did not go through: {message} "
                f"Open it: {self.link(thread_id)}")
        rows = [{"event_key": f"failed:{thread_id}:{event}:{t}", "kind": "failed", "thread_id": thread_id, "target": t,
                 "title": f"A decision failed: {self._title(workflow)}", "body": body} for t in self.urls]
        try:
            await self.outbox.enqueue(rows, now)
        except Exception:
            log.error("could not write the notification of a failed decision on thread %s", thread_id, exc_info=True)

    def on_outcome(self, req, reviewer, workflow: str | None, outcome) -> None:
        """The decision path's listener (on the bridge loop): a failed outcome is noted in a task of its own."""
        if self.enabled and outcome.status == "failed":
            task = asyncio.get_running_loop().create_task(
                self.failed(req.thread_id, workflow, reviewer.name, outcome.message, time.time()))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        """Wait for the listener's tasks (tests, and a console closing)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def deliver(self, now: float | None = None, batches: int = 10) -> tuple[int, int]:
        """Send what is due; returns (sent, failed). A failure is logged and retried later with a longer wait.
        Taken a small batch at a time, so a batch is sent well within its lease even to slow targets."""
        if not self.enabled:
            return 0, 0
        now = time.time() if now is None else now
        sent = failed = 0
        async with self._sending:
            for _ in range(batches):
                rows = await self.outbox.take(now, BATCH)
                for row in rows:
                    ok = await self._send_one(row, now)
                    sent, failed = sent + ok, failed + (not ok)
                if len(rows) < BATCH:
                    break
        return sent, failed

    async def _send_one(self, row: dict, now: float) -> bool:
        url = self.urls.get(row["target"])
        error = ("this console has no such notification URL configured" if url is None
                 else await asyncio.to_thread(_send, url, row["title"], row["body"]))
        if error is None:
            await self.outbox.sent(row["id"], now)
            return True
        attempts = int(row["attempts"]) + 1
        if attempts >= MAX_ATTEMPTS:
            log.error("notification %s given up after %d attempts: %s", row["id"], attempts, error)
            await self.outbox.failed(row["id"], None, error)
        else:
            log.warning("notification %s failed (attempt %d), retried in %.0f s: %s", row["id"], attempts,
                        retry_delay(attempts), error)
            await self.outbox.failed(row["id"], now + retry_delay(attempts), error)
        return False
