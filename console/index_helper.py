"""A first start's second core: a helper process derives chunks of the backlog with the indexer's own code.

A first start on an existing database was bound by the event loop's Python per thread (decoding
a checkpoint, LangGraph's channels and next tasks, the view: most of a core), while the second
core had only SQLite's share. The helper is a process of its own (`python -m console.index_helper`:
not forked, so none of the console's threads, locks or connections are copied into it; not
multiprocessing's spawn either, which imports the parent's main script again, and a script that
opens a console at its top would then open a second one and start a helper of its own). It opens the database file
read-only, loads and compiles the workflows the console compiled, and runs the indexer's
`read_chunk` (the same preloaded batch read, the same light snapshot, the same fallbacks to
LangGraph's `aget_state`) on the chunks it is given. It writes nothing, and it answers in JSON lines on a pipe (data,
never pickles: the console unpickles nothing a process decoding untrusted checkpoints made); the
values are checked to be plain (text, numbers, None) so JSON gives them back exactly. The console saves every
chunk's rows, under the mark bound it read before handing the chunk over, so a change committed
meanwhile keeps its mark. Only SQLite's bulk path (console/indexer.py) uses it.

Safety: the helper imports `console` before LangGraph (strict checkpoint decoding) and refuses
to serve unless LangGraph's strict flag is on. Sameness: it refuses when its workflows differ
from the console's (names, nodes, channels, pauses, versions, titles); the console's
loop then derives every chunk itself, as before. tests/test_index_helper.py holds both.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from collections import deque
from pathlib import Path

log = logging.getLogger("review_console")

# Helper processes a bulk indexing starts (0: none, the loop derives alone). One: with the loop
# deriving too, both cores are busy; a second helper on 2 cores would only take turns with them.
HELPER_PROCESSES = 1
LINE_LIMIT = 1 << 26  # bytes in one answer (a chunk's rows); asyncio's default 64 KiB is a few dozen rows
ROOT = Path(__file__).resolve().parent.parent  # where `-m console.index_helper` is found
PLAIN = (str, int, float, type(None))
# A chunk takes the helper a few tens of milliseconds; one that has no answer after this is stuck
# (a workflow's code waiting on something): the helper is stopped and the loop derives alone.
ANSWER_TIMEOUT_S = 60.0  # what an index row holds, and JSON gives back as it was


def fingerprint(registry: dict, graphs: dict) -> list:
    """What a thread's index row depends on besides the code, the rows and the problems (handed over)."""
    shapes = []
    for name in sorted(graphs):
        graph, spec = graphs[name], registry[name]
        shapes.append([
            name, type(graph).__name__, sorted(graph.nodes), sorted(getattr(graph, "channels", {}) or {}),
            sorted(getattr(graph, "interrupt_before_nodes", None) or ()),
            sorted(getattr(graph, "interrupt_after_nodes", None) or ()),
            spec.title, str(spec.version), sorted((getattr(spec, "step_titles", None) or {}).items()),
        ])
    return json.loads(json.dumps(shapes))  # as the other side reads it (tuples are lists)


class IndexHelper:
    """The console's handle on one helper process (made on the bridge loop, used there only)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.broken = False
        self._waiting: deque[asyncio.Future] = deque()  # answers come in the order the chunks went
        self.ready = asyncio.get_running_loop().create_future()
        self._reading = asyncio.ensure_future(self._read())

    @classmethod
    async def start(cls, db_path: str | Path, entries: tuple[str, ...], demo: bool, registry: dict, graphs: dict,
                    problems: list) -> "IndexHelper | None":
        if HELPER_PROCESSES < 1:
            return None
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "console.index_helper", cwd=str(ROOT), limit=LINE_LIMIT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        helper = cls(process)
        helper._send({
            "db_path": str(Path(db_path).resolve()), "entries": list(entries), "demo": demo, "names": sorted(graphs),
            "problems": [[p.entry, p.name, p.reason] for p in problems], "fingerprint": fingerprint(registry, graphs),
            "sys_path": [p or os.getcwd() for p in sys.path],  # the workflows import as they did here
        }, helper.ready)
        return helper

    @property
    def usable(self) -> bool:
        """Started and the same as the console (never waited for: the loop derives meanwhile)."""
        if self.broken or not self.ready.done():
            return False
        if self.ready.cancelled() or self.ready.exception() is not None:
            log.warning("the indexing helper process is not used: %s", self.ready.exception())
            self.close()
            return False
        return True

    async def wait_ready(self) -> bool:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(self.ready), ANSWER_TIMEOUT_S)
        return self.usable

    async def read_chunk(self, chunk: list[str], running: set[str]) -> tuple[list, list]:
        """The chunk's index rows and its gone threads, derived in the helper; raises if it failed."""
        answer = asyncio.get_running_loop().create_future()
        self._send({"chunk": chunk, "running": sorted(running & set(chunk))}, answer)
        try:
            reply = await asyncio.wait_for(answer, ANSWER_TIMEOUT_S)
        except Exception:
            self.close()  # a crashed or failing helper: the loop derives the rest
            raise
        for level, text in reply["logged"]:  # what the console's own reading would have logged, in its log
            log.log(level, "%s", text)
        return reply["rows"], reply["gone"]

    def _send(self, message: dict, answer: asyncio.Future) -> None:
        if self.broken:
            answer.set_exception(RuntimeError("the helper process is closed"))
            return
        self._waiting.append(answer)
        self.process.stdin.write(json.dumps(message).encode() + b"\n")  # ASCII: any encoding reads it

    async def _read(self) -> None:
        try:
            while line := await self.process.stdout.readline():
                reply = json.loads(line)
                answer = self._waiting.popleft()
                if not answer.done():
                    if "error" in reply:
                        answer.set_exception(RuntimeError(reply["error"]))
                    else:
                        answer.set_result(reply)
        except Exception as exc:  # a line too long, not JSON: the helper is not used further
            log.warning("the indexing helper process answered wrongly: %r", exc)
        self.broken = True
        while self._waiting:
            answer = self._waiting.popleft()
            if not answer.done():
                answer.set_exception(RuntimeError("the helper process ended"))

    def close(self) -> None:
        """Stop the helper at once: it writes nothing, so nothing is left half done."""
        self.broken = True
        if self.process.returncode is None:
            try:
                self.process.kill()
            except ProcessLookupError:
                pass


