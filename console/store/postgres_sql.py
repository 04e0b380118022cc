"""The store's statements in PostgreSQL's spelling (the saver's `checkpoint_writes`, its `blob` column, our `rc_seq`).

Twin of sqlite_sql.py, name for name. What differs: %(named)s parameters,
`checkpoint_writes` and its `blob` column for SQLite's `writes.value`, the
column `rc_seq` (postgres_schema.py) for SQLite's rowid, JSON arrays read with
json_array_elements_text, IS NOT DISTINCT FROM, ON CONFLICT for INSERT OR REPLACE.
"""

from console.store.records import DECISION_COLUMNS, THREAD_COLUMNS

# ---- the thread index ------------------------------------------------------------------

MARKED = "SELECT thread_id FROM rc_marks ORDER BY id LIMIT %(limit)s"

# The newest mark id ever given: the identity's sequence. It may count a mark whose transaction
# has not committed yet; that mark is invisible to the clearing DELETE, so it stays and its
# thread is derived again later.
LAST_MARK = "SELECT pg_sequence_last_value(pg_get_serial_sequence('rc_marks', 'id')::regclass)"

MARK_THREAD = "INSERT INTO rc_marks(thread_id) VALUES (%(thread_id)s)"

PENDING_THREADS = (
    "SELECT DISTINCT thread_id FROM rc_decisions WHERE outcome = 'pending' "
    "AND thread_id IN (SELECT json_array_elements_text(%(thread_ids)s::json))"
)

# An upsert that keeps the row read at the later mark (see sqlite_sql.SAVE_THREAD).
SAVE_THREAD = (
    f"INSERT INTO rc_threads({', '.join(THREAD_COLUMNS)}, updated_at, derived_mark) "
    f"VALUES ({', '.join(f'%({c})s' for c in THREAD_COLUMNS)}, %(updated_at)s, %(derived_mark)s) "
    f"ON CONFLICT (thread_id) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in THREAD_COLUMNS[1:])}, "
    "updated_at = EXCLUDED.updated_at, derived_mark = EXCLUDED.derived_mark "
    "WHERE EXCLUDED.derived_mark >= rc_threads.derived_mark"
)
DELETE_THREAD = "DELETE FROM rc_threads WHERE thread_id = %(thread_id)s"
CLEAR_MARKS = "DELETE FROM rc_marks WHERE thread_id = %(thread_id)s AND id <= %(bound)s"
# A first indexing's bulk path (sqlite_sql.py: the sort indexes dropped, one statement per batch) is
# SQLite's: PostgreSQL's executemany pipelines its rows and holds no Python lock meanwhile.
MARK_SPAN = SAVE_THREADS_JSON = CLEAR_MARKS_JSON = None
# A replica claims the marked threads it derives (console/store/index.py: claim_marked); one statement,
# so two replicas never both win a thread. Its own old claims (a pass that failed) are its again.
CLAIM_DERIVE = (
    "INSERT INTO rc_derive_claims(thread_id, owner, claimed_at) SELECT t, %(owner)s, %(now)s "
    "FROM json_array_elements_text(%(thread_ids)s::json) AS t ON CONFLICT (thread_id) DO UPDATE SET owner = excluded.owner, "
    "claimed_at = excluded.claimed_at WHERE rc_derive_claims.owner = excluded.owner "
    "OR rc_derive_claims.claimed_at < %(stale)s RETURNING thread_id"
)
STILL_MARKED = ("SELECT DISTINCT thread_id FROM rc_marks "
                "WHERE thread_id IN (SELECT json_array_elements_text(%(thread_ids)s::json))")
RELEASE_DERIVE = "DELETE FROM rc_derive_claims WHERE thread_id = %(thread_id)s AND owner = %(owner)s"
# See sqlite_sql.BUMP_INDEX_CHANGES.
BUMP_INDEX_CHANGES = ("INSERT INTO rc_meta(key, value) VALUES ('index_changes', '1') "
                      "ON CONFLICT (key) DO UPDATE SET value = (rc_meta.value::bigint + 1)::text")

# Bytes aget_state would decode: the blobs the latest checkpoint points at, plus its writes.
THREAD_BYTES = (
    "WITH latest AS (SELECT checkpoint_id, checkpoint FROM checkpoints WHERE thread_id = %(thread_id)s "
    "AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 1) "
    "SELECT COALESCE((SELECT SUM(octet_length(b.blob)) FROM checkpoint_blobs b, latest, "
    "jsonb_each_text(latest.checkpoint -> 'channel_versions') AS v(channel, version) "
    "WHERE b.thread_id = %(thread_id)s AND b.checkpoint_ns = '' AND b.channel = v.channel "
    "AND b.version = v.version), 0) "
    "+ COALESCE((SELECT SUM(octet_length(w.blob)) FROM checkpoint_writes w, latest "
    "WHERE w.thread_id = %(thread_id)s AND w.checkpoint_ns = '' AND w.checkpoint_id = latest.checkpoint_id), 0)"
)
THREAD_ROW = "SELECT * FROM rc_threads WHERE thread_id = %(thread_id)s"
THREAD_COUNT = "SELECT COUNT(*) FROM (SELECT DISTINCT thread_id FROM checkpoints) AS threads"

