"""The first start's helper process (console/index_helper.py): the index it derives is the one the console
derives row by row, it never runs a planted checkpoint, and a helper unlike the console is not used."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

import console.index_helper as index_helper
import console.indexer as indexer
from tests.inbox_graphs import ENTRY
from tests.test_indexer_bulk import build, index_of, indexed

pytestmark = pytest.mark.sqlite_only  # the helper serves SQLite's bulk path only

# A msgpack "constructor" ext in a question's write: LangGraph's default decoding runs ("os", "system", cmd).
PLANT = """
import sqlite3, sys, ormsgpack
blob = ormsgpack.packb(ormsgpack.Ext(0, ormsgpack.packb(("os", "system", f"touch {sys.argv[2]}"))))
with sqlite3.connect(sys.argv[1]) as conn:
    n = conn.execute("UPDATE writes SET type = 'msgpack', value = ? WHERE channel = '__interrupt__' "
                     "AND thread_id IN ('old-00', 'old-03-07')", (blob,)).rowcount
assert n == 2, n
"""


@pytest.fixture
def helped(monkeypatch):
    """Bulk indexing from 100 marks, the helper taking every chunk; returns the chunks it derived."""
    monkeypatch.setattr(indexer, "BULK_BACKLOG", 100)
    monkeypatch.setattr(indexer, "BULK_CHUNK", 40)
    monkeypatch.setattr(indexer, "BULK_BATCH", 0)
    monkeypatch.setattr(indexer, "MAIN_LANE", False)
    chunks = []
    read = index_helper.IndexHelper.read_chunk

    async def spied(self, chunk, running):
        got = await read(self, chunk, running)
        chunks.append(list(chunk))
        return got
    monkeypatch.setattr(index_helper.IndexHelper, "read_chunk", spied)
    return chunks


def reference(make_console, db_path, tmp_path, monkeypatch):
    """The same unindexed database, indexed row by row by the console alone: the index it must give."""
    plain = tmp_path / "plain.db"
    shutil.copyfile(db_path, plain)
    with monkeypatch.context() as m:
        m.setattr(indexer, "BULK_BACKLOG", 10**9)
        console_ = make_console(seed_demo=False, extra_workflows=(ENTRY,), path=plain)
        indexed(console_, plain)
        console_.close()
    return index_of(plain)


def test_the_helper_derives_the_index_the_console_derives_row_by_row(make_console, db_path, tmp_path, monkeypatch, helped):
    build(db_path)
    want = reference(make_console, db_path, tmp_path, monkeypatch)
    console_ = make_console(seed_demo=False, extra_workflows=(ENTRY,), path=db_path)
    indexed(console_, db_path)
    assert sorted(t for chunk in helped for t in chunk) == sorted(want["rows"])  # every thread, by the helper
    assert len(want["rows"]) == 615 and want["search"]
    assert index_of(db_path) == want
    assert console_.indexer.helper is None  # stopped with the bulk indexing


def test_a_planted_constructor_does_not_run_in_the_helper(make_console, db_path, tmp_path, monkeypatch, helped):
    build(db_path)
    marker = tmp_path / "pwned"
    subprocess.run([sys.executable, "-c", PLANT, str(db_path), str(marker)], check=True, timeout=60)
    want = reference(make_console, db_path, tmp_path, monkeypatch)
    console_ = make_console(seed_demo=False, extra_workflows=(ENTRY,), path=db_path)
    indexed(console_, db_path)
    assert any("old-00" in chunk for chunk in helped)
    assert not marker.exists()
    got = index_of(db_path)
    assert got == want and got["rows"]["old-00"][3] == "unreadable"


def test_a_helper_whose_workflows_differ_is_not_used(make_console, db_path, tmp_path, monkeypatch, helped, caplog):
    build(db_path)
    want = reference(make_console, db_path, tmp_path, monkeypatch)
    shapes = index_helper.fingerprint
    monkeypatch.setattr(index_helper, "fingerprint", lambda registry, graphs: shapes(registry, graphs)[1:])  # one fewer
    console_ = make_console(seed_demo=False, extra_workflows=(ENTRY,), path=db_path)
    indexed(console_, db_path)
    assert helped == [] and "workflows differ" in caplog.text
    assert index_of(db_path) == want



def test_a_helper_that_dies_halfway_leaves_the_rest_to_the_console(make_console, db_path, tmp_path, monkeypatch, helped):
    build(db_path)
    want = reference(make_console, db_path, tmp_path, monkeypatch)
    read = index_helper.IndexHelper.read_chunk  # the fixture's spy: counts what the helper answered

    async def dies(self, chunk, running):
        if len(helped) == 3:
            self.process.kill()  # as if the system killed it: its answers stop coming
        return await read(self, chunk, running)
    monkeypatch.setattr(index_helper.IndexHelper, "read_chunk", dies)
    console_ = make_console(seed_demo=False, extra_workflows=(ENTRY,), path=db_path)
    indexed(console_, db_path)
    assert 3 <= len(helped) < 16  # 615 threads in chunks of 40: the helper answered some, not all
    assert index_of(db_path) == want
