"""The async-to-sync bridge: one loop, results and errors handed back, timeouts bounded."""

import asyncio
import threading

import pytest

from console.bridge import Bridge, StreamResult
from console.errors import CallTimedOut


@pytest.fixture
def bridge():
    b = Bridge()
    yield b
    b.close()


def test_runs_coroutines_on_one_loop_thread(bridge):
    async def where():
        return threading.current_thread().name, id(asyncio.get_running_loop())

    first, second = bridge.run(where()), bridge.run(where())
    assert first == second
    assert first[0] != threading.current_thread().name


def test_errors_reach_the_caller(bridge):
    async def boom():
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        bridge.run(boom())


def test_timeout_is_a_plain_error(bridge):
    with pytest.raises(CallTimedOut):
        bridge.run(asyncio.sleep(5), timeout=0.05)


def test_stream_yields_items_then_result(bridge):
    async def produce(emit):
        for i in range(3):
            emit(i)
            await asyncio.sleep(0)
        return "end"

    items = list(bridge.stream(produce))
    assert items[:3] == [0, 1, 2]
    assert isinstance(items[3], StreamResult) and items[3].value == "end"


def test_calls_from_many_threads(bridge):
    results = []

    async def work(n):
        await asyncio.sleep(0.01)
        return n

    threads = [threading.Thread(target=lambda n=n: results.append(bridge.run(work(n)))) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(results) == list(range(20))


def test_calling_from_the_loop_itself_is_refused(bridge):
    async def nested():
        bridge.run(asyncio.sleep(0))

    with pytest.raises(RuntimeError, match="own loop"):
        bridge.run(nested())
