"""Opening a SQLite file checks it within a budget: a large file gets the bounded probe, and damage still reads as a sentence."""

from __future__ import annotations

import sqlite3

import pytest

from console import opening
from console.errors import DatabaseUnavailable


def damaged_copy(filled, tmp_path):
    with sqlite3.connect(filled) as db:  # everything into the main file, so damaging it damages the data
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damaged = tmp_path / "damaged.db"
    data = bytearray(filled.read_bytes())
    data[4096:] = b"\x99" * (len(data) - 4096)  # good header and schema page, damaged pages after it
    damaged.write_bytes(bytes(data))
    return damaged


@pytest.fixture
def filled(make_console, tmp_path):
    path = tmp_path / "filled.db"
    make_console(seed_demo=True, path=path).close()
    return path


@pytest.mark.sqlite_only  # opens the SQLite file itself
def test_past_the_budget_the_probe_still_names_a_damaged_file(make_console, filled, tmp_path, monkeypatch):
    monkeypatch.setattr(opening, "QUICK_CHECK_BUDGET_S", 0.0)  # as on a file too large to check at start
    probed = []
    real_probe = opening._probe
    monkeypatch.setattr(opening, "_probe", lambda conn: probed.append(1) or real_probe(conn))
    with pytest.raises(DatabaseUnavailable, match="damaged.*Restore it from a backup"):
        make_console(path=damaged_copy(filled, tmp_path))
    assert probed, "the full check ran: the budget did not apply"


@pytest.mark.sqlite_only
def test_past_the_budget_a_sound_file_opens(make_console, filled, monkeypatch):
    monkeypatch.setattr(opening, "QUICK_CHECK_BUDGET_S", 0.0)
    probed = []
    real_probe = opening._probe
    monkeypatch.setattr(opening, "_probe", lambda conn: probed.append(1) or real_probe(conn))
    app = make_console(path=filled)
    assert probed and app.inbox().total > 0


@pytest.mark.sqlite_only
def test_the_probe_reads_the_damaged_pages(filled, tmp_path):
    """The probe alone finds the damage (the open's later reads would too, with the same sentence)."""
    import asyncio

    import aiosqlite

    async def probe(path):
        conn = await aiosqlite.connect(str(path))
        try:
            return await opening._probe(conn)
        finally:
            await conn.close()

    assert asyncio.run(probe(filled)) == "ok"
    with pytest.raises(sqlite3.DatabaseError, match="malformed|not a database"):
        asyncio.run(probe(damaged_copy(filled, tmp_path)))


@pytest.mark.sqlite_only  # writes a table into the SQLite file itself
def test_the_probe_reads_a_table_another_program_named_with_quotes(make_console, filled, monkeypatch):
    """Table names in the file are another program's words: the probe quotes them, the console opens."""
    with sqlite3.connect(filled) as db:
        db.execute('CREATE TABLE "x"" ; DROP TABLE rc_decisions; --" (a)')
        db.execute('INSERT INTO "x"" ; DROP TABLE rc_decisions; --" VALUES (1)')
    monkeypatch.setattr(opening, "QUICK_CHECK_BUDGET_S", 0.0)  # the probe, not the full check
    app = make_console(seed_demo=False, path=filled)
    assert app.inbox().total == 13 and app.decision_log().empty  # rc_decisions is still there
    # ...and it was read, not skipped as a statement that does not parse: quoted as SQLite quotes identifiers.
    assert opening._identifier('x" ; DROP') == '"x"" ; DROP"'
