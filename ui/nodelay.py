"""Turns Nagle's algorithm off on this Streamlit server's sockets, once per process."""

from __future__ import annotations

import logging
import os
import socket
import threading

log = logging.getLogger("review_console")

# Why: Streamlit (1.67, web/server/starlette/starlette_server.py `_bind_socket`) binds its listening
# socket with `socket.socket(family=…)`, so its proto is 0; accepted sockets inherit that, and asyncio
# sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP (the same bug as uvicorn issue #3149).
# With Nagle on, a run's first small message goes out and every later one waits in the kernel until
# the browser acknowledges the first, which a browser delays by up to 40 ms (Linux; longer elsewhere)
# whenever it has just talked to the server, as a page with self-refreshing parts always has. Measured
# (strace, bench/streamlit_session.py): the server wrote a whole run within 1.3 ms, the client got
# the first message at once and the rest 40 ms later. On Linux a listening socket's TCP_NODELAY is
# inherited by the connections it accepts; the connections open already are set here too.
_done = threading.Event()
_lock = threading.Lock()


def _fd_dir() -> str | None:
    for path in ("/proc/self/fd", "/dev/fd"):
        if os.path.isdir(path):
            return path
    return None  # Windows: nothing to do here, the server keeps its defaults


def _tcp_sockets() -> list[socket.socket]:
    """A duplicate of every TCP socket this process holds (close them after use)."""
    found = []
    where = _fd_dir()
    for name in os.listdir(where) if where else ():
        try:
            fd = os.dup(int(name))
        except (ValueError, OSError):
            continue
        try:
            sock = socket.socket(fileno=fd)  # a duplicate: closing it leaves the server's socket open
        except OSError:
            os.close(fd)  # not a socket
            continue
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
            found.append(sock)
        else:
            sock.close()
    return found


def _port(sock: socket.socket) -> int | None:
    try:
        return sock.getsockname()[1]
    except OSError:
        return None


def server_sockets_nodelay() -> int:
    """Set TCP_NODELAY on this process's listening TCP sockets and the connections they accepted.

    Returns how many sockets it set; runs its work once per process (later calls return 0)."""
    if _done.is_set():
        return 0
    with _lock:
        if _done.is_set():
            return 0
        changed = 0
        sockets = _tcp_sockets()
        try:
            listening = {s for s in sockets if s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)}
            ports = {_port(s) for s in listening} - {None}
            # Only the server's own connections (same local port): not the database's or a LangGraph Server's.
            for sock in [s for s in sockets if s in listening or _port(s) in ports]:
                try:
                    if not sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY):
                        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                        changed += 1
                except OSError:
                    continue  # closed meanwhile
        except OSError:
            log.warning("could not turn Nagle's algorithm off on the server's sockets", exc_info=True)
        finally:
            for sock in sockets:
                sock.close()
        _done.set()
        return changed
