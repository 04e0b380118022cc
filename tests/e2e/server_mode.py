"""The browser journeys' threads on a LangGraph Server: twins of the demo threads and one thread per changing journey."""

from __future__ import annotations

from console.demo import _seeds, demo_thread_id
from console.server.client import connect

# The demo twins carry this metadata: the inbox journey lists exactly them with the search "e2e=demo".
DEMO_SCOPE = {"e2e": "demo"}
DEMO_SEARCH = "e2e=demo"

# Threads each changing journey owns on the server: local id → (graph, input). On the server the two-stage review's
# revision streams over time (tests/server/graphs.py), for the live-progress journeys; every other model is instant.
OWN = {
    "e2e-approve": ("content_approval", {"topic": "the approve journey"}),
    "e2e-reject": ("content_approval", {"topic": "the reject journey"}),
    "e2e-edit": ("content_approval", {"topic": "the edit journey"}),
    "e2e-gate": ("gated_publication", {"topic": "the gate journey"}),
    "e2e-two-stage": ("two_stage_review", {"topic": "the two-stage journey"}),
    "e2e-progress": ("two_stage_review", {"topic": "the progress journey"}),
}
# Demo threads journeys answer (tests/e2e/test_formats_browser.py): a second twin each, outside the inbox's list.
SPARES = ("demo-0007", "demo-0009", "demo-0011")


def _run(client, graph: str, metadata: dict, **run) -> str:
    """A new thread of `graph`, run up to its first pause (or on from one), as the local seed runs it."""
    thread_id = client.threads.create(metadata=metadata)["thread_id"]
    _go_on(client, thread_id, graph, **run)
    return thread_id


def _go_on(client, thread_id: str, graph: str, **run) -> None:
    client.runs.wait(thread_id, graph, durability="sync", **run)  # a failed run raises (raise_error=True)


def seed(url: str, scope: dict = DEMO_SCOPE, own: dict = OWN, spares: tuple = SPARES,
         own_scope: dict | None = None) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """(local id → server id, the demo twins as (server id, graph, kind of pause) oldest first), written in
    console.demo's order, with its second pause further on for the second gated and two-stage threads.
    The twins carry `scope`, `own`'s threads `own_scope` (none by default)."""
    client = connect(url)
    ids: dict[str, str] = {}
    twins: list[tuple[str, str, str]] = []
    try:
        for n, (spec, i, text) in enumerate(_seeds(), start=1):
            thread_id = _run(client, spec.name, scope, input=spec.make_input(text))
            if i == 2 and spec.name in ("gated_publication", "two_stage_review"):
                pending = [item for task in client.threads.get_state(thread_id).get("tasks") or ()
                           for item in task.get("interrupts") or ()]
                answer = {"approved": False, "changes": "Make it friendlier."}
                _go_on(client, thread_id, spec.name, **({"command": {"resume": {pending[0]["id"]: answer}}}
                                                       if pending else {"input": None}))
            ids[demo_thread_id(n)] = thread_id
            twins.append((thread_id, spec.name, ""))
            if demo_thread_id(n) in spares:
                ids[f"spare:{demo_thread_id(n)}"] = _run(client, spec.name, {}, input=spec.make_input(text))
        for local_id, (graph, inputs) in own.items():
            ids[local_id] = _run(client, graph, own_scope or {}, input=inputs)
    finally:
        client.close()
    return ids, twins
