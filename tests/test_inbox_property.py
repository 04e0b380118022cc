"""Property: the inbox lists exactly the threads whose aget_state has `next` and no error, at the same node.

Random mixes of threads, written by the console or by another process's saver
(its own connection, with or without a `workflow` key in the metadata):
dynamic pauses, both static pauses, two interrupts in one node, answered,
finished, failed, state edited with and without as_node, forked from an older
checkpoint. The truth is the graph's own aget_state, read afresh.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.types import Command

from console.inbox import InboxQuery
from tests.conftest import ANN
from tests.inbox_graphs import COMPILE, ENTRY, MODES, build

FOLLOW_UPS = ("none", "answer", "answer_all", "edit", "edit_as_node", "fork")
WRITERS = ("console", "other", "other_no_metadata")

plans = st.lists(
    st.tuples(st.sampled_from(MODES), st.sampled_from(FOLLOW_UPS), st.sampled_from(WRITERS)),
    min_size=1, max_size=6,
)


def wait_indexed(console_, timeout: float = 5.0) -> None:
    """Bounded wait for the background deriver to take every mark (the writer has committed)."""
    deadline = time.monotonic() + timeout
    while console_.index_backlog() > 0:
        assert time.monotonic() < deadline, "the index did not catch up"
        time.sleep(0.01)


async def answer_once(graph, cfg) -> None:
    snap = await graph.aget_state(cfg)
    if snap.interrupts:
        await graph.ainvoke(Command(resume={snap.interrupts[0].id: "yes"}), cfg, durability="sync")
    elif snap.next:
        await graph.ainvoke(None, cfg, durability="sync")


async def follow_up(graph, cfg, what: str) -> None:
    if what == "answer":
        await answer_once(graph, cfg)
    elif what in ("answer_all", "fork"):
        for _ in range(4):
            await answer_once(graph, cfg)
        if what == "fork":
            # A new branch from the oldest checkpoint that still had work ahead.
            history = [s async for s in graph.aget_state_history(cfg)]
            older = [s for s in history if s.next and s.next != ("__start__",)]
            if older:
                await graph.aupdate_state(older[-1].config, {"text": "forked"})
    elif what == "edit":
        await graph.aupdate_state(cfg, {"text": "edited"})  # no as_node: the pause may stay without its interrupt
    elif what == "edit_as_node":
        snap = await graph.aget_state(cfg)
        node = next((t.name for t in snap.tasks if t.interrupts), snap.next[0] if snap.next else None)
        if node:
            await graph.aupdate_state(cfg, {"text": "edited"}, as_node=node)


async def write_and_read(db_path, plan, prefix: str, console_) -> dict[str, tuple[str, str | None]]:
    """Run the plan (threads by the console, the rest by this 'other process'), then read the truth."""
    async with AsyncSqliteSaver.from_conn_string(str(db_path)) as saver:
        graph = build().compile(checkpointer=saver, **COMPILE)
        truth = {}
        for i, (mode, what, writer) in enumerate(plan):
            thread_id = f"{prefix}{i}"
            cfg = {"configurable": {"thread_id": thread_id}}
            if writer == "console":
                # The console's own start runs on its bridge; a plain call from this thread.
                await asyncio.to_thread(lambda: list(console_.start("mix", json.dumps({"mode": mode, "text": "topic"}),
                                                                    ANN, thread_id=thread_id)))
            else:
                run_cfg = dict(cfg)
                if writer == "other":
                    run_cfg["metadata"] = {"workflow": "mix", "workflow_version": "1"}
                try:
                    await graph.ainvoke({"mode": mode, "text": "topic"}, run_cfg, durability="sync")
                except RuntimeError:
                    pass  # mix_explode: the error is saved on the thread
            try:
                await follow_up(graph, cfg, what)
            except Exception:
                pass  # an action refused by LangGraph leaves the thread as it is: the truth says how
        for i in range(len(plan)):
            thread_id = f"{prefix}{i}"
            snap = await graph.aget_state({"configurable": {"thread_id": thread_id}})
            error = any(t.error is not None for t in snap.tasks)
            node = None
            if snap.next and not error:
                asked = next((t.name for t in snap.tasks for it in t.interrupts
                              if snap.interrupts and it.id == snap.interrupts[0].id), None)
                node = asked or snap.next[0]
            truth[thread_id] = ("failed" if error else "waiting" if snap.next else "finished", node)
        return truth


def test_inbox_lists_exactly_the_pending_threads(make_console, db_path):
    console_ = make_console(seed_demo=False, extra_workflows=(ENTRY,))
    counter = itertools.count()

    @settings(max_examples=40, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(plans)
    def check(plan):
        prefix = f"ex{next(counter):03d}x"
        truth = asyncio.run(write_and_read(db_path, plan, prefix, console_))
        wait_indexed(console_)
        waiting = console_.inbox(InboxQuery(search=prefix, page_size=500)).rows
        listed = dict(zip(waiting["thread_id"], waiting["waiting at"]))
        expected = {t: node for t, (status, node) in truth.items() if status == "waiting"}
        assert listed == expected, (plan, truth)
        failed = set(console_.inbox(InboxQuery(status="failed", search=prefix, page_size=500)).rows["thread_id"])
        assert failed == {t for t, (status, _) in truth.items() if status == "failed"}, (plan, truth)

    check()
