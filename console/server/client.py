"""One langgraph-sdk client per console, and every failure of a server call turned into a plain sentence."""

from __future__ import annotations

import contextlib
import logging
from urllib.parse import urlsplit

import httpx
from langgraph_sdk import get_sync_client
from langgraph_sdk.errors import APIStatusError

from console.errors import ConfigurationError, ConsoleError, ThreadNotFound

log = logging.getLogger("review_console")


class ServerUnavailable(ConsoleError):
    """The server could not be reached, or answered with an error: nothing was changed by this call."""


class RunRefused(ConsoleError):
    """The server refused a run: another run is in flight on the thread (multitask_strategy="reject")."""


def describe_server(url: str) -> str:
    """host:port of the server for people (never a key, never a path's query)."""
    parts = urlsplit(url)
    return parts.netloc.rsplit("@", 1)[-1] or url


def connect(url: str, api_key: str = "", header: str = "", timeout_s: float = 30.0):
    """The SDK's sync client; `header` is one "Name: value" line (a proxy's auth header)."""
    headers = {}
    if header:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            raise ConfigurationError("REVIEW_CONSOLE_SERVER_HEADER must read “Name: value”.")
        headers[name.strip()] = value.strip()
    # api_key=None would make the SDK read LANGGRAPH_API_KEY etc. from the environment: "" keeps it ours.
    return get_sync_client(url=url, api_key=api_key or "", headers=headers or None,
                           timeout=httpx.Timeout(timeout_s, connect=min(5.0, timeout_s)))


def not_found(thread_id: str) -> ThreadNotFound:
    return ThreadNotFound(f"There is no thread “{thread_id}” on the LangGraph Server. It may have been deleted, or "
                          "the link is mistyped. Nothing was changed.")


def sentence(exc: BaseException, server: str, thread_id: str | None = None) -> ConsoleError:
    """The plain sentence for a failed server call; the detail goes to the log."""
    where = describe_server(server)
    if isinstance(exc, ConsoleError):
        return exc
    if isinstance(exc, APIStatusError) or isinstance(exc, httpx.HTTPStatusError):
        code = exc.response.status_code if exc.response is not None else 0
        log.warning("LangGraph Server %s answered %s: %s", where, code, exc)
        if code in (401, 403):
            return ServerUnavailable(f"The LangGraph Server at {where} refused the console's key (it answered "
                                     f"{code}). Check REVIEW_CONSOLE_SERVER_API_KEY. Nothing was changed.")
        if code == 404 and thread_id:
            return not_found(thread_id)
        if code == 409:
            return RunRefused("Another run is already going on this thread on the LangGraph Server (someone else's "
                              "answer, or a run started elsewhere). Your decision was not applied. Reload in a moment.")
        if code == 422:
            return ServerUnavailable("The LangGraph Server did not accept this request. Nothing was changed. "
                                     "The details are in the console's log.")
        return ServerUnavailable(f"The LangGraph Server at {where} answered with an error ({code}). Nothing was "
                                 "changed. The details are in the console's log.")
    if isinstance(exc, httpx.TimeoutException):
        log.warning("LangGraph Server %s timed out: %r", where, exc)
        return ServerUnavailable(f"The LangGraph Server at {where} did not answer in time. Try again in a moment.")
    if isinstance(exc, (httpx.TransportError, OSError)):
        log.warning("LangGraph Server %s unreachable: %r", where, exc)
        return ServerUnavailable(f"The LangGraph Server at {where} cannot be reached. Check that it runs and that "
                                 "REVIEW_CONSOLE_SERVER is right. Nothing was changed.")
    log.exception("unexpected failure of a LangGraph Server call")
    return ServerUnavailable("The call to the LangGraph Server failed. Nothing was changed. The details are in the "
                             "console's log.")


@contextlib.contextmanager
def plain(server: str, thread_id: str | None = None):
    """Raise a ConsoleError (a sentence) for whatever a server call raises."""
    try:
        yield
    except ConsoleError:
        raise
    except Exception as exc:
        raise sentence(exc, server, thread_id) from exc
