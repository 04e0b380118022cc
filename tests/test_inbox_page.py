"""The inbox page as a reviewer sees it: indexing notice, failed threads apart, threads it cannot list."""

import asyncio

from console.service import Console
from tests.inbox_graphs import ENTRY, elsewhere
from tests.test_pages import unescape


def captions(at) -> str:
    return unescape("\n".join(c.value for c in at.caption))


def test_the_inbox_says_when_a_large_database_is_still_being_indexed(app, monkeypatch):
    monkeypatch.setattr(Console, "index_backlog", lambda self: 12345)
    at = app.run()
    assert not at.exception
    assert any("Indexing about 12,345 threads" in unescape(i.value) for i in at.info)
    assert len(next(d.value for d in at.dataframe if "kind of pause" in d.value.columns)) > 0  # usable meanwhile


def test_failed_threads_are_listed_apart_with_their_error(app, db_path, monkeypatch):
    monkeypatch.setenv("REVIEW_CONSOLE_WORKFLOWS", ENTRY)
    asyncio.run(elsewhere(db_path, ("p-ok", "ask"), ("p-bad", "explode")))
    at = app.run()
    assert not at.exception
    waiting, failed = (d.value for d in at.dataframe if "thread_id" in d.value.columns)
    assert waiting["thread_id"].tolist() == ["p-ok"]
    assert "Stopped with an error" in [s.value for s in at.subheader]
    assert failed["thread_id"].tolist() == ["p-bad"] and "broke on purpose" in failed["preview"].iloc[0]


def test_threads_of_an_unknown_workflow_are_mentioned_not_hidden(app, db_path):
    asyncio.run(elsewhere(db_path, ("q-1", "ask")))  # "mix" is not registered in this console
    at = app.run()
    assert not at.exception
    assert "1 of a workflow this console does not know" in captions(at)
    assert any("No thread is waiting" in unescape(i.value) for i in at.info)
