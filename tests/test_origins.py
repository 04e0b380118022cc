"""The websocket accepts the console's own origins and refuses foreign ones: a real handshake against `streamlit run`."""

import base64
import os
import socket

import pytest

from tests.e2e.conftest import running_app


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("origins"), own_threads=False) as app:
        yield app


def handshake(url: str, origin: str | None) -> int:
    """The HTTP status of a websocket upgrade of Streamlit's stream, with this Origin header."""
    host, port = url.removeprefix("http://").split(":")
    lines = [
        "GET /_stcore/stream HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket", "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}", "Sec-WebSocket-Version: 13",
    ] + ([f"Origin: {origin}"] if origin is not None else [])
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status = conn.makefile("rb").readline().decode()
    return int(status.split()[1])


@pytest.mark.parametrize("origin", ["SELF", "http://localhost:8501", "http://127.0.0.1:1", "http://localhost:65000"])
def test_local_origins_on_any_port_are_accepted(served, origin):
    """Streamlit's own rule: its address, localhost and 127.0.0.1, whatever the port."""
    assert handshake(served.url, served.url if origin == "SELF" else origin) == 101


@pytest.mark.parametrize("origin", ["http://evil.example", "https://localhost.evil.example", "http://127.0.0.2:8501",
                                    "null", "http://10.0.0.1"])
def test_foreign_origins_are_refused(served, origin):
    assert handshake(served.url, origin) == 403


def test_a_client_sending_no_origin_is_not_a_browser_and_is_let_in(served):
    """Origins stop other web pages in a reviewer's browser, not programs: those meet sign-in and roles."""
    assert handshake(served.url, None) == 101
