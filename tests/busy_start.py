"""One check both backends share: a console starting while another connection holds SQLite's write lock waits
for it (and says so in the log) instead of failing past its busy timeout."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path


def opens_past_a_long_write(db_file: Path | str, open_console):
    """Hold `db_file`'s write lock, call `open_console()` in a thread, release the lock once the console logged that
    it met it; returns the console it opened (the caller closes it). Waits are on the log record, not on time."""
    other = sqlite3.connect(db_file, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the long write
    waited = threading.Event()

    class Seen(logging.Handler):
        def emit(self, record):
            if "busy at start-up" in record.getMessage():
                waited.set()

    seen = Seen(level=logging.INFO)
    logger = logging.getLogger("review_console")
    logger.addHandler(seen)
    opened, errors = [], []

    def open_one():
        try:
            opened.append(open_console())
        except Exception as exc:
            errors.append(exc)

    starter = threading.Thread(target=open_one)
    try:
        starter.start()
        assert waited.wait(60), errors  # it met the lock, well past its 0.1 s busy timeout, and did not give up
        other.execute("ROLLBACK")
        starter.join(120)
    finally:
        logger.removeHandler(seen)
        other.close()
    assert not errors and len(opened) == 1, errors
    return opened[0]