# ---- in the helper process ------------------------------------------------------------------


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, record.getMessage()))


async def _open(init: dict) -> tuple:
    import aiosqlite
    from langgraph.checkpoint.serde import _msgpack
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    from console.indexer import Indexer
    from console.store import sqlite_schema, sqlite_sql
    from console.store.db import Db
    from console.store.index import Index
    from console.store.sqlite_driver import SqliteDriver
    from console.threads_reader import ThreadReader
    from workflows.registry import WorkflowProblem, load_registry

    if not _msgpack.STRICT_MSGPACK_ENABLED:
        raise RuntimeError("strict checkpoint decoding is off in the helper")
    uri = Path(init["db_path"]).as_uri() + "?mode=ro"  # read-only: the helper cannot write the file
    saver_conn = await aiosqlite.connect(uri, uri=True)
    store_conn = await aiosqlite.connect(uri, uri=True)
    store_conn.row_factory = aiosqlite.Row  # as the console's store reads rows
    saver = AsyncSqliteSaver(saver_conn)
    store = Index(Db(SqliteDriver(store_conn)), sqlite_sql, sqlite_schema)
    registry, _ = load_registry(init["entries"], init["demo"])
    registry = {name: registry[name] for name in init["names"] if name in registry}
    graphs = {name: spec.compile(saver) for name, spec in registry.items()}
    if fingerprint(registry, graphs) != init["fingerprint"]:
        raise RuntimeError("its workflows differ from the console's")
    problems = [WorkflowProblem(*p) for p in init["problems"]]
    return Indexer(ThreadReader(graphs, registry, saver, store, problems), store), (saver_conn, store_conn)


def _plain(rows: list) -> list:
    for row in rows:
        if not all(type(v) in PLAIN for v in (row.values() if isinstance(row, dict) else (row,))):
            raise TypeError("an index row holds a value JSON does not give back as it was")
    return rows


def serve() -> None:
    """The helper's loop: an init line, then a chunk per line, an answer per line, until stdin ends."""
    answers = os.fdopen(os.dup(1), "w", encoding="ascii")
    os.dup2(2, 1)  # a workflow module that prints must not write into the answers

    def say(message: dict) -> None:
        answers.write(json.dumps(message) + "\n")
        answers.flush()

    init = json.loads(sys.stdin.readline())
    sys.path[:] = init["sys_path"]
    loop = asyncio.new_event_loop()
    try:
        indexer, connections = loop.run_until_complete(_open(init))
    except Exception as exc:  # any failure: the console derives alone
        say({"error": f"{type(exc).__name__}: {exc}"})
        return
    kept = _Kept()
    logging.getLogger("review_console").addHandler(kept)
    say({"ready": True})
    for line in sys.stdin:
        job, kept.records = json.loads(line), []
        try:
            rows, gone = loop.run_until_complete(indexer.read_chunk(job["chunk"], set(job["running"])))
            say({"rows": _plain(rows), "gone": _plain(gone), "logged": kept.records})
        except Exception as exc:
            say({"error": f"{type(exc).__name__}: {exc}"})
    for conn in connections:  # aiosqlite's threads are not daemons: the process would wait for them
        loop.run_until_complete(conn.close())


if __name__ == "__main__":
    serve()
