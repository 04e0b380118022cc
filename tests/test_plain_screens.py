"""Screens say no raw words: a large thread's notice titles its workflow, a failed step's error is its message
(the exception's type only under Details), read from LangGraph's saved repr without evaluating it."""

from __future__ import annotations

import pytest

from console.wording import split_error
from tests.test_pages import open_thread, texts


@pytest.mark.parametrize("saved, said", [
    ("RuntimeError('The printer is offline.')", ("The printer is offline.", "RuntimeError")),
    ("ValueError()", ("(the step gave no message)", "ValueError")),
    ("openai.APIError('rate limited', 429)", ("rate limited 429", "APIError")),
    ("ValueError('line one\\nline two')", ("line one\nline two", "ValueError")),
    ("The printer is offline.", ("The printer is offline.", None)),  # not a repr: its own message
    ("__import__('os').system('touch x')", ("__import__('os').system('touch x')", None)),  # read, never run
    ("f(x)", ("f(x)", None)),
])
def test_a_saved_error_is_split_into_its_message_and_type(saved, said):
    assert split_error(saved) == said


def test_a_large_threads_notice_titles_its_workflow(app, monkeypatch):
    monkeypatch.setenv("REVIEW_CONSOLE_LARGE_THREAD_MB", "0.00001")  # every demo thread is "large"
    at = open_thread(app, "demo-0007")
    assert not at.exception and "Load the whole thread" in [b.label for b in at.button]
    assert [t.value for t in at.title] == ["Assistant actions (Agent Inbox)"]
    assert "agent_inbox" not in texts(at)
