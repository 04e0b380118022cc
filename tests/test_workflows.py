"""Workflows: the registry, a team's own graph loaded by setting, and its threads from another process."""

import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, answer
from workflows.registry import DEMO_WORKFLOWS, WorkflowLoadError, load_entry, load_registry

OWN = "examples.support_reply:build?interrupt_before=send_reply&input=ticket"

RUN_ELSEWHERE = """
import asyncio, sys
sys.path.insert(0, sys.argv[2])
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from examples.support_reply import build
async def main():
    async with AsyncSqliteSaver.from_conn_string(sys.argv[1]) as saver:
        graph = build().compile(checkpointer=saver)
        await graph.ainvoke({"ticket": "my parcel is late"}, {"configurable": {"thread_id": "ticket-42"}})
asyncio.run(main())
"""


def test_registry_lists_the_demo_workflows_once():
    names = [spec.name for spec in DEMO_WORKFLOWS]
    assert len(names) == len(set(names)) and set(names) <= set(load_registry()[0])


def test_load_entry_reads_compile_options():
    spec = load_entry(OWN + "&title=Support replies")
    assert spec.name == "support_reply" and spec.title == "Support replies"
    assert spec.compile_options == {"interrupt_before": ["send_reply"]}
    assert set(spec.builder().nodes) >= {"draft_reply", "review_reply", "send_reply"}


@pytest.mark.parametrize("entry", ["nocolon", "examples.support_reply:missing", "no.such.module:build"])
def test_bad_entries_say_what_is_wrong(entry):
    with pytest.raises(WorkflowLoadError):
        load_entry(entry)


def test_own_workflow_end_to_end(make_console):
    console_ = make_console(seed_demo=False, extra_workflows=(OWN,))
    from tests.conftest import ANN

    list(console_.start("support_reply", "my order", ANN, thread_id="ticket-1"))
    answer(console_, "ticket-1", "approve")
    view = console_.thread("ticket-1")
    assert (view.status, view.pause_kind, view.waiting_node) == ("waiting", "before", "send_reply")
    answer(console_, "ticket-1", "continue")
    assert console_.thread("ticket-1").values["status"] == "sent"


@pytest.mark.sqlite_only  # the other process writes the SQLite file
def test_threads_run_by_another_process_appear_in_the_inbox(make_console, db_path):
    console_ = make_console(seed_demo=False, extra_workflows=(OWN,))
    subprocess.run([sys.executable, "-c", RUN_ELSEWHERE, str(db_path), str(ROOT)], check=True, timeout=60)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and console_.inbox().total == 0:
        time.sleep(0.05)
    rows = console_.inbox().rows
    assert rows["thread_id"].tolist() == ["ticket-42"]
    assert rows["workflow"].tolist() == ["support_reply"]  # recognised by its node names
    answer(console_, "ticket-42", "approve")
    assert console_.thread("ticket-42").waiting_node == "send_reply"
