"""The store's statements in SQLite's spelling (the saver's `writes` table, its rowid, json_each, :named parameters).

Each name here has a twin in postgres_sql.py that means the same; the rooms
(index.py, decision_log.py, processes.py) pick one module and run its
statements as they are.
"""

from console.store.records import DECISION_COLUMNS, THREAD_COLUMNS

# ---- the thread index ------------------------------------------------------------------

MARKED = "SELECT thread_id FROM rc_marks ORDER BY id LIMIT :limit"

# The newest mark id ever given. From sqlite_sequence, not MAX(id): once a pass has cleared
# every mark, MAX(id) falls back to 0 and a later derive would look older than the row it must
# replace (a started thread then stayed "being answered").
LAST_MARK = "SELECT seq FROM sqlite_sequence WHERE name = 'rc_marks'"

MARK_THREAD = "INSERT INTO rc_marks(thread_id) VALUES (:thread_id)"

PENDING_THREADS = (
    "SELECT DISTINCT thread_id FROM rc_decisions WHERE outcome = 'pending' "
    "AND thread_id IN (SELECT value FROM json_each(:thread_ids))"
)

# An upsert, not INSERT OR REPLACE: REPLACE deletes without firing delete triggers, which would
# leave rc_counts wrong. Two consoles may derive one thread at once: a read that began before the
# stored row's read (a smaller mark bound) is older and must not overwrite it.
SAVE_THREAD = (
    f"INSERT INTO rc_threads({', '.join(THREAD_COLUMNS)}, updated_at, derived_mark) "
    f"VALUES ({', '.join(':' + c for c in THREAD_COLUMNS)}, :updated_at, :derived_mark) "
    f"ON CONFLICT(thread_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in THREAD_COLUMNS[1:])}, "
    "updated_at = excluded.updated_at, derived_mark = excluded.derived_mark "
    "WHERE excluded.derived_mark >= rc_threads.derived_mark"
)
# SAVE_THREAD for a whole batch in one statement, its rows as one JSON array (json_extract gives back
# each scalar as it was: text, integer, real, null; not `->>`, which needs SQLite 3.38, newer than
# some distributions' Python ships, e.g. Ubuntu 22.04's 3.37). One step is one hand-over of
# Python's lock from the loop thread, which meanwhile decodes the next batch; executemany took one per row, and each waited
# for the loop's switch interval. JSON text cannot carry NUL: rows with one take SAVE_THREAD.
_JSON_THREAD_VALUES = ", ".join(f"json_extract(value, '$.{c}')" for c in THREAD_COLUMNS)
SAVE_THREADS_JSON = (
    f"INSERT INTO rc_threads({', '.join(THREAD_COLUMNS)}, updated_at, derived_mark) "
    f"SELECT {_JSON_THREAD_VALUES}, :updated_at, :derived_mark "
    "FROM json_each(:rows) WHERE true "  # "WHERE true": an upsert's SELECT needs one (SQLite's parsing)
    f"ON CONFLICT(thread_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in THREAD_COLUMNS[1:])}, "
    "updated_at = excluded.updated_at, derived_mark = excluded.derived_mark "
    "WHERE excluded.derived_mark >= rc_threads.derived_mark"
)
DELETE_THREAD = "DELETE FROM rc_threads WHERE thread_id = :thread_id"
CLEAR_MARKS = "DELETE FROM rc_marks WHERE thread_id = :thread_id AND id <= :bound"
CLEAR_MARKS_JSON = "DELETE FROM rc_marks WHERE thread_id IN (SELECT value FROM json_each(:thread_ids)) AND id <= :bound"
# About how many marks wait (the ends of the primary key: two seeks, not a count): is a first indexing far behind?
MARK_SPAN = "SELECT COALESCE(MAX(id) - MIN(id) + 1, 0) FROM rc_marks"
# Derive claims are PostgreSQL's (replicas): on one SQLite file a claim would be one more write
# waiting on the file's single write lock (a replica seeding the demo holds it for seconds), so each
# process derives what it sees marked, as before. None: Index.claim_marked reads the marks only.
CLAIM_DERIVE = STILL_MARKED = RELEASE_DERIVE = None
# One more change of rc_threads, in the saving transaction: the pages' cheap version check (Console.index_version).
BUMP_INDEX_CHANGES = ("INSERT INTO rc_meta(key, value) VALUES ('index_changes', '1') "
                      "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")

