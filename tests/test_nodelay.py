"""ui/nodelay.py: the server's listening socket and the connections it accepted get TCP_NODELAY; nothing else does."""

import socket

import pytest

from ui import nodelay


def nodelay_of(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


@pytest.fixture
def server():
    """A listener bound as Streamlit binds it (proto 0, so asyncio would leave Nagle on), one accepted connection."""
    listener = socket.socket(family=socket.AF_INET)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    browser = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    other = socket.socket(family=socket.AF_INET)  # e.g. the console's own connection to a database
    other_listener = socket.socket(family=socket.AF_INET)
    other_listener.bind(("127.0.0.1", 0))
    other_listener.listen()
    other.connect(other_listener.getsockname())
    nodelay._done.clear()
    yield listener, accepted, other
    for sock in (listener, browser, accepted, other, other_listener):
        sock.close()
    nodelay._done.clear()


def test_the_listener_and_its_connections_lose_nagle_and_other_connections_are_left_alone(server):
    listener, accepted, other = server
    assert (nodelay_of(listener), nodelay_of(accepted), nodelay_of(other)) == (0, 0, 0)
    assert nodelay.server_sockets_nodelay() >= 2
    assert nodelay_of(listener) and nodelay_of(accepted)
    assert nodelay_of(other) == 0  # a client connection of this process: not the server's to change
    # A connection accepted afterwards inherits the listener's setting (Linux).
    late = socket.create_connection(listener.getsockname())
    late_accepted, _ = listener.accept()
    assert nodelay_of(late_accepted)
    late.close()
    late_accepted.close()


def test_it_works_once_per_process_and_leaves_the_sockets_open(server):
    listener, accepted, _ = server
    nodelay.server_sockets_nodelay()
    assert nodelay.server_sockets_nodelay() == 0  # every later run of the page: one event check
    accepted.sendall(b"still open")  # the duplicates were closed, not the server's sockets
    assert listener.fileno() >= 0
