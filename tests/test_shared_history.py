"""The thread page's History is one read for every session on the thread, and a decision shows in it at once."""

from __future__ import annotations

from tests.conftest import ANN, answer
from tests.test_pages import open_thread
from ui import runtime


def history_table(at):
    return next(d.value for d in at.dataframe if "what happened" in d.value.columns)


def test_sessions_share_the_history_and_a_decision_moves_it(app, monkeypatch):
    first = open_thread(app, "demo-0005")  # a two-stage review: a decision leaves it waiting, one step on
    assert not first.exception
    console_ = next(iter(runtime._consoles.values()))
    reads = []
    real = type(console_).history
    monkeypatch.setattr(type(console_), "history", lambda self, view: reads.append(view.thread_id) or real(self, view))
    before = history_table(first)
    from streamlit.testing.v1 import AppTest

    others = [open_thread(AppTest.from_file(app._script_path, default_timeout=60), "demo-0005") for _ in range(3)]
    assert all(history_table(o).equals(before) for o in others)
    assert reads == []  # the first session's read served the other three
    outcome = answer(console_, "demo-0005", "approve", ANN)
    assert outcome.status == "applied", outcome
    after = history_table(open_thread(others[0], "demo-0005"))
    # Its second question waits in the same saved step: only the decision column moves, and it shows.
    assert reads == ["demo-0005"]
    assert not any("Ann" in str(v) for v in before["decision"]) and any("Approved by Ann" == v for v in after["decision"])
