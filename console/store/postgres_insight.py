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


# ---- the facts the figures read: the twin of sqlite_insight.FACTS_SCHEMA ---------------------

_COLUMNS = "id, day, decided, began, first_answer, workflow, reviewer, reviewer_verified, action, outcome, reason"


def _first(row: str) -> str:
    return (f"(CASE WHEN {row}.outcome = 'applied' AND NOT EXISTS (SELECT 1 FROM rc_decisions e "
            f"WHERE e.thread_id = {row}.thread_id AND e.checkpoint_id = {row}.checkpoint_id AND e.outcome = 'applied' "
            f"AND e.id < {row}.id) THEN 1 ELSE 0 END)")


def _values(row: str) -> str:
    return (f"{row}.id, substr({row}.decided_at, 1, 10), {unix(f'{row}.decided_at')}, "
            f"{pause_start(f'{row}.checkpoint_id')}, {_first(row)}, {row}.workflow, {row}.reviewer, "
            f"{row}.reviewer_verified, {row}.action, {row}.outcome, "
            f"CASE WHEN {row}.action = 'reject' THEN rc_rejection_reason({row}.answer) END")


# rc_rejection_reason: an answer that is not JSON gives no reason (SQLite: json_valid), never a failed decision.
FACTS_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS rc_decision_facts (
    id BIGINT PRIMARY KEY,
    day TEXT NOT NULL,
    decided BIGINT NOT NULL,
    began BIGINT,
    first_answer INTEGER NOT NULL,
    workflow TEXT,
    reviewer TEXT NOT NULL,
    reviewer_verified INTEGER NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS rc_decision_facts_by_day ON rc_decision_facts(day);
CREATE INDEX IF NOT EXISTS rc_decision_facts_answers ON rc_decision_facts(day) WHERE first_answer = 1;
CREATE OR REPLACE FUNCTION rc_rejection_reason(answer TEXT) RETURNS TEXT LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN substr(COALESCE(trim({reason('answer')}), ''), 1, 200);
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION rc_decision_fact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.action IN ('start', 'reset demo data') THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO rc_decision_facts({_COLUMNS}) VALUES ({_values("NEW")}) ON CONFLICT (id) DO NOTHING;
    ELSIF NEW.outcome IS DISTINCT FROM OLD.outcome THEN
        UPDATE rc_decision_facts SET outcome = NEW.outcome, first_answer = {_first("NEW")} WHERE id = NEW.id;
        -- the later answers sent with it (sqlite_insight._FIRST): this trigger runs after the whole statement
        IF NEW.outcome = 'applied' THEN
            UPDATE rc_decision_facts SET first_answer = 0 WHERE id IN (SELECT e.id FROM rc_decisions e
                WHERE e.thread_id = NEW.thread_id AND e.checkpoint_id = NEW.checkpoint_id AND e.id > NEW.id);
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER rc_decision_facts_change AFTER INSERT OR UPDATE OF outcome ON rc_decisions
    FOR EACH ROW EXECUTE FUNCTION rc_decision_fact();
INSERT INTO rc_decision_facts({_COLUMNS})
    SELECT {_values("d")} FROM rc_decisions d
    WHERE d.action NOT IN ('start', 'reset demo data') AND NOT EXISTS (SELECT 1 FROM rc_decision_facts f WHERE f.id = d.id)
    ON CONFLICT (id) DO NOTHING;
"""
