"""The confirmation step: an edit's changes (field by field) and any answer whose shape the console chose,
shown before the decision is sent; the reviewer confirms or goes back to the form."""

from __future__ import annotations

from typing import Any

import streamlit as st

from console import formats
from console.decisions import DecisionRequest
from console.formats import diff
from console.jsonable import dumps, to_jsonable
from ui.text import inert
from console.threads import ThreadView
from ui import keys


def _confirmation(view: ThreadView, interrupt_id: str | None, action: str, inputs: dict[str, Any]) -> dict | None:
    """What the reviewer must see before this answer goes (an edit's changes, a guessed shape), or None."""
    try:
        if interrupt_id:
            pending = next((i for i in view.interrupts if i.id == interrupt_id), None)
            return None if pending is None else formats.confirmation(pending.value, action, inputs, pending.response_schema)
        if action == "edit_state":
            return formats.state_edit_confirmation(to_jsonable(view.values), inputs)
    except Exception:  # a wrong input: the decision path refuses it, in the same words as always
        return None
    return None


def send_or_confirm(view: ThreadView, where: str | None, decision: DecisionRequest, titles: list[str]) -> None:
    """Queue the decision, or, when something must be confirmed first, hold it for the confirmation step."""
    answers = [(decision.interrupt_id, decision.action, decision.inputs), *decision.together]
    checks = [(title, _confirmation(view, i, a, inputs)) for title, (i, a, inputs) in zip(titles, answers)]
    checks = [(title, c) for title, c in checks if c is not None]
    if not checks:
        st.session_state[keys.PENDING_DECISION] = decision
        return
    st.session_state[keys.CONFIRM_DECISION] = {"where": (view.thread_id, where), "decision": decision, "checks": checks}


def _confirmed() -> None:
    held = st.session_state.pop(keys.CONFIRM_DECISION, None)
    if held is not None:
        st.session_state[keys.PENDING_DECISION] = held["decision"]


def _not_confirmed() -> None:
    st.session_state.pop(keys.CONFIRM_DECISION, None)


_OP_MARK = {"removed": "- ", "added": "+ ", "same": "  ", "gap": "  "}


def changes_view(changes: list[dict[str, Any]]) -> None:
    """An edit's changes, field by field; long text line by line (- removed, + added)."""
    for change in changes:
        where = f"Item {change['item']}, " if change.get("item") else ""
        if change["kind"] == "text":
            st.text(f"{where}{change['field']}: changed lines (- before, + after)")
            st.code("\n".join(_OP_MARK[line["op"]] + line["text"] for line in change["lines"]), language="diff")
        else:
            st.text(where + diff.sentences([change])[0])


def confirm_area(view: ThreadView, where: str | None) -> None:
    """The held decision for this question, if any: what changes and what is sent, then confirm or go back."""
    held = st.session_state.get(keys.CONFIRM_DECISION)
    if not held or held["where"] != (view.thread_id, where):
        return
    with st.container(border=True, key=f"confirm-{abs(hash((view.thread_id, where)))}"):
        st.markdown("**Check before sending**")
        for title, check in held["checks"]:
            if title:
                st.markdown(f"**{inert(title)}**")
            if check["edited"]:
                if check["changes"]:
                    st.caption("What you changed:")
                    changes_view(check["changes"])
                else:
                    st.caption("You changed nothing: it is sent as it was proposed.")
            if check["show_answer"]:
                st.caption("The console cannot see how the workflow reads your answer. This is exactly what it receives:")
                answer = check["answer"]
                if isinstance(answer, str):
                    st.text(answer)
                else:
                    st.code(dumps(answer, indent=2), language="json")
        left, right = st.columns(2)
        left.button("Confirm and send", type="primary", key=keys.confirm_key(view.thread_id, where, "yes"), on_click=_confirmed)
        right.button("Change my answer", key=keys.confirm_key(view.thread_id, where, "no"), on_click=_not_confirmed)
