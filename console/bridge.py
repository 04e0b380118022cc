"""The async-to-sync bridge: one event loop on a daemon thread, called from sync code.

LangGraph's async saver binds to the loop that created it, so the connection,
the saver and the compiled graphs are all created on this loop and only ever
used from it. Streamlit scripts (and tests) call `run` / `stream` from their
own threads; nothing here may be called from the loop itself.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from console.errors import CallTimedOut

T = TypeVar("T")
_END = object()


class Bridge:
    def __init__(self, name: str = "review-console-loop") -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()
        self._ready.wait(5)
        self._closed = False

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(self._ready.set)
        self._loop.run_forever()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def _check_caller(self) -> None:
        if threading.current_thread() is self._thread:
            raise RuntimeError("the bridge was called from its own loop; await the coroutine instead")
        if self._closed:
            raise RuntimeError("the bridge is closed")

    def run(self, coro: Awaitable[T], timeout: float = 30.0) -> T:
        """Run a coroutine on the loop and wait for its result, at most `timeout` seconds."""
        try:
            self._check_caller()
        except RuntimeError:
            coro.close()  # never scheduled: close it so it is not reported as never awaited
            raise
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise CallTimedOut("The console took too long to answer. Please try again.") from None

    def stream(
        self,
        produce: Callable[[Callable[[Any], None]], Awaitable[T]],
        timeout: float = 120.0,
    ) -> Iterator[Any]:
        """Run `produce(emit)` on the loop and yield what it emits, then its result.

        The task runs to its end even if the caller stops reading (a reviewer who
        navigates away must not cancel a decision half-way); the caller only
        stops listening. The last item yielded is `StreamResult(result)`.
        """
        self._check_caller()
        items: queue.Queue = queue.Queue()

        async def runner() -> None:
            try:
                result = await produce(items.put)
                items.put(StreamResult(result))
            except BaseException as exc:  # handed to the caller's thread
                items.put(StreamFailure(exc))
            finally:
                items.put(_END)

        asyncio.run_coroutine_threadsafe(runner(), self._loop)
        return self._drain(items, timeout)

    @staticmethod
    def _drain(items: queue.Queue, timeout: float) -> Iterator[Any]:
        while True:
            try:
                item = items.get(timeout=timeout)
            except queue.Empty:
                raise CallTimedOut("The workflow is taking longer than expected. It goes on in the background; reload the thread later.") from None
            if item is _END:
                return
            if isinstance(item, StreamFailure):
                raise item.error
            yield item

    def close(self, cleanup: Callable[[], Awaitable[Any]] | None = None, timeout: float = 10.0) -> None:
        if self._closed:
            return
        if cleanup is not None:
            try:
                self.run(cleanup(), timeout)
            except Exception:
                pass
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)


class StreamResult:
    def __init__(self, value: Any) -> None:
        self.value = value


class StreamFailure:
    def __init__(self, error: BaseException) -> None:
        self.error = error
