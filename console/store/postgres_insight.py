"""The Activity page's SQL pieces in PostgreSQL's spelling: twin of sqlite_insight.py, expression for expression."""

P = "%s"  # psycopg's placeholder
TEXT_ORDER = ' COLLATE "C"'  # order text by code point, as SQLite's BINARY does

_UUID6 = "^[0-9a-f]{8}-[0-9a-f]{4}-6[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$"


def unix(column: str) -> str:
    return f"FLOOR(EXTRACT(EPOCH FROM {column}::timestamptz))::bigint"


def unix_of_real(column: str) -> str:
    return f"FLOOR({column})::bigint"


def pause_start(column: str) -> str:
    # The same 12 hex digits as sqlite_insight.pause_start, read as a 48-bit number.
    return (f"(CASE WHEN {column} ~ '{_UUID6}' THEN "
            f"('x' || substr({column}, 1, 8) || substr({column}, 10, 4))::bit(48)::bigint * 4096 / 10000000 "
            f"- 12219292800 END)")


def reason(column: str) -> str:
    return (f"COALESCE({column}::json ->> 'reason', {column}::json ->> 'message', "
            f"{column}::json #>> '{{decisions,0,message}}')")
