"""A real LangGraph Server for the server-mode tests (tests/server/launch.py), started once, stopped at the end.
A server that cannot start fails the tests: it is never a skip."""

from __future__ import annotations

import os

import pytest

from tests.server.launch import ServerDidNotStart, free_port, start_server, stop_server  # noqa: F401 (free_port: tests)

# Where the hostile graph aims its text (tests/server/graphs.py:hostile), told to the server when it starts: the
# untrusted-text journey's listener binds that address (tests/e2e/test_untrusted_browser.py), read from this variable.
LEAK_URL_VARIABLE = "E2E_SERVER_LEAK_URL"


@pytest.fixture(scope="session")
def langgraph_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("langgraph-server")
    leak_url = os.environ[LEAK_URL_VARIABLE] = f"http://127.0.0.1:{free_port()}"
    try:
        process, url, _log = start_server(folder, {"E2E_LEAK_URL": leak_url})
    except ServerDidNotStart as exc:
        pytest.fail(str(exc))
    yield url
    stop_server(process)