# Bytes aget_state would decode: the latest checkpoint and that checkpoint's writes, from the row sizes.
THREAD_BYTES = (
    "SELECT length(c.checkpoint) + COALESCE((SELECT SUM(length(w.value)) FROM writes w "
    "WHERE w.thread_id = c.thread_id AND w.checkpoint_ns = '' AND w.checkpoint_id = c.checkpoint_id), 0) "
    "FROM checkpoints c WHERE c.thread_id = :thread_id AND c.checkpoint_ns = '' ORDER BY c.checkpoint_id DESC LIMIT 1"
)
THREAD_ROW = "SELECT * FROM rc_threads WHERE thread_id = :thread_id"
# What a thread's view is read from, as one stamp: any checkpoint or write added or replaced (INSERT OR
# REPLACE gives a new rowid) in any namespace changes it. The thread page keys its shared views on it.
THREAD_STAMP = (
    "SELECT (SELECT COUNT(*) || ':' || COALESCE(MAX(checkpoint_id), '') || ':' || COALESCE(MAX(rowid), 0) "
    "FROM checkpoints WHERE thread_id = :thread_id) || '/' || "
    "(SELECT COUNT(*) || ':' || COALESCE(MAX(rowid), 0) FROM writes WHERE thread_id = :thread_id)"
)

# The indexer's batch read (console/preloaded_saver.py): each thread's latest checkpoint in the root
# namespace, as the saver's aget_tuple picks it (the greatest checkpoint_id), then the writes of
# exactly those checkpoints (not "the latest" again: a checkpoint put in between would not match).
LATEST_CHECKPOINTS = (
    "SELECT c.thread_id, c.checkpoint_id, c.parent_checkpoint_id, c.type, c.checkpoint, c.metadata "
    "FROM json_each(:thread_ids) t JOIN checkpoints c ON c.thread_id = t.value AND c.checkpoint_ns = '' "
    "AND c.checkpoint_id = (SELECT MAX(m.checkpoint_id) FROM checkpoints m WHERE m.thread_id = t.value AND m.checkpoint_ns = '')"
)
LATEST_WRITES = (
    "SELECT w.thread_id, w.task_id, w.channel, w.type, w.value, w.task_path, w.idx "
    "FROM json_each(:pairs) p JOIN writes w ON w.thread_id = json_extract(p.value, '$[0]') AND w.checkpoint_ns = '' "
    "AND w.checkpoint_id = json_extract(p.value, '$[1]')"
)
# Older checkpoints by id (a static pause's parent: which step ran), for the same batch.
CHECKPOINTS_BY_ID = (
    "SELECT c.thread_id, c.checkpoint_id, c.parent_checkpoint_id, c.type, c.checkpoint, c.metadata "
    "FROM json_each(:pairs) p JOIN checkpoints c ON c.thread_id = json_extract(p.value, '$[0]') AND c.checkpoint_ns = '' "
    "AND c.checkpoint_id = json_extract(p.value, '$[1]')"
)
THREAD_COUNT = "SELECT COUNT(*) FROM (SELECT DISTINCT thread_id FROM checkpoints)"

# ---- claims and the decision log -------------------------------------------------------

