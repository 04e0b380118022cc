"""A merged server inbox page (several workflows, refused answers or overdue threads merged in) needs each list's
first offset + size rows, and a LangGraph Server returns at most 1,000 rows a search: they are read a page at a time."""

from __future__ import annotations

from console.server.inbox import first_rows
from console.server.waiting import WALK_PAGE


class Threads:
    """threads.search over a list of rows, capped as the server caps a page."""

    def __init__(self, total: int) -> None:
        self.rows = [{"thread_id": f"t{n:05d}"} for n in range(total)]
        self.calls: list[tuple[int, int]] = []

    def search(self, limit: int, offset: int, **_filters) -> list[dict]:
        self.calls.append((limit, offset))
        return self.rows[offset:offset + min(limit, WALK_PAGE)]


class Client:
    def __init__(self, total: int) -> None:
        self.threads = Threads(total)


def test_rows_past_the_servers_page_are_read_in_order():
    client = Client(2_500)
    rows = first_rows(client, {"status": "interrupted"}, 2_050)
    assert [r["thread_id"] for r in rows] == [f"t{n:05d}" for n in range(2_050)]
    assert client.threads.calls == [(1_000, 0), (1_000, 1_000), (50, 2_000)]


def test_a_shorter_list_ends_the_walk():
    client = Client(1_200)
    assert len(first_rows(client, {}, 5_000)) == 1_200
    assert client.threads.calls == [(1_000, 0), (1_000, 1_000)]
    client = Client(0)
    assert first_rows(client, {}, 50) == [] and client.threads.calls == [(50, 0)]
