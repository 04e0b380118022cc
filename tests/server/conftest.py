"""A real LangGraph Server for the server-mode tests (tests/server/launch.py), started once, stopped at the end.
A server that cannot start fails the tests: it is never a skip."""

from __future__ import annotations

import pytest

from tests.server.launch import ServerDidNotStart, free_port, start_server, stop_server  # noqa: F401 (free_port: tests)


@pytest.fixture(scope="session")
def langgraph_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("langgraph-server")
    try:
        process, url, _log = start_server(folder)
    except ServerDidNotStart as exc:
        pytest.fail(str(exc))
    yield url
    stop_server(process)