# One statement (it is on every click's path): the thread's latest checkpoint, a claim on this
# pause and who holds it, and any decision on the thread still in flight, except the answers
# sent together with this one (:siblings, a JSON array of decision ids).
CLAIM_CHECK = (
    "SELECT (SELECT checkpoint_id FROM checkpoints WHERE thread_id = :thread_id AND checkpoint_ns = '' "
    "        ORDER BY checkpoint_id DESC LIMIT 1), "
    "  c.decision_id, r.reviewer, r.decided_at, "
    "  (SELECT reviewer FROM rc_decisions WHERE thread_id = :thread_id AND outcome = 'pending' AND action != 'start' "
    "   AND id NOT IN (SELECT value FROM json_each(:siblings)) ORDER BY id LIMIT 1), "
    "  (SELECT decided_at FROM rc_decisions WHERE thread_id = :thread_id AND outcome = 'pending' AND action != 'start' "
    "   AND id NOT IN (SELECT value FROM json_each(:siblings)) ORDER BY id LIMIT 1) "
    "FROM (SELECT 1) "
    "LEFT JOIN rc_claims c ON c.thread_id = :thread_id AND c.checkpoint_id = :checkpoint_id "
    "AND c.interrupt_id = :interrupt_id "
    "LEFT JOIN rc_decisions r ON r.id = c.decision_id"
)
LAST_ANSWER = (
    "SELECT reviewer, decided_at FROM rc_decisions WHERE thread_id = :thread_id AND outcome IN ('applied', 'pending') "
    "ORDER BY id DESC LIMIT 1"
)
# writes_mark: the highest rowid of `writes` when claimed; what the run adds is above it.
INSERT_CLAIM = (
    "INSERT INTO rc_claims(thread_id, checkpoint_id, interrupt_id, decision_id, claimed_at, writes_mark) "
    "VALUES (:thread_id, :checkpoint_id, :interrupt_id, :decision_id, :claimed_at, "
    "(SELECT COALESCE(MAX(rowid), 0) FROM writes))"
)
INSERT_DECISION = (
    "INSERT INTO rc_decisions(decided_at, reviewer, reviewer_verified, thread_id, workflow, checkpoint_id, "
    "interrupt_id, action, answer, text_before, text_after, outcome, detail, finished_at, owner, changes) "
    "VALUES (:decided_at, :reviewer, :reviewer_verified, :thread_id, :workflow, :checkpoint_id, :interrupt_id, "
    ":action, :answer, :text_before, :text_after, :outcome, :detail, :finished_at, :owner, :changes) RETURNING id"
)
FINISH = (
    "UPDATE rc_decisions SET outcome = :outcome, detail = :detail, result_checkpoint_id = :result_checkpoint_id, "
    "finished_at = :finished_at WHERE id = :decision_id AND outcome = 'pending'"
)
FINISH_AT_LATEST = (
    "UPDATE rc_decisions SET outcome = :outcome, detail = :detail, finished_at = :finished_at, result_checkpoint_id = "
    "(SELECT checkpoint_id FROM checkpoints WHERE thread_id = rc_decisions.thread_id "
    " AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 1) "
    "WHERE id = :decision_id AND outcome = 'pending'"
)
THREAD_OF_DECISION = "SELECT thread_id FROM rc_decisions WHERE id = :decision_id"
RELEASE_CLAIM = "DELETE FROM rc_claims WHERE decision_id = :decision_id"
HAS_PENDING = "SELECT 1 FROM rc_decisions WHERE thread_id = :thread_id AND outcome = 'pending' LIMIT 1"
PENDING_DECISIONS = (
    "SELECT d.id, d.thread_id, d.checkpoint_id, d.interrupt_id, d.action, d.owner, p.heartbeat_at "
    "FROM rc_decisions d LEFT JOIN rc_processes p ON p.owner = d.owner "
    "WHERE d.outcome = 'pending' ORDER BY d.id"
)
ADOPT = "UPDATE rc_decisions SET owner = :owner WHERE id = :decision_id AND outcome = 'pending' AND owner IS :old_owner"

