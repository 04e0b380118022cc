"""The indexer's batch reads (console/light_state.py) build each thread's view exactly as aget_state does.

Threads of every kind: the demo's (formats, subgraphs, static pauses) and the mix
graph's in every mode, each answered, edited (with and without as_node) or forked;
the truth is the same reader on the real saver, through the graph's own aget_state.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import sqlite3

import pytest
from langgraph.types import Command

import console.light_state as light_state
from console.light_state import NotPreloaded
from tests.conftest import other_saver
from tests.inbox_graphs import COMPILE, ENTRY, MODES, build

FOLLOW_UPS = ("none", "answer", "edit", "edit_as_node", "fork")


async def write_threads(db_path) -> list[str]:
    """One thread per (mode, follow-up), written by another process's saver."""
    ids = []
    async with other_saver(db_path) as saver:
        graph = build().compile(checkpointer=saver, **COMPILE)
        for n, (mode, what) in enumerate(itertools.product(MODES, FOLLOW_UPS)):
            thread_id = f"light-{n}"
            ids.append(thread_id)
            cfg = {"configurable": {"thread_id": thread_id}, "metadata": {"workflow": "mix", "workflow_version": "1"}}
            try:
                await graph.ainvoke({"mode": mode, "text": "topic"}, cfg, durability="sync")
            except RuntimeError:
                pass  # mix_explode: the error is saved on the thread
            snap = await graph.aget_state(cfg)
            try:
                if what == "answer" and (snap.interrupts or snap.next):
                    resume = Command(resume={snap.interrupts[0].id: "yes"}) if snap.interrupts else None
                    await graph.ainvoke(resume, cfg, durability="sync")
                elif what == "edit":
                    await graph.aupdate_state(cfg, {"text": "edited"})
                elif what == "edit_as_node" and snap.next:
                    node = next((t.name for t in snap.tasks if t.interrupts), snap.next[0])
                    await graph.aupdate_state(cfg, {"text": "edited"}, as_node=node)
                elif what == "fork":
                    history = [s async for s in graph.aget_state_history(cfg)]
                    if len(history) > 2:
                        await graph.aupdate_state(history[-2].config, {"text": "forked"})
            except Exception:
                pass  # refused by LangGraph: the thread stays as it is, and is compared as it is
    return ids


def as_compared(view) -> dict | None:
    if view is None or isinstance(view, dict):
        return view
    return {**dataclasses.asdict(view), "index_row": view.index_row()}


@pytest.mark.sqlite_only  # the batch reads are SQLite's (PostgreSQL reads thread by thread)
def test_batch_views_equal_aget_state_views_for_every_thread(make_console, db_path, monkeypatch):
    app = make_console(seed_demo=True, extra_workflows=(ENTRY,))
    asyncio.run(write_threads(db_path))
    built = []
    original = light_state.LightGraph._snapshot
    monkeypatch.setattr(light_state.LightGraph, "_snapshot",
                        lambda self, saved, live: built.append(original(self, saved, live)) or built[-1])
    reader = app.threads

    async def both():
        ids = [r[0] for r in await app.store.db.all("SELECT DISTINCT thread_id FROM checkpoints ORDER BY thread_id")]
        running = set()
        saver = await reader.preload(ids)
        light, later = {}, []
        for thread_id in ids:
            try:
                light[thread_id] = await reader.load_safely(thread_id, False, saver)
            except NotPreloaded:
                later.append(thread_id)
        await reader.preload_parents(saver, later)
        for thread_id in later:
            try:
                light[thread_id] = await reader.load_safely(thread_id, False, saver)
            except NotPreloaded:
                light[thread_id] = await reader.load_safely(thread_id, False, saver, light=False)
        truth = {t: await reader.load_safely(t, t in running) for t in ids}  # the real saver, aget_state
        return ids, light, truth, later

    ids, light, truth, later = app.bridge.run(both(), timeout=120)
    assert len(ids) >= len(MODES) * len(FOLLOW_UPS)
    for thread_id in ids:
        assert as_compared(light[thread_id]) == as_compared(truth[thread_id]), thread_id
    # The batch path did the work (not the fallback): most snapshots, parents of static pauses too.
    assert sum(s is not None for s in built) >= len(ids) // 2
    assert later, "no static pause asked for its parent"


def test_the_fast_path_is_on_with_the_pinned_langgraph():
    """After a LangGraph upgrade that moves its private step functions the console still works (through
    aget_state), but the first start is slower: this says so in CI instead of silently."""
    assert light_state.AVAILABLE


@pytest.mark.sqlite_only  # rewrites a checkpoint row with sqlite3
def test_a_value_langgraph_rebuilds_from_the_history_is_read_by_aget_state(make_console, db_path):
    """A reducer channel with a version but no stored value (a DeltaChannel before its annotation
    changed): aget_state rebuilds it from older checkpoints; the batch read must not build it empty."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
    from tests.inbox_graphs import elsewhere

    app = make_console(seed_demo=False, extra_workflows=(ENTRY,))
    asyncio.run(elsewhere(db_path, ("rebuilt", "ask"), ("rebuilt", "answer")))
    serde = JsonPlusSerializer()
    with contextlib.closing(sqlite3.connect(db_path)) as conn, conn:
        checkpoint_id, type_, blob = conn.execute(
            "SELECT checkpoint_id, type, checkpoint FROM checkpoints WHERE thread_id = 'rebuilt' "
            "ORDER BY checkpoint_id DESC LIMIT 1").fetchone()
        checkpoint = serde.loads_typed((type_, blob))
        assert "answers" in checkpoint["channel_versions"]
        del checkpoint["channel_values"]["answers"]
        conn.execute("UPDATE checkpoints SET checkpoint = ? WHERE thread_id = 'rebuilt' AND checkpoint_id = ?",
                     (serde.dumps_typed(checkpoint)[1], checkpoint_id))
    reader = app.threads

    async def both():
        return (await reader.load_safely("rebuilt", False, await reader.preload(["rebuilt"])),
                await reader.load_safely("rebuilt", False))
    light, truth = app.bridge.run(both(), timeout=60)
    assert truth.values["answers"] == ["yes", "done"]  # rebuilt by LangGraph from the parent and its writes
    assert as_compared(light) == as_compared(truth)
