"""Shared fixtures: a console on a temporary database, and AppTest on the real app."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["REVIEW_CONSOLE_TOKEN_DELAY"] = "0"  # tests wait on state, not on a typing model

import console  # noqa: E402,F401  (strict checkpoint decoding before langgraph loads)
from console.decisions import DecisionRequest, Reviewer  # noqa: E402
from console.service import Console  # noqa: E402
from console.settings import Settings  # noqa: E402

ANN = Reviewer("Ann")
BOB = Reviewer("Bob")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "checkpoints.db"


@pytest.fixture
def make_console(db_path: Path):
    """Open consoles on the test database (several = several processes' worth of bridges)."""
    opened: list[Console] = []

    def make(seed_demo: bool = True, path: Path | None = None, **options) -> Console:
        instance = Console(Settings(db_path=path or db_path, seed_demo=seed_demo, offline_token_delay=0, **options))
        opened.append(instance)
        return instance

    yield make
    for instance in opened:
        instance.close()


@pytest.fixture
def demo(make_console) -> Console:
    return make_console(seed_demo=True)


def answer(console_: Console, thread_id: str, action: str, reviewer: Reviewer = ANN, **inputs):
    """Decide on the thread as it stands now; returns the final Outcome."""
    view = console_.thread(thread_id)
    interrupt_id = view.interrupts[0].id if view.interrupts else None
    items = list(console_.decide(DecisionRequest(thread_id, view.checkpoint_id, interrupt_id, action, inputs), reviewer))
    return items[-1]


@pytest.fixture
def app(db_path: Path, monkeypatch):
    """The real app under AppTest, on a fresh demo database, with a reviewer name typed in."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("REVIEW_CONSOLE_DB", str(db_path))
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()  # closes the previous test's console (on_release)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["reviewer_name"] = "Ann"
    yield at
    st.cache_resource.clear()
