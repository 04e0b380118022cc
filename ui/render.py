"""Rendering shared by the pages. Untrusted text (drafts, payloads, model output) is shown
with st.text / st.code / st.json only: never Markdown with HTML, never unsafe_allow_html."""

from __future__ import annotations

import csv
import functools
from typing import Any

import pandas as pd
import streamlit as st

from console.decisions import DecisionRequest
from console.markdown import safe_markdown
from console.formats import Action, Field, ReviewRequest, display
from console.jsonable import dumps, to_jsonable
from console import wording
from console.threads import ThreadView
from ui import keys
from ui.confirm import confirm_area, send_or_confirm
from ui.text import inert, visible

SHOW_CHARS = 20_000  # longer text is cut, with a way to see all of it …
PART_CHARS = 50_000  # … one part of this size at a time

SUBMIT_LABELS = {
    "approve": "Approve",
    "reject": "Reject",
    "edit": "Approve edited version",
    "request_changes": "Request changes",
    "continue": "Continue",
    "edit_state": "Save changes and continue",
    "retry": "Retry",
    "decide_each": "Send all decisions",
    "answer": "Send answer",
    "accept": "Accept",
    "ignore": "Ignore",
    "response": "Send response",
    "respond": "Send response",
    "update": "Send the changed arguments",
    "feedback": "Send feedback",
}



def submit_label(action: Action) -> str:
    """The send button's words: the action's own, else the usual ones for its key, else its choice label."""
    return action.submit or SUBMIT_LABELS.get(action.key, action.label)


RETRY_REQUEST = ReviewRequest(format="retry", title="Retry", actions=(Action("retry", "Retry", primary=True),))

STATUS_WORDS = {
    "waiting": "Waiting for a reviewer",
    "finished": "Finished",
    "failed": "Stopped with an error",
    "running": "Running now",
    "unknown": "Not readable by this console",
    "unreadable": "Not readable by this console",
}


def _turn(key: str, by: int) -> None:
    st.session_state[key] = st.session_state.get(key, 0) + by


