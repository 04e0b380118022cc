"""The inbox's "on it" column is one read for every session, yet a claim made in this process shows at once."""

from __future__ import annotations

from console.decision_types import Reviewer
from ui import cached, runtime


def on_it(at) -> dict[str, str]:
    table = next(d.value for d in at.dataframe if "on it" in d.value.columns)
    return dict(zip(table["thread_id"], table["on it"]))


def test_a_claim_here_shows_on_the_next_refresh_and_sessions_share_the_read(app, monkeypatch):
    at = app.run()
    assert not at.exception
    console_ = next(iter(runtime._consoles.values()))
    first = next(iter(on_it(at)))
    reads = []
    real = type(console_.team).holders
    monkeypatch.setattr(type(console_.team), "holders", lambda self: reads.append(1) or real(self))
    console_.team.claim(first, Reviewer("Bob"), 30)
    # Two sessions' refreshes back to back: one read between them.
    assert cached.holders(console_) == cached.holders(console_) and len(reads) == 1
    at = at.run()
    assert on_it(at)[first].startswith("Bob"), on_it(at)
