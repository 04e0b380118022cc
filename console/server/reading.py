"""A server's answers (assistants, threads.search rows, get_state) read into the console's own views."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from langchain_core.messages import convert_to_messages

from console import formats as payloads
from console import wording
from console.jsonable import shorten, to_jsonable
from console.threads import PendingInterrupt, ThreadView
from workflows.spec import WorkflowSpec


def _no_builder():
    raise RuntimeError("a LangGraph Server's graph runs on the server, not in the console")


def registry(assistants: list[dict]) -> tuple[dict[str, WorkflowSpec], dict[str, str]]:
    """One workflow per graph: the graph's own assistant's name as the title (the server names it after the
    graph), its description; a graph's first assistant when it has several."""
    found: dict[str, WorkflowSpec] = {}
    ids: dict[str, str] = {}
    for a in sorted(assistants, key=lambda a: (a.get("metadata") or {}).get("created_by") != "system"):
        graph = a.get("graph_id")
        if not isinstance(graph, str) or graph in found:
            continue
        name = a.get("name") if isinstance(a.get("name"), str) and a.get("name") != graph else wording.readable(graph)
        found[graph] = WorkflowSpec(name=graph, title=name, description=a.get("description") or "", builder=_no_builder,
                                    version=str(a.get("version") or "1"), schema_inputs=True)
        ids[graph] = a["assistant_id"]
    return found, ids


def interrupts_of(thread: dict) -> list[dict]:
    """Every pending interrupt of a threads.search row (by task), in order."""
    found = []
    for items in (thread.get("interrupts") or {}).values():
        found.extend(i for i in items or () if isinstance(i, dict))
    return found


def _since(text: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(text)).timestamp()
    except ValueError:
        return None


def inbox_row(thread: dict) -> dict[str, Any]:
    """One inbox row from a search row alone: the preview from its first interrupt, no state fetch."""
    pending = interrupts_of(thread)
    meta = thread.get("metadata") or {}
    error = None
    if thread.get("refused"):  # console/server/waiting.py: the graph refused the typed answer; the question waits
        preview = f"The workflow did not accept the last answer: {thread['refused']}"
    elif thread.get("status") == "error":
        preview = "Error: the last run failed on the server"
        error = "the last run failed"
    elif pending:
        schema = pending[0].get("response_schema")
        preview = payloads.describe(pending[0].get("value"), schema if isinstance(schema, dict) else None).preview
        if len(pending) > 1:
            preview = f"{len(pending)} questions · {preview}"
    else:
        preview = "Paused at a step"
    return {"thread_id": thread["thread_id"], "workflow": meta.get("graph_id"), "waiting_node": None,
            "pause_kind": "interrupt" if pending or thread.get("refused") else
            ("paused" if thread.get("status") == "interrupted" else None),
            "preview": shorten(preview, payloads.PREVIEW_CHARS),
            "waiting_since": _since(thread.get("state_updated_at") or thread.get("updated_at")),
            "error": error}


def _as_messages(values: dict) -> dict:
    """The server sends a state's messages as dicts; the pages read LangChain's messages, as a local saver gives
    them (an agent's last reply is its final text)."""
    messages = values.get("messages")
    if not (isinstance(messages, list) and messages and all(isinstance(m, dict) and "type" in m for m in messages)):
        return values
    try:
        return {**values, "messages": convert_to_messages(messages)}
    except (ValueError, TypeError, KeyError, NotImplementedError):  # not LangChain's messages: shown as they are
        return values


# pydantic's text for an answer a typed interrupt refused (the server sends only the text): its first field and reason.
_REFUSED = re.compile(r"^\d+ validation errors? for \S+\n(?P<loc>[^\n]+)\n\s+(?P<msg>[^\n\[]+)")


def refused_answer(failure: str) -> str | None:
    """“field”: reason, as the local console says it (formats.response_schema.refusal_sentence), or None."""
    found = _REFUSED.match(failure.strip())
    if found is None:
        return None
    loc = [p for p in found["loc"].strip().split(".") if not p.startswith("function-")]
    return f"“{' › '.join(loc) or 'the answer'}”: {found['msg'].strip().removeprefix('Value error, ').rstrip('.')}"


def thread_view(thread: dict, state: dict, spec: WorkflowSpec | None) -> ThreadView:
    """The thread as the pages show it, from threads.get (status) and threads.get_state (the rest)."""
    meta = thread.get("metadata") or {}
    values = state.get("values")
    values = _as_messages(values) if isinstance(values, dict) else {"value": values}
    workflow = meta.get("graph_id")
    view = ThreadView(
        thread_id=thread["thread_id"], workflow=workflow,
        workflow_title=spec.title if spec else wording.workflow_title(workflow, {}),
        thread_version=None, current_version=None, status="finished", pause_kind=None,
        next_nodes=tuple(state.get("next") or ()), checkpoint_id=(state.get("checkpoint") or {}).get("checkpoint_id"),
        created_at=state.get("created_at"), values=values)
    failed = [t for t in state.get("tasks") or () if t.get("error")]
    if failed and all(t.get("interrupts") and refused_answer(str(t["error"])) for t in failed):
        # The question's schema refused the answer: nothing moved on and the question still waits, as on a local
        # saver. The step is kept, since that run's answer stays on the checkpoint (decide forks it before answering).
        view.error_node, failed = failed[0]["name"], None
    if failed or (failed is not None and thread.get("status") == "error"):
        view.status = "failed"
        # The server keeps a step's error as repr(exc), as a local saver does: the page says the message, the
        # exception's type only under Details.
        view.error, view.error_type = (wording.split_error(str(failed[0]["error"])) if failed
                                       else ("The last run failed on the server.", None))
        view.error_node = failed[0]["name"] if failed else None
    for task in state.get("tasks") or ():
        for item in task.get("interrupts") or ():
            schema = item.get("response_schema") if isinstance(item.get("response_schema"), dict) else None
            view.interrupts.append(PendingInterrupt(item["id"], task.get("name") or "", item.get("value"),
                                                    payloads.describe(item.get("value"), schema), schema))
    if view.status != "failed" and view.next_nodes:
        view.status = "waiting"
        view.pause_kind = ("notice" if wording.only_notices(view) else "interrupt") if view.interrupts else "paused"
        if not view.interrupts:
            view.static_request = payloads.describe_static_pause(
                to_jsonable(values), wording.step_label(view.next_nodes[0]), "paused")
    if thread.get("status") == "busy":
        view.status = "running"
    return view


def unknown_workflow_view(thread: dict) -> ThreadView:
    """A thread whose graph this server does not serve (another program's, or a graph taken off the deployment):
    its metadata's graph name, said as words, and nothing to answer (a local saver says the same)."""
    workflow = (thread.get("metadata") or {}).get("graph_id")
    view = thread_view(thread, {}, None)
    view.status = "unknown"
    view.error = f"This thread's workflow ({workflow or 'not recorded'}) is not on the LangGraph Server, so its state cannot be read."
    return view
