"""The queue on screen: remembered inbox filters, Next waiting thread, keyboard shortcuts, "I'm on it" and assignments."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pyarrow as pa
import streamlit as st

from console.decisions import DecisionRequest
from console.errors import ConsoleError
from console.formats import ReviewRequest
from console.inbox import InboxQuery
from console.queue import CLAIM_MINUTES, Holder, holders_by_thread
from console.threads import ThreadView
from ui import keys
from ui.confirm import send_or_confirm
from ui.text import inert, visible

# Keys for the decision shortcuts. "R" and "C" are Streamlit's own (rerun, clear cache), so reject is X.
SHORTCUTS = {"approve": "A", "reject": "X", "edit": "E", "next": "N"}
APPROVE_KEYS = ("approve", "accept", "continue")
REJECT_KEYS = ("reject", "ignore")
EDIT_KEYS = ("edit", "edit_state", "update")


# ---- the inbox's filters, kept for the session ------------------------------------------------


def _valid(value: Any, default: Any, options: list | None) -> Any:
    if options is None:
        return value
    # A workflow (or step) no longer waiting is no longer a choice.
    return [v for v in value if v in options] if isinstance(value, list) else (value if value in options else default)


def remembered(name: str, default: Any, options: list | None = None) -> str:
    """The widget key for one inbox filter, started at this session's last choice. Streamlit forgets a
    widget's value when its page is left; the value is kept under a plain session key instead."""
    key = keys.inbox_filter_key(name)
    if key not in st.session_state:
        st.session_state[key] = _valid(st.session_state.get(keys.INBOX_FILTERS, {}).get(name, default), default, options)
    return key


def kept(name: str, default: Any, options: list | None = None) -> Any:
    """A filter's value while its widget is not drawn (under a closed "More filters"): this session's last
    choice, still applied to the list; the widget starts at it when drawn again. The widget's key is
    dropped: Streamlit's state for a widget not drawn is not to be trusted (it read as the default
    again after another page), the kept filters are."""
    key = keys.inbox_filter_key(name)
    filters = st.session_state.setdefault(keys.INBOX_FILTERS, {})
    if key in st.session_state:  # drawn in the last run: its value as left there
        filters[name] = st.session_state.pop(key)
    return _valid(filters.get(name, default), default, options)


def remember(query: InboxQuery) -> None:
    """Keep every filter's value, and the query Next follows. Merged, not replaced: a filter not drawn
    in this run (a closed "More filters") keeps its value."""
    prefix = keys.inbox_filter_key("")
    kept_values = dict(st.session_state.get(keys.INBOX_FILTERS, {}))
    kept_values.update({k[len(prefix):]: v for k, v in st.session_state.items() if isinstance(k, str) and k.startswith(prefix)})
    st.session_state[keys.INBOX_FILTERS] = kept_values
    st.session_state[keys.INBOX_QUERY] = query


def with_holders(table: pa.Table, rows: pd.DataFrame, holders: list[Holder]) -> pa.Table:
    """The shared inbox table (ui/cached.shown_inbox) with who is on each row ("Ann until 14:05", "Bob
    (assigned)"); `rows` are the same rows as read, with the workflow ids. A new column on the shared
    Arrow table: the other columns are not copied."""
    found = holders_by_thread(holders, list(zip(rows["thread_id"], rows["workflow"])))
    return table.append_column("on it", pa.array([visible(_short(found.get(t))) for t in rows["thread_id"]], pa.string()))


def _short(holder: Holder | None) -> str:
    if holder is None:
        return ""
    if holder.assigned:
        return f"{holder.reviewer} (assigned)"
    return f"{holder.reviewer} until {dt.datetime.fromtimestamp(holder.until).strftime('%H:%M')}"


# ---- next waiting thread ----------------------------------------------------------------------


def _query() -> InboxQuery:
    return st.session_state.get(keys.INBOX_QUERY) or InboxQuery()


def _remember_position(app, view: ThreadView) -> tuple | None:
    """Where this thread stood in the inbox's order when first shown: a decision moves it (it finishes,
    or waits again later), and Next goes on from where it was."""
    query = _query()
    held = st.session_state.get(keys.QUEUE_CURSOR)
    if held and held[0] == view.thread_id and held[1] == (query.sort, query.oldest_first):
        return held[2]
    position = app.thread_position(query, view.thread_id)
    st.session_state[keys.QUEUE_CURSOR] = (view.thread_id, (query.sort, query.oldest_first), position)
    return position


def _open_next(app, view: ThreadView, reviewer) -> None:
    after = _remember_position(app, view)
    found = app.next_thread(_query(), after, skip=(view.thread_id,), reviewer=reviewer)
    if found is None:
        st.session_state[keys.QUEUE_NOTE] = "No other thread is waiting with your inbox's filters."
        return
    st.switch_page(keys.THREAD_PAGE, query_params={keys.THREAD_ID: found})


# ---- decision shortcuts -------------------------------------------------------------------------


def _the_request(view: ThreadView) -> tuple[ReviewRequest | None, str | None]:
    """The one request the shortcuts act on: a single question (or a static pause); none when several wait."""
    if len(view.interrupts) == 1:
        return view.interrupts[0].request, view.interrupts[0].id
    if not view.interrupts and view.static_request is not None:
        return view.static_request, None
    return None, None