CLAIM_MARK = "SELECT writes_mark FROM rc_claims WHERE decision_id = :decision_id"
# A write of a task that finished with the answer: not the answer, the question or an error, made
# after the claim, by the task that was asked (or by any task when no question was written).
ANSWER_TAKEN = (
    "SELECT 1 FROM writes WHERE rowid > :mark AND thread_id = :thread_id AND checkpoint_ns = '' "
    "AND checkpoint_id = :checkpoint_id "
    "AND channel NOT IN ('__resume__', '__interrupt__', '__error__') "
    "AND task_id != '00000000-0000-0000-0000-000000000000' "
    "AND (task_id IN (SELECT task_id FROM writes WHERE thread_id = :thread_id AND checkpoint_ns = '' "
    "     AND checkpoint_id = :checkpoint_id AND channel IN ('__resume__', '__interrupt__'))"
    "  OR NOT EXISTS (SELECT 1 FROM writes WHERE thread_id = :thread_id AND checkpoint_ns = '' "
    "     AND checkpoint_id = :checkpoint_id AND channel = '__interrupt__')) LIMIT 1"
)
DROP_ERROR = (
    "DELETE FROM writes WHERE thread_id = :thread_id AND checkpoint_ns = '' AND checkpoint_id = :checkpoint_id "
    "AND channel = '__error__'"
)
CLEAR_CLAIM_MARKS = "UPDATE rc_claims SET writes_mark = NULL WHERE thread_id = :thread_id AND checkpoint_id = :checkpoint_id"
DROP_WRITES_AFTER = (
    "DELETE FROM writes WHERE thread_id = :thread_id AND checkpoint_id = :checkpoint_id AND rowid > :mark "
    "AND channel NOT IN ('__resume__', '__interrupt__')"
)
RESUMES_AFTER = (
    "SELECT task_id, idx, type, value FROM writes WHERE thread_id = :thread_id AND checkpoint_ns = '' "
    "AND checkpoint_id = :checkpoint_id AND channel = '__resume__' AND rowid > :mark"
)
REWRITE_RESUME = (
    "UPDATE writes SET type = :type, value = :value WHERE thread_id = :thread_id AND checkpoint_ns = '' "
    "AND checkpoint_id = :checkpoint_id AND task_id = :task_id AND idx = :idx"
)
DROP_RESUME = (
    "DELETE FROM writes WHERE thread_id = :thread_id AND checkpoint_ns = '' AND checkpoint_id = :checkpoint_id "
    "AND task_id = :task_id AND idx = :idx"
)

THREAD_EXISTS = "SELECT 1 FROM checkpoints WHERE thread_id = :thread_id LIMIT 1"
START_TAKEN = "SELECT 1 FROM rc_claims WHERE thread_id = :thread_id AND checkpoint_id = '' AND interrupt_id = 'start'"
INSERT_START_CLAIM = (
    "INSERT INTO rc_claims(thread_id, checkpoint_id, interrupt_id, decision_id, claimed_at) "
    "VALUES (:thread_id, '', 'start', :decision_id, :claimed_at)"
)

DECISIONS = f"SELECT {', '.join(DECISION_COLUMNS)} FROM rc_decisions ORDER BY id DESC LIMIT :limit"
DECISIONS_OF_THREAD = (f"SELECT {', '.join(DECISION_COLUMNS)} FROM rc_decisions WHERE thread_id = :thread_id "
                       "ORDER BY id DESC LIMIT :limit")

# ---- processes -------------------------------------------------------------------------

REGISTER = (
    "INSERT OR REPLACE INTO rc_processes(owner, host, pid, started_at, heartbeat_at) "
    "VALUES (:owner, :host, :pid, :now, :now)"
)
HEARTBEAT = "UPDATE rc_processes SET heartbeat_at = :now WHERE owner = :owner"
UNREGISTER = "DELETE FROM rc_processes WHERE owner = :owner"
FORGET_DEAD = "DELETE FROM rc_processes WHERE heartbeat_at < :before"
