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


# ---- the facts the figures read ------------------------------------------------------------

_FACT = {
    "day": "substr(NEW.decided_at, 1, 10)",
    "decided": unix("NEW.decided_at"),
    "began": pause_start("NEW.checkpoint_id"),
    "reason": (f"CASE WHEN NEW.action = 'reject' AND json_valid(NEW.answer) "
               f"THEN substr(COALESCE(trim({reason('NEW.answer')}), ''), 1, 200) END"),
}
# The first (smallest id) applied decision on its pause: answers sent together count their pause once,
# in whatever order they finish (the update trigger takes the mark off the later ones).
_FIRST = ("(NEW.outcome = 'applied' AND NOT EXISTS (SELECT 1 FROM rc_decisions e WHERE e.thread_id = NEW.thread_id "
          "AND e.checkpoint_id = NEW.checkpoint_id AND e.outcome = 'applied' AND e.id < NEW.id))")
_NOT_FIRST_AFTER = ("UPDATE rc_decision_facts SET first_answer = 0 WHERE NEW.outcome = 'applied' AND id IN "
                    "(SELECT e.id FROM rc_decisions e WHERE e.thread_id = NEW.thread_id "
                    "AND e.checkpoint_id = NEW.checkpoint_id AND e.id > NEW.id)")
_COLUMNS = "id, day, decided, began, first_answer, workflow, reviewer, reviewer_verified, action, outcome, reason"


def _values(row: str) -> str:
    """The fact of one rc_decisions row, named `row` (NEW in a trigger, d in the backfill)."""
    fact = {k: v.replace("NEW.", f"{row}.") for k, v in {**_FACT, "first": _FIRST}.items()}
    return (f"{row}.id, {fact['day']}, {fact['decided']}, {fact['began']}, {fact['first']}, {row}.workflow, "
            f"{row}.reviewer, {row}.reviewer_verified, {row}.action, {row}.outcome, {fact['reason']}")


# One narrow row per decision (not the starts, not the demo reset), with its times as whole unix
# seconds: the pause's start is decoded from its checkpoint id once, when the decision is written,
# not on every read (12 hex digits by hand cost ~10 µs a row: a second per 100,000 decisions).
# Kept by triggers, so every console process and replica fills it; the backfill adds the decisions
# logged before the table existed (NOT EXISTS: one primary-key probe per decision).
FACTS_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS rc_decision_facts (
    id INTEGER NOT NULL,             -- rc_decisions.id
    day TEXT NOT NULL,               -- the UTC day of decided_at, YYYY-MM-DD
    decided INTEGER NOT NULL,        -- decided_at, whole unix seconds
    began INTEGER,                   -- when the answered pause began (its checkpoint id's time); NULL if unknown
    first_answer INTEGER NOT NULL,   -- 1: the first applied decision on its pause (ends it in the backlog)
    workflow TEXT,
    reviewer TEXT NOT NULL,
    reviewer_verified INTEGER NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,                     -- a rejection's reason, trimmed, its first 200 characters
    PRIMARY KEY (day, id)
) WITHOUT ROWID;                     -- stored in day order: a date range is one contiguous read (20x faster than by rowid)
CREATE UNIQUE INDEX IF NOT EXISTS rc_decision_facts_by_id ON rc_decision_facts(id);
CREATE INDEX IF NOT EXISTS rc_decision_facts_answers ON rc_decision_facts(day) WHERE first_answer = 1;
CREATE TRIGGER IF NOT EXISTS rc_decision_fact_insert AFTER INSERT ON rc_decisions
WHEN NEW.action NOT IN ('start', 'reset demo data') BEGIN
    INSERT OR IGNORE INTO rc_decision_facts({_COLUMNS}) VALUES ({_values("NEW")});
END;
CREATE TRIGGER IF NOT EXISTS rc_decision_fact_update AFTER UPDATE OF outcome ON rc_decisions
WHEN NEW.outcome IS NOT OLD.outcome BEGIN
    UPDATE rc_decision_facts SET outcome = NEW.outcome, first_answer = {_FIRST} WHERE id = NEW.id;
    {_NOT_FIRST_AFTER};
END;
INSERT OR IGNORE INTO rc_decision_facts({_COLUMNS})
    SELECT {_values("d")} FROM rc_decisions d
    WHERE d.action NOT IN ('start', 'reset demo data') AND NOT EXISTS (SELECT 1 FROM rc_decision_facts f WHERE f.id = d.id);
"""