def _approve_now(view: ThreadView, interrupt_id: str | None, action_key: str) -> None:
    """The same decision the form's Approve sends (confirmation included, when the format asks for one)."""
    send_or_confirm(view, interrupt_id, DecisionRequest(view.thread_id, view.checkpoint_id, interrupt_id, action_key, {}), [""])


def _choose(view: ThreadView, interrupt_id: str | None, label: str) -> None:
    st.session_state[keys.choice_key(view.thread_id, interrupt_id)] = label


def shortcut_buttons(app, view: ThreadView, can_decide: bool, reviewer) -> None:
    """Approve / Reject… / Edit… / Next as buttons with keyboard shortcuts, and the list of those keys."""
    request, interrupt_id = _the_request(view)
    actions = {} if request is None or request.items or view.status != "waiting" else {a.key: a for a in request.actions}
    approve = next((actions[k] for k in APPROVE_KEYS if k in actions), None)
    reject = next((actions[k] for k in REJECT_KEYS if k in actions), None)
    edit = next((actions[k] for k in EDIT_KEYS if k in actions), None)
    row = st.container(horizontal=True, key="queue-shortcuts")
    told = []  # the keys of the buttons shown, in the choice's own words ("X opens Dismiss" for a notice)
    if approve is not None and not approve.fields:
        # The choice's own word: a notice's "Accept" or the docs' "Continue" is not an approval.
        row.button(inert(f"{approve.label} now"), key="queue-approve", shortcut=SHORTCUTS["approve"], disabled=not can_decide,
                   on_click=_approve_now, args=(view, interrupt_id, approve.key), type="primary")
        told.append("A approves now" if approve.label == "Approve" else f"A sends {approve.label} now")
    if len(actions) > 1:  # the radio exists only when there is a choice
        for action, key in ((reject, "reject"), (edit, "edit")):
            if action is not None:
                row.button(inert(f"{action.label}…"), key=f"queue-{key}", shortcut=SHORTCUTS[key], disabled=not can_decide,
                           on_click=_choose, args=(view, interrupt_id, action.label))
                told.append(f"{SHORTCUTS[key]} opens {action.label}")
    if row.button("Next waiting thread", key="queue-next", shortcut=SHORTCUTS["next"], icon=":material/skip_next:"):
        _open_next(app, view, reviewer)
    note = st.session_state.pop(keys.QUEUE_NOTE, None)
    if note:
        st.info(inert(note))
    st.caption(inert("Keyboard: " + " · ".join([*told, "N opens the next waiting thread"]) + " (when no text box has the cursor)."))


# ---- who is on it --------------------------------------------------------------------------------


def _claim(app, thread_id: str, reviewer) -> None:
    try:
        holder = app.team.claim(thread_id, reviewer, CLAIM_MINUTES)
    except ConsoleError as exc:  # a callback's error would otherwise be a stack trace
        st.session_state[keys.QUEUE_NOTE] = str(exc)
        return
    if holder is not None and holder.reviewer != reviewer.name:
        st.session_state[keys.QUEUE_NOTE] = f"Not taken: {holder.sentence()}"


def ownership(app, view: ThreadView, reviewer) -> None:
    """Who has the thread (advice: anyone may still decide), "I'm on it" for a while, and an admin's assignment."""
    _remember_position(app, view)
    if view.status != "waiting":
        return
    holder = app.team.holder(view.thread_id, view.workflow)
    mine = reviewer is not None and holder is not None and holder.reviewer == reviewer.name
    # One outer container whatever is inside: signing in then adds no element above the decision form,
    # whose widgets would otherwise be drawn anew (an open drop-down there would close under the click).
    with st.container(key="queue-ownership-area"):
        with st.container(horizontal=True, key="queue-ownership", vertical_alignment="center"):
            if holder is not None:
                st.text(("You: " if mine else "") + holder.sentence())  # text: a reviewer's name is their own words
            if reviewer is not None and (holder is None or mine):
                st.button("I'm on it" if not mine else "Keep it 30 min longer", help="For 30 minutes.",
                          key="queue-claim", icon=":material/front_hand:", on_click=_claim, args=(app, view.thread_id, reviewer))
            if mine and not holder.assigned:
                st.button("Let it go", key="queue-release", on_click=app.team.release, args=(view.thread_id, reviewer))
        if reviewer is not None and app.role(reviewer, view.workflow) == "admin":
            _assign_area(app, view, reviewer)


def _assign(app, view: ThreadView, admin) -> None:
    scope = "workflow" if st.session_state.get("queue-assign-scope") == "Every thread of this workflow" else "thread"
    target = view.workflow if scope == "workflow" else view.thread_id
    name = st.session_state.get("queue-assign-name") or ""
    try:
        app.team.assign(scope, target, name, admin, view.workflow)
    except ConsoleError as exc:
        st.session_state[keys.QUEUE_NOTE] = str(exc)
        return
    st.session_state[keys.QUEUE_NOTE] = (f"Assigned to {name.strip()}." if name.strip() else "Assignment removed.")


def _assign_area(app, view: ThreadView, admin) -> None:
    with st.expander("Assign (administrators)"):
        st.text_input("Reviewer's name", key="queue-assign-name", placeholder="Empty: remove the assignment")
        st.radio("What", ["This thread", "Every thread of this workflow"], horizontal=True, key="queue-assign-scope")
        st.button("Assign", key="queue-assign", on_click=_assign, args=(app, view, admin))