# ---- claims and the decision log -------------------------------------------------------

_IN_FLIGHT = (
    "FROM rc_decisions WHERE thread_id = %(thread_id)s AND outcome = 'pending' AND action != 'start' "
    "AND id NOT IN (SELECT value::bigint FROM json_array_elements_text(%(siblings)s::json) AS value) "
    "ORDER BY id LIMIT 1"
)
CLAIM_CHECK = (
    "SELECT (SELECT checkpoint_id FROM checkpoints WHERE thread_id = %(thread_id)s AND checkpoint_ns = '' "
    "        ORDER BY checkpoint_id DESC LIMIT 1), "
    "  c.decision_id, r.reviewer, r.decided_at, "
    f"  (SELECT reviewer {_IN_FLIGHT}), (SELECT decided_at {_IN_FLIGHT}) "
    "FROM (SELECT 1) AS one "
    "LEFT JOIN rc_claims c ON c.thread_id = %(thread_id)s AND c.checkpoint_id = %(checkpoint_id)s "
    "AND c.interrupt_id = %(interrupt_id)s "
    "LEFT JOIN rc_decisions r ON r.id = c.decision_id"
)
LAST_ANSWER = (
    "SELECT reviewer, decided_at FROM rc_decisions WHERE thread_id = %(thread_id)s "
    "AND outcome IN ('applied', 'pending') ORDER BY id DESC LIMIT 1"
)
INSERT_CLAIM = (
    "INSERT INTO rc_claims(thread_id, checkpoint_id, interrupt_id, decision_id, claimed_at, writes_mark) "
    "VALUES (%(thread_id)s, %(checkpoint_id)s, %(interrupt_id)s, %(decision_id)s, %(claimed_at)s, "
    "(SELECT COALESCE(MAX(rc_seq), 0) FROM checkpoint_writes))"
)
INSERT_DECISION = (
    "INSERT INTO rc_decisions(decided_at, reviewer, reviewer_verified, thread_id, workflow, checkpoint_id, "
    "interrupt_id, action, answer, text_before, text_after, outcome, detail, finished_at, owner, changes) "
    "VALUES (%(decided_at)s, %(reviewer)s, %(reviewer_verified)s, %(thread_id)s, %(workflow)s, %(checkpoint_id)s, "
    "%(interrupt_id)s, %(action)s, %(answer)s, %(text_before)s, %(text_after)s, %(outcome)s, %(detail)s, "
    "%(finished_at)s, %(owner)s, %(changes)s) RETURNING id"
)
FINISH = (
    "UPDATE rc_decisions SET outcome = %(outcome)s, detail = %(detail)s, "
    "result_checkpoint_id = %(result_checkpoint_id)s, finished_at = %(finished_at)s "
    "WHERE id = %(decision_id)s AND outcome = 'pending'"
)
FINISH_AT_LATEST = (
    "UPDATE rc_decisions SET outcome = %(outcome)s, detail = %(detail)s, finished_at = %(finished_at)s, "
    "result_checkpoint_id = (SELECT checkpoint_id FROM checkpoints WHERE thread_id = rc_decisions.thread_id "
    " AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 1) "
    "WHERE id = %(decision_id)s AND outcome = 'pending'"
)
THREAD_OF_DECISION = "SELECT thread_id FROM rc_decisions WHERE id = %(decision_id)s"
RELEASE_CLAIM = "DELETE FROM rc_claims WHERE decision_id = %(decision_id)s"
HAS_PENDING = "SELECT 1 FROM rc_decisions WHERE thread_id = %(thread_id)s AND outcome = 'pending' LIMIT 1"
PENDING_DECISIONS = (
    "SELECT d.id, d.thread_id, d.checkpoint_id, d.interrupt_id, d.action, d.owner, p.heartbeat_at "
    "FROM rc_decisions d LEFT JOIN rc_processes p ON p.owner = d.owner "
    "WHERE d.outcome = 'pending' ORDER BY d.id"
)
ADOPT = (
    "UPDATE rc_decisions SET owner = %(owner)s WHERE id = %(decision_id)s AND outcome = 'pending' "
    "AND owner IS NOT DISTINCT FROM %(old_owner)s"
)

