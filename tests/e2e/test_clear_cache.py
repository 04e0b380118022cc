"""Issue 11.1: a raw websocket client's clear_cache must not close the console under a run in flight.

No browser: three clients speak Streamlit's own protocol (bench/streamlit_session.py) to
`streamlit run` of the real app. Every wait is on a state (a file line, a script_finished), bounded.
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
from console.service import Console
from console.settings import Settings
from tests.e2e.conftest import running_app
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


async def _journey(port: int, folder: Path) -> None:
    log, gate = folder / "effects.log", folder / "gate"
    async with Session(port, timeout_s=WAIT_S) as ann, Session(port, timeout_s=WAIT_S) as attacker:
        _quiet(await ann.open("thread", {"thread_id": THREAD}))
        ann.set("Your name", string_value="Ann")
        _quiet(await ann.rerun())
        ann.click("Approve", kind="button")
        approving = await ann.rerun(wait=False)
        await _until(lambda: "started" in _lines(log), "the slow step starting")

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
        # A thread of its own: a browser test before this one may have left Playwright's loop running here.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, _journey(port, tmp_path)).result()
        with sqlite3.connect(server.db_path) as conn:
            log = conn.execute("SELECT action, reviewer, outcome FROM rc_decisions WHERE thread_id = ? ORDER BY id",
                               (THREAD,)).fetchall()
    assert log[1:] == [("approve", "Ann", "applied")], (log, server.log_tail())
