"""Issue 11.1: a raw websocket client's clear_cache must not close the console under a run in flight.

No browser: three clients speak Streamlit's own protocol (bench/streamlit_session.py) to
`streamlit run` of the real app. Every wait is on a state (a file line, a script_finished), bounded.

On the local store, then in server mode: there the run is on a real `langgraph dev` (tests/server/graphs.py
serves the same slow step), and the promise is the same: another client's clear_cache neither closes the console's
connection and database nor breaks the in-flight decision's live progress and outcome.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import sqlite3
import time
from pathlib import Path

import pytest

from bench.streamlit_session import Session
from console.decisions import Reviewer
from console.server.client import connect
from console.service import Console
from console.settings import Settings
from tests.e2e.conftest import running_app, server_mode_app
from tests.lifetime_flow import ENTRY

THREAD = "lifetime-1"
WAIT_S = 60


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


async def _until(condition, what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout_s} s")
        await asyncio.sleep(0.02)  # polling a file the server writes, not a timed wait


def _quiet(run) -> None:
    """A finished run that shows no exception box."""
    assert run.status is not None and not run.exceptions, [e.message for e in run.exceptions]


async def _journey(port: int, folder: Path, thread_id: str, in_flight: str) -> None:
    log, gate = folder / "effects.log", folder / "gate"
    async with Session(port, timeout_s=WAIT_S) as ann, Session(port, timeout_s=WAIT_S) as attacker:
        _quiet(await ann.open("thread", {"thread_id": thread_id}))
        ann.set("Your name", string_value="Ann")
        _quiet(await ann.rerun())
        ann.click("Approve", kind="button")
        approving = await ann.rerun(wait=False)
        await _until(lambda: "started" in _lines(log), "the slow step starting")
        if in_flight:  # the live progress the run in flight draws, before anyone clears anything
            await _until(lambda: any(in_flight in text for text in approving.texts()), f"the progress {in_flight!r}")

        _quiet(await attacker.open("inbox"))
        await attacker.clear_cache()
        # BackMsgs of one connection are handled in order: once this rerun finished, so did the clear.
        _quiet(await attacker.rerun())
        gate.touch()

        await ann.wait(approving)
        _quiet(approving)
        assert any(text.startswith("Done") for text in approving.texts()), approving.texts()

        async with Session(port, timeout_s=WAIT_S) as bob:  # another reviewer, after the attack
            _quiet(await bob.open("inbox"))
            assert "Inbox" in bob.last_full.texts()
    assert _lines(log) == ["started", "done"]  # the side effect ran once, to its end


def test_clear_cache_from_any_client_leaves_a_run_in_flight_to_finish(tmp_path):
    env = {"REVIEW_CONSOLE_WORKFLOWS": ENTRY, "REVIEW_CONSOLE_RUN_TIMEOUT": str(WAIT_S)}
    with running_app(tmp_path, own_threads=False, env_extra=env) as server:
        starter = Console(Settings(db_path=server.db_path, seed_demo=False, extra_workflows=(ENTRY,), offline_token_delay=0))
        try:
            text = json.dumps({"draft": "a reply", "log": str(tmp_path / "effects.log"), "gate": str(tmp_path / "gate")})
            assert list(starter.start("slow_effect", text, Reviewer("Seeder"), THREAD))[-1].status == "started"
        finally:
            starter.close()
        port = int(server.url.rsplit(":", 1)[1])
        _run_journey(port, tmp_path, THREAD)
        log = _decisions(server.db_path, THREAD)
    assert log[1:] == [("approve", "Ann", "applied")], (log, server.log_tail())


def _run_journey(port: int, folder: Path, thread_id: str, in_flight: str = "") -> None:
    # A thread of its own: a browser test before this one may have left Playwright's loop running here.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _journey(port, folder, thread_id, in_flight)).result()


def _decisions(db_path: Path, thread_id: str) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT action, reviewer, outcome FROM rc_decisions WHERE thread_id = ? ORDER BY id",
                            (thread_id,)).fetchall()


def test_clear_cache_leaves_a_run_in_flight_on_a_langgraph_server_to_finish(langgraph_server, tmp_path):
    """The run is the server's (tests/server/graphs.py:slow_effect): the console streams it while another client
    clears every cache; the decision still ends applied, once, with its outcome shown to the one who sent it."""
    from tests.e2e.server_mode import _run

    scope = {"e2e": "clear-cache"}  # this test's thread only, in this app's inbox
    client = connect(langgraph_server)
    try:
        inputs = {"draft": "a reply", "log": str(tmp_path / "effects.log"), "gate": str(tmp_path / "gate")}
        thread_id = _run(client, "slow_effect", scope, input=inputs)
    finally:
        client.close()
    env = {"REVIEW_CONSOLE_SERVER_METADATA": json.dumps(scope), "REVIEW_CONSOLE_RUN_TIMEOUT": str(WAIT_S)}
    with server_mode_app(tmp_path, (langgraph_server, {}, []), env_extra=env) as app:
        # runs.stream's progress of the slow step, drawn while it waits for the gate; the outcome then ends that run.
        _run_journey(int(app.url.rsplit(":", 1)[1]), tmp_path, thread_id, in_flight="Slow effect started")
        log = _decisions(app.db_path, thread_id)
    assert log == [("approve", "Ann", "applied")], (log, app.log_tail())