CLAIM_MARK = "SELECT writes_mark FROM rc_claims WHERE decision_id = %(decision_id)s"
_WRITES_HERE = "thread_id = %(thread_id)s AND checkpoint_ns = '' AND checkpoint_id = %(checkpoint_id)s"
ANSWER_TAKEN = (
    f"SELECT 1 FROM checkpoint_writes WHERE rc_seq > %(mark)s AND {_WRITES_HERE} "
    "AND channel NOT IN ('__resume__', '__interrupt__', '__error__') "
    "AND task_id != '00000000-0000-0000-0000-000000000000' "
    f"AND (task_id IN (SELECT task_id FROM checkpoint_writes WHERE {_WRITES_HERE} "
    "     AND channel IN ('__resume__', '__interrupt__'))"
    f"  OR NOT EXISTS (SELECT 1 FROM checkpoint_writes WHERE {_WRITES_HERE} AND channel = '__interrupt__')) LIMIT 1"
)
DROP_ERROR = f"DELETE FROM checkpoint_writes WHERE {_WRITES_HERE} AND channel = '__error__'"
CLEAR_CLAIM_MARKS = (
    "UPDATE rc_claims SET writes_mark = NULL WHERE thread_id = %(thread_id)s AND checkpoint_id = %(checkpoint_id)s"
)
DROP_WRITES_AFTER = (
    "DELETE FROM checkpoint_writes WHERE thread_id = %(thread_id)s AND checkpoint_id = %(checkpoint_id)s "
    "AND rc_seq > %(mark)s AND channel NOT IN ('__resume__', '__interrupt__')"
)
RESUMES_AFTER = (
    f"SELECT task_id, idx, type, blob FROM checkpoint_writes WHERE {_WRITES_HERE} "
    "AND channel = '__resume__' AND rc_seq > %(mark)s"
)
REWRITE_RESUME = (
    f"UPDATE checkpoint_writes SET type = %(type)s, blob = %(value)s WHERE {_WRITES_HERE} "
    "AND task_id = %(task_id)s AND idx = %(idx)s"
)
DROP_RESUME = f"DELETE FROM checkpoint_writes WHERE {_WRITES_HERE} AND task_id = %(task_id)s AND idx = %(idx)s"

THREAD_EXISTS = "SELECT 1 FROM checkpoints WHERE thread_id = %(thread_id)s LIMIT 1"
START_TAKEN = (
    "SELECT 1 FROM rc_claims WHERE thread_id = %(thread_id)s AND checkpoint_id = '' AND interrupt_id = 'start'"
)
INSERT_START_CLAIM = (
    "INSERT INTO rc_claims(thread_id, checkpoint_id, interrupt_id, decision_id, claimed_at) "
    "VALUES (%(thread_id)s, '', 'start', %(decision_id)s, %(claimed_at)s)"
)

DECISIONS = f"SELECT {', '.join(DECISION_COLUMNS)} FROM rc_decisions ORDER BY id DESC LIMIT %(limit)s"
DECISIONS_OF_THREAD = (f"SELECT {', '.join(DECISION_COLUMNS)} FROM rc_decisions WHERE thread_id = %(thread_id)s "
                       "ORDER BY id DESC LIMIT %(limit)s")

# ---- processes -------------------------------------------------------------------------

REGISTER = (
    "INSERT INTO rc_processes(owner, host, pid, started_at, heartbeat_at) "
    "VALUES (%(owner)s, %(host)s, %(pid)s, %(now)s, %(now)s) "
    "ON CONFLICT (owner) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, "
    "started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at"
)
HEARTBEAT = "UPDATE rc_processes SET heartbeat_at = %(now)s WHERE owner = %(owner)s"
UNREGISTER = "DELETE FROM rc_processes WHERE owner = %(owner)s"
FORGET_DEAD = "DELETE FROM rc_processes WHERE heartbeat_at < %(before)s"

# The indexer's one-pass batch read is SQLite's saver layout only (PostgreSQL's saver keeps channel
# values in checkpoint_blobs): None sends the indexer to the saver's own reads, thread by thread.
LATEST_CHECKPOINTS = None
LATEST_WRITES = None
CHECKPOINTS_BY_ID = None

# What a thread's view is read from, as one stamp (see sqlite_sql.THREAD_STAMP): xmin moves on every
# insert and upsert. Blobs are keyed by channel version, so new values come with a new checkpoint.
THREAD_STAMP = (
    "SELECT (SELECT COUNT(*) || ':' || COALESCE(MAX(checkpoint_id), '') || ':' || COALESCE(MAX(xmin::text::bigint), 0) "
    "FROM checkpoints WHERE thread_id = %(thread_id)s) || '/' || "
    "(SELECT COUNT(*) || ':' || COALESCE(MAX(xmin::text::bigint), 0) FROM checkpoint_writes WHERE thread_id = %(thread_id)s)"
)