def _in_parts(text: str, key: str, show) -> None:
    """A very long text one part at a time: a megabyte in one element froze the tab for minutes."""
    parts = -(-len(text) // PART_CHARS)
    state = f"part:{key}"
    part = min(max(st.session_state.get(state, 0), 0), parts - 1)
    start = part * PART_CHARS
    st.caption(inert(f"Part {part + 1} of {parts} · characters {start + 1:,}–{min(start + PART_CHARS, len(text)):,} "
                     f"of {len(text):,}"))
    show(text[start:start + PART_CHARS])
    back, forward = st.columns(2)
    back.button("Previous part", key=f"back:{key}", disabled=part == 0, on_click=_turn, args=(state, -1))
    forward.button("Next part", key=f"next:{key}", disabled=part == parts - 1, on_click=_turn, args=(state, 1))


def long_text(text: str, key: str, limit: int = SHOW_CHARS) -> None:
    """Plain text with hidden characters shown, cut at `limit` characters with a toggle to read all of it, in parts."""
    text = visible(text)
    if len(text) <= limit:
        st.text(text)
        return
    if st.toggle(inert(f"Show all {len(text):,} characters"), key=f"all:{key}"):
        _in_parts(text, key, st.text)
    else:
        st.text(text[:limit] + " …")


def _visible_strings(value: Any) -> Any:
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {visible(k): _visible_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_visible_strings(v) for v in value]
    return value


def json_view(value: Any, key: str, limit: int = SHOW_CHARS) -> None:
    text = visible(dumps(value, indent=2))
    value = to_jsonable(value)  # LangChain messages and models as their fields, not their repr
    if len(text) <= limit:
        value = _visible_strings(value)
        st.json(value if isinstance(value, (dict, list)) else {"value": value}, expanded=2)
    else:
        st.caption(inert(f"Large value ({len(text):,} characters); the start is shown."))
        if st.toggle("Show all of it", key=f"alljson:{key}"):
            _in_parts(text, f"json:{key}", lambda part: st.code(part, language="json"))
        else:
            st.code(text[:limit] + "\n…", language="json")


def description_view(text: str) -> None:
    """A workflow's Markdown description: images and raw HTML removed, links shown with their address."""
    st.markdown(safe_markdown(text))


def request_view(request: ReviewRequest, key: str) -> None:
    if request.description:
        with st.container(key=f"description-{abs(hash(key))}"):
            description_view(request.description)
    if request.step:
        st.markdown(f"**{inert(f'Step {request.step}' + (f' of {request.steps}' if request.steps else ''))}**")
    if request.message:
        with st.container(key=f"message-{abs(hash(key))}"):
            long_text(request.message, f"msg:{key}")
    if request.draft is not None:
        st.markdown("**Draft**")
        with st.container(border=True, key=f"draft-{abs(hash(key))}"):
            long_text(request.draft, f"draft:{key}")
    if request.details:
        st.markdown("**Details**")
        # Each detail under its own label, as text (lists one per line, line breaks kept); JSON only under "Raw payload".
        for n, (label, text) in enumerate(display.rows(request.details)):
            if "\n" in text or len(text) > 80:
                st.text(visible(f"{label}:"))
                with st.container(border=True, key=f"detail-{abs(hash(key))}-{n}"):
                    long_text(text, f"detail:{key}:{n}")
            else:
                st.text(visible(f"{label}: {text}"))


def thread_header(view: ThreadView) -> None:
    st.title(inert(view.workflow_title))
    st.caption(inert(f"Thread {view.thread_id}"))
    line = STATUS_WORDS.get(view.status, view.status)
    if view.status == "waiting":
        line += f" · {wording.pause_phrase(view)}"
    elif view.next_nodes:
        line += f" · next step: {wording.steps_list(view.next_nodes, view.step_titles)}"
    st.markdown(f"**{inert(line)}**")  # step titles come from the workflow: inert
    if view.error:
        if view.error_node:
            st.error(inert(f"The step “{wording.step_label(view.error_node, view.step_titles)}” stopped with an error:"))
            st.text(visible(view.error))  # the error's own words, plainly
        else:
            st.error(inert(view.error))
        if view.error_type:
            with st.expander("Details"):
                st.text(visible(f"Kind of error (for the workflow's developer): {view.error_type}"))
    if view.version_changed:
        st.warning(inert(
            f"This thread was started with version {view.thread_version} of the workflow; the console now runs "
            f"version {view.current_version}. Decisions are held until an administrator has a second look."
        ))


def field_input(field: Field, key: str) -> None:
    # Labels and help come from the workflow (tool-argument keys, state keys, schema titles).
    label, help_ = inert(field.label) + (" *" if field.required else ""), inert(field.help) if field.help else None
    if field.kind == "long_text":
        st.text_area(label, value=field.default or "", key=key, help=help_, height=200)
    elif field.kind == "text":
        st.text_input(label, value=field.default or "", key=key, help=help_)
    elif field.kind in ("number", "integer"):
        # Streamlit infers whole numbers from an int default: a "number" must start as a float.
        cast = int if field.kind == "integer" else float
        num = lambda v: cast(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None  # noqa: E731
        st.number_input(label, value=num(field.default), key=key, help=help_,
                        min_value=num(field.minimum), max_value=num(field.maximum),
                        step=1 if field.kind == "integer" else None)
    elif field.kind == "boolean":
        st.checkbox(label, value=bool(field.default), key=key, help=help_)
    elif field.kind == "choice":
        options = list(field.choices)
        index = options.index(field.default) if field.default in options else None
        st.selectbox(label, options, index=index, key=key, help=help_, format_func=visible)
    elif field.kind == "multi_choice":
        st.multiselect(label, list(field.choices), default=[d for d in field.default or [] if d in field.choices],
                       key=key, help=help_, format_func=visible)
    elif field.kind == "lines":
        lines = max(3, min(10, str(field.default or "").count("\n") + 2))
        st.text_area(label, value=field.default or "", key=key, help=help_, height=28 * lines + 20)
    else:  # json
        st.text_area(label + " (JSON)", value=field.default if isinstance(field.default, str) else "", key=key,
                     help=help_, height=160)


def _chosen(thread_id: str, interrupt_id: str | None, request: ReviewRequest) -> tuple[str, dict[str, Any]]:
    """What the reviewer has chosen and typed for one request, read from the widgets' state."""
    state = st.session_state
    if request.items:
        items = []
        for n, item in enumerate(request.items):
            action = _picked(item, state.get(keys.item_choice_key(thread_id, interrupt_id, n)))
            if action is None:
                items.append({"action": None})
                continue
            items.append({"action": action.key, "inputs": {
                f.name: state.get(keys.item_field_key(thread_id, interrupt_id, n, action.key, f.name)) for f in action.fields}})
        return request.actions[0].key, {"items": items}
    action = _picked(request, state.get(keys.choice_key(thread_id, interrupt_id)))
    if action is None:  # nothing allowed: the console refuses it in words
        return "", {}
    return action.key, {f.name: state.get(keys.field_key(thread_id, interrupt_id, action.key, f.name)) for f in action.fields}


def _picked(request: ReviewRequest, label: str | None) -> Action | None:
    return next((a for a in request.actions if a.label == label), request.actions[0] if request.actions else None)


def _queue_decision(view: ThreadView, interrupt_id: str | None, action: Action) -> None:
    """Submit callback: remember exactly what the reviewer saw and typed; the page applies it."""
    inputs = {f.name: st.session_state.get(keys.field_key(view.thread_id, interrupt_id, action.key, f.name)) for f in action.fields}
    send_or_confirm(view, interrupt_id, DecisionRequest(view.thread_id, view.checkpoint_id, interrupt_id, action.key, inputs), [""])


def _queue_chosen(view: ThreadView, interrupt_id: str | None, request: ReviewRequest) -> None:
    action, inputs = _chosen(view.thread_id, interrupt_id, request)
    send_or_confirm(view, interrupt_id, DecisionRequest(view.thread_id, view.checkpoint_id, interrupt_id, action, inputs), [""])


def _queue_together(view: ThreadView) -> None:
    """One decision answering every pending interrupt, sent as one resume."""
    answers = [(i.id, *_chosen(view.thread_id, i.id, i.request)) for i in view.interrupts]
    first, rest = answers[0], tuple(answers[1:])
    decision = DecisionRequest(view.thread_id, view.checkpoint_id, first[0], first[1], first[2], rest)
    send_or_confirm(view, "together", decision, [f"Question {n}" for n in range(1, len(answers) + 1)])


def _fields(fields, key_of) -> None:
    for f in fields:
        field_input(f, key_of(f))


def items_area(view: ThreadView, request: ReviewRequest, interrupt_id: str | None) -> None:
    """Several questions in one pause: one decision each (outside a form, so the choice shows its inputs at once)."""
    for n, item in enumerate(request.items):
        with st.container(border=True):
            st.markdown(f"**{inert(f'{n + 1}. {item.title}')}**")
            request_view(item, f"{interrupt_id}:item{n}")
            labels = [a.label for a in item.actions]
            if not labels:
                st.caption("This item allows no answer (its settings turn every action off).")
                continue
            choice = st.radio(inert(f"Decision on item {n + 1}"), labels, horizontal=True, format_func=inert,
                              key=keys.item_choice_key(view.thread_id, interrupt_id, n))
            action = _picked(item, choice)
            if action.help:
                st.caption(inert(action.help))
            _fields(action.fields, lambda f, a=action, n=n: keys.item_field_key(view.thread_id, interrupt_id, n, a.key, f.name))


def action_area(view: ThreadView, request: ReviewRequest, interrupt_id: str | None, can_decide: bool,
                use_form: bool = True) -> None:
    """The reviewer's choice for one request. `use_form=False` when several interrupts wait, so that
    every answer's inputs are in session state for "answer all together"."""
    labels = [a.label for a in request.actions]
    if not labels:
        st.caption("This request allows no answer (its settings turn every action off).")
        return
    if request.items:
        items_area(view, request, interrupt_id)
        st.button(SUBMIT_LABELS["decide_each"], type="primary", disabled=not can_decide,
                  key=keys.send_key(view.thread_id, interrupt_id, "items"),
                  on_click=_queue_chosen, args=(view, interrupt_id, request))
        confirm_area(view, interrupt_id)
        return
    # One possible action needs no choice: its form is shown straight away.
    choice = st.radio("Your decision", labels, horizontal=True, format_func=inert, key=keys.choice_key(view.thread_id, interrupt_id)) if len(labels) > 1 else None
    action = _picked(request, choice)
    if action.help:
        st.caption(inert(action.help))
    if not use_form:
        _fields(action.fields, lambda f: keys.field_key(view.thread_id, interrupt_id, action.key, f.name))
        st.button(inert(f"{submit_label(action)} (this question only)"),
                  type="primary" if action.key != "reject" else "secondary",
                  disabled=not can_decide, key=keys.send_key(view.thread_id, interrupt_id, action.key),
                  on_click=_queue_chosen, args=(view, interrupt_id, request))
        confirm_area(view, interrupt_id)
        return
    with st.form(keys.action_key(view.thread_id, interrupt_id, action.key), clear_on_submit=False):
        _fields(action.fields, lambda f: keys.field_key(view.thread_id, interrupt_id, action.key, f.name))
        st.form_submit_button(
            inert(submit_label(action)),
            type="primary" if action.key != "reject" else "secondary",
            disabled=not can_decide,
            on_click=_queue_decision,
            args=(view, interrupt_id, action),
        )
    confirm_area(view, interrupt_id)


def answer_all_button(view: ThreadView, can_decide: bool) -> None:
    st.button("Send all answers together", type="primary", disabled=not can_decide,
              key=keys.send_key(view.thread_id, None, "together"), on_click=_queue_together, args=(view,),
              help="One resume with every answer above: the workflow goes on once, with all of them.")
    confirm_area(view, "together")


def final_words(values: Any) -> str | None:
    """What a finished thread produced: its "final" text, or an agent's last reply."""
    if not isinstance(values, dict):
        return None
    if isinstance(values.get("final"), str):
        return values["final"]
    messages = values.get("messages")
    if isinstance(messages, list) and messages and getattr(messages[-1], "type", None) == "ai":
        content = getattr(messages[-1], "content", None)
        return content if isinstance(content, str) and content else None
    return None


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula


def _no_formula(value: Any) -> Any:
    """OWASP's advice for CSV injection: a text cell a spreadsheet would run gets a leading quote."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def visible_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for st.dataframe with hidden characters marked in every text cell (names, ids, previews)."""
    return frame.map(lambda v: visible(v) if isinstance(v, str) else v) if not frame.empty else frame


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as CSV; reviewers' words, drafts and names cannot become spreadsheet formulas."""
    safe = frame.copy()
    for column in safe.columns:
        safe[column] = safe[column].map(_no_formula)
    safe.columns = [_no_formula(str(c)) for c in safe.columns]
    # Every text cell quoted too, as OWASP adds: a carriage return inside one cannot split a row.
    return safe.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8")


def csv_download(frame: pd.DataFrame, name: str, key: str, label: str = "Download as CSV") -> None:
    """A CSV download written when clicked, not on every rerun (a 5,000-row log takes ~150 ms to write)."""
    st.download_button(inert(label), functools.partial(csv_bytes, frame), file_name=name, mime="text/csv", key=key,
                       disabled=frame.empty)


def _load_large(thread_id: str) -> None:
    st.session_state[keys.LOAD_LARGE] = thread_id


def large_thread_notice(exc, registry) -> None:
    """A thread too large to open unasked: what the index knows, and a button to load it all."""
    row = exc.row
    st.title(inert(wording.workflow_title(row.get("workflow"), registry) if row.get("workflow") else "Thread"))
    st.caption(inert(f"Thread {exc.thread_id}"))
    st.warning(inert(exc))
    if row.get("preview"):
        st.markdown("**Preview**")
        with st.container(border=True):
            st.text(visible(row["preview"]))
    st.button("Load the whole thread", key=f"load-large:{exc.thread_id}", on_click=_load_large, args=(exc.thread_id,))

