"""The moment between the console's look at a server thread and its run: a last look just before sending, and,
after the run, whether another run (an answer sent past the console) started from the same checkpoint too."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from console.server import client as sdk

log = logging.getLogger("review_console")

# langgraph-api 0.16.7 has no "run only if the thread still stands at this checkpoint": a run sent with a
# checkpoint_id runs from it even when the thread moved on since, and multitask_strategy="reject" refuses only
# while another run is in flight. So the console looks last just before it sends (the moment left is one
# request long: bench/server_race.py measures it), and afterwards reads what the server did.
HISTORY_READ = 100  # checkpoints newer than the one seen: one run's steps and another's, well within it

TWO_RUNS = ("Another answer to this thread reached the LangGraph Server from outside this console (for example "
            "from Agent Inbox) in the moment before yours was sent, and the server ran both. The thread now follows "
            "yours; the other run is on an earlier branch in its history. Check whether anything that run did outside "
            "the console (an email sent, a post published) needs undoing.")
# A run from a checkpoint whose step another run has already answered replays that run's writes (langgraph-api
# 0.16.7, measured: decide.ask_again works round the same thing): the later answer is not used.
NOT_USED = ("Your decision was not used: another answer to this question reached the LangGraph Server first, from "
            "outside this console (for example from Agent Inbox), in the moment before yours was sent. When yours "
            "arrived, the server ran the workflow on from that other answer a second time, so the steps after it ran "
            "twice. Check whether anything they did outside the console (an email sent, a post published) needs undoing.")


@dataclass(frozen=True)
class Landed:
    """Other runs that started from the checkpoint the console sent its run on."""
    runs: tuple[str, ...]
    before_ours: bool  # one of them wrote from it before the console's run did


def moved_from(c, thread_id: str, checkpoint_id: str) -> str | None:
    """The last look before sending: "moved on" when the thread's latest checkpoint is no longer `checkpoint_id`
    (one get_state: a run in flight is refused by the server itself, multitask_strategy="reject")."""
    with sdk.plain(c.settings.server_url, thread_id):
        state = c.client.threads.get_state(thread_id)
    return None if (state.get("checkpoint") or {}).get("checkpoint_id") == checkpoint_id else "moved on"


def other_runs(history: list[dict], seen: str, own_runs: set[str]) -> Landed:
    """The runs other than ours that started from checkpoint `seen`. `seen` was the thread's latest checkpoint
    when the console looked, so it had no child then: each child is ours or came after the look. State updates
    (a fork, an edit) carry no run id: only runs count. Checkpoint ids sort by time."""
    others: dict[str, str] = {}
    ours: list[str] = []
    for state in history:
        if (state.get("parent_checkpoint") or {}).get("checkpoint_id") != seen:
            continue
        run_id = (state.get("metadata") or {}).get("run_id")
        checkpoint_id = str((state.get("checkpoint") or {}).get("checkpoint_id"))
        if run_id in own_runs:
            ours.append(checkpoint_id)
        elif isinstance(run_id, str):
            others[run_id] = min(checkpoint_id, others.get(run_id, checkpoint_id))
    first_other = min(others.values(), default=None)
    return Landed(tuple(others), first_other is not None and (not ours or first_other < min(ours)))


def check_after(c, thread_id: str, seen: str, own_runs: set[str]) -> Landed:
    """other_runs on the thread as the server has it now; logged when there are any (it is never silent)."""
    with sdk.plain(c.settings.server_url, thread_id):
        history = c.client.threads.get_history(thread_id, limit=HISTORY_READ)
    others = other_runs(history, seen, own_runs)
    if others.runs:
        log.warning("thread %s: runs %s also started from checkpoint %s besides the console's %s (%s)",
                    thread_id, list(others.runs), seen, sorted(own_runs), "theirs first" if others.before_ours else "ours first")
    return others


def detail(seen: str, others: Landed, used: bool) -> str:
    """The decision log's words for it (run ids: the log is for audits)."""
    return (f"Two runs applied from checkpoint {seen}: besides this one, run {', '.join(others.runs)}, sent to the "
            "server outside this console. " + ("This decision's answer was used." if used else
            "The server used that run's answer and ran the workflow on from it again for this one: this answer was not used."))
