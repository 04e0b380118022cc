"""The Activity page's SQL pieces in SQLite's spelling: whole unix seconds, a checkpoint id's time, a rejection's reason.

Twin of postgres_insight.py: each function returns an expression over a column
that means the same, to the second, in both stores (console/insight.py builds the
queries from them).
"""

P = "?"  # sqlite3's placeholder
TEXT_ORDER = ""  # SQLite's BINARY collation already orders by code point

# A LangGraph checkpoint id is a UUID version 6: its first 12 hex digits (time_high, time_mid)
# are the save time in 409.6 µs steps since 1582-10-15. SQLite has no hex parser, so each
# digit is looked up in a string of the 16 digits and weighted by hand.
_HEX = "[0-9a-f]"
_UUID6 = "-".join((_HEX * 8, _HEX * 4, "6" + _HEX * 3, _HEX * 4, _HEX * 12))  # the version digit is a 6
_DIGITS = [*range(1, 9), *range(10, 14)]


def unix(column: str) -> str:
    """Whole unix seconds of an ISO-8601 text (the log's decided_at, written in UTC with an offset)."""
    return f"unixepoch({column})"


def unix_of_real(column: str) -> str:
    """Whole unix seconds of a float unix time (the index's waiting_since)."""
    return f"CAST({column} AS INTEGER)"


def pause_start(column: str) -> str:
    """Whole unix seconds when the checkpoint was saved, from its UUID v6 id; NULL for any other id."""
    digits = " + ".join(f"(instr('0123456789abcdef', substr({column}, {at}, 1)) - 1) * {16 ** (11 - n)}"
                        for n, at in enumerate(_DIGITS))
    return f"(CASE WHEN {column} GLOB '{_UUID6}' THEN ({digits}) * 4096 / 10000000 - 12219292800 END)"


def reason(column: str) -> str:
    """The reason a rejection gave: the draft format's "reason", a HITL "message" (alone or in a decisions list)."""
    return (f"CAST(COALESCE(json_extract({column}, '$.reason'), json_extract({column}, '$.message'), "
            f"json_extract({column}, '$.decisions[0].message')) AS TEXT)")
