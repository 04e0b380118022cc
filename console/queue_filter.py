"""The inbox's "mine" filter and "not someone else's" clause over rc_assignments, in either dialect's placeholder."""

from __future__ import annotations

# A thread is someone's when they hold it directly ("I'm on it" until it ends, or an admin's
# assignment), or when its workflow is assigned to them and nobody holds the thread itself.
_HELD = ("SELECT target FROM rc_assignments WHERE scope = 'thread' AND reviewer {op} {p} "
         "AND (until IS NULL OR until > {p})")


def mine_clause(p: str) -> str:
    """WHERE clause over rc_threads: the threads `reviewer` has (params: mine_params)."""
    return (f"(thread_id IN ({_HELD.format(op='=', p=p)}) OR (workflow IN (SELECT target FROM rc_assignments "
            f"WHERE scope = 'workflow' AND reviewer = {p}) AND thread_id NOT IN ({_HELD.format(op='<>', p=p)})))")


def mine_params(reviewer: str, now: float) -> list:
    return [reviewer, now, reviewer, reviewer, now]


def not_others_clause(p: str) -> str:
    """WHERE clause over rc_threads: threads nobody but `reviewer` holds right now (params: not_others_params)."""
    return f"thread_id NOT IN ({_HELD.format(op='<>', p=p)})"


def not_others_params(reviewer: str, now: float) -> list:
    return [reviewer, now]
