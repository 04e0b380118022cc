"""The console's own tables: a Store over three rooms (index, decision log, processes), each dialect's SQL in its own module.

    records.py          what the rooms hand back: Claim, Refusal, LATEST; versions; busy errors
    db.py               one shared connection: turns, write transactions
    index.py            room: marks, derived thread rows, counts, sizes
    decision_log.py     room: claims and the append-only decision log
    processes.py        room: console processes alive (heartbeats), for crash recovery
    facade.py           Store: the three rooms under the names the console calls
    sqlite_*.py         SQLite: driver, statements, schema + triggers, inbox reads
    postgres_*.py       PostgreSQL: the same four, and postgres_open.py (saver pool + store)
"""

from console.store.facade import Store
from console.store.postgres_open import open_postgres
from console.store.records import LATEST, Busy, Claim, Refusal, is_busy

__all__ = ["LATEST", "Busy", "Claim", "Refusal", "Store", "is_busy", "open_postgres"]
