"""Rendering shared by the pages. Untrusted text (drafts, payloads, model output) is shown
with st.text / st.code / st.json only: never Markdown with HTML, never unsafe_allow_html."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from console.decisions import DecisionRequest, Outcome
from console.errors import ConsoleError, InvalidAnswer
from console.payloads import Action, Field, ReviewRequest
from console.runs import Progress
from console.threads import PAUSE_WORDS, ThreadView
from ui import keys

SHOW_CHARS = 20_000  # longer text is cut, with a way to see all of it

SUBMIT_LABELS = {
    "approve": "Approve",
    "reject": "Reject",
    "edit": "Approve edited version",
    "request_changes": "Request changes",
    "continue": "Continue",
    "edit_state": "Save changes and continue",
    "retry": "Retry",
}

RETRY_REQUEST = ReviewRequest(format="retry", title="Retry", actions=(Action("retry", "Retry", primary=True),))

STATUS_WORDS = {
    "waiting": "Waiting for a reviewer",
    "finished": "Finished",
    "failed": "Stopped with an error",
    "running": "Running now",
    "unknown": "Not readable by this console",
    "unreadable": "Not readable by this console",
}


def long_text(text: str, key: str, limit: int = SHOW_CHARS) -> None:
    """Plain text, cut at `limit` characters with a toggle to show the rest."""
    text = str(text)
    if len(text) <= limit:
        st.text(text)
        return
    if st.toggle(f"Show all {len(text):,} characters", key=f"all:{key}"):
        st.text(text)
    else:
        st.text(text[:limit] + " …")


def json_view(value: Any, key: str, limit: int = SHOW_CHARS) -> None:
    from console.jsonable import dumps

    text = dumps(value, indent=2)
    if len(text) <= limit:
        st.json(value if isinstance(value, (dict, list)) else {"value": value}, expanded=2)
    else:
        st.caption(f"Large value ({len(text):,} characters); the start is shown.")
        if st.toggle("Show all of it", key=f"alljson:{key}"):
            st.code(text, language="json")
        else:
            st.code(text[:limit] + "\n…", language="json")


def request_view(request: ReviewRequest, key: str) -> None:
    if request.step:
        st.markdown(f"**Step {request.step}{f' of {request.steps}' if request.steps else ''}**")
    if request.message:
        with st.container(key=f"message-{abs(hash(key))}"):
            long_text(request.message, f"msg:{key}")
    if request.draft is not None:
        st.markdown("**Draft**")
        with st.container(border=True, key=f"draft-{abs(hash(key))}"):
            long_text(request.draft, f"draft:{key}")
    if request.details:
        st.markdown("**Details**")
        for name, value in request.details.items():
            if isinstance(value, (dict, list)):
                st.text(f"{name}:")
                json_view(value, f"{key}:{name}")
            else:
                st.text(f"{name}: {value}")


def thread_header(view: ThreadView) -> None:
    st.title(view.workflow_title)
    st.caption(f"Thread {view.thread_id}")
    line = STATUS_WORDS.get(view.status, view.status)
    if view.status == "waiting" and view.pause_kind == "after":  # the step named is the one that runs next
        line += f" · {PAUSE_WORDS['after']}; next step: “{view.waiting_node}”"
    elif view.status == "waiting":
        line += f" · {PAUSE_WORDS.get(view.pause_kind or '', '')} at “{view.waiting_node}”"
    elif view.next_nodes:
        line += f" · next step: {', '.join(view.next_nodes)}"
    st.markdown(f"**{line}**")
    if view.error:
        st.error(f"{'In “' + view.error_node + '”: ' if view.error_node else ''}{view.error}")
    if view.version_changed:
        st.warning(
            f"This thread was started with version {view.thread_version} of the workflow; the console now runs "
            f"version {view.current_version}. Decisions are held until an administrator has a second look."
        )


def field_input(field: Field, key: str) -> None:
    label = field.label + (" *" if field.required else "")
    if field.kind == "long_text":
        st.text_area(label, value=field.default or "", key=key, help=field.help, height=200)
    elif field.kind == "text":
        st.text_input(label, value=field.default or "", key=key, help=field.help)
    elif field.kind in ("number", "integer"):
        st.number_input(label, value=field.default, key=key, help=field.help,
                        min_value=field.minimum, max_value=field.maximum,
                        step=1 if field.kind == "integer" else None)
    elif field.kind == "boolean":
        st.checkbox(label, value=bool(field.default), key=key, help=field.help)
    elif field.kind == "choice":
        options = list(field.choices)
        index = options.index(field.default) if field.default in options else None
        st.selectbox(label, options, index=index, key=key, help=field.help, format_func=str)
    else:  # json
        st.text_area(label + " (JSON)", value=field.default if isinstance(field.default, str) else "", key=key,
                     help=field.help, height=160)


def _queue_decision(thread_id: str, checkpoint_id: str, interrupt_id: str | None, action: Action) -> None:
    """Submit callback: remember exactly what the reviewer saw and typed; the page applies it."""
    inputs = {f.name: st.session_state.get(keys.field_key(thread_id, interrupt_id, action.key, f.name)) for f in action.fields}
    st.session_state[keys.PENDING_DECISION] = DecisionRequest(thread_id, checkpoint_id, interrupt_id, action.key, inputs)


def action_area(view: ThreadView, request: ReviewRequest, interrupt_id: str | None, can_decide: bool) -> None:
    labels = [a.label for a in request.actions]
    if not labels:
        return
    choice = st.radio("Your decision", labels, horizontal=True, key=keys.choice_key(view.thread_id, interrupt_id))
    action = request.actions[labels.index(choice)] if choice in labels else request.actions[0]
    if action.help:
        st.caption(action.help)
    with st.form(keys.action_key(view.thread_id, interrupt_id, action.key), clear_on_submit=False):
        for f in action.fields:
            field_input(f, keys.field_key(view.thread_id, interrupt_id, action.key, f.name))
        st.form_submit_button(
            SUBMIT_LABELS.get(action.key, action.label),
            type="primary" if action.key != "reject" else "secondary",
            disabled=not can_decide,
            on_click=_queue_decision,
            args=(view.thread_id, view.checkpoint_id, interrupt_id, action),
        )


def follow_run(items) -> Outcome | None:
    """Show a run's live progress (steps and streamed tokens); returns its Outcome."""
    outcome = None
    with st.status("Working…", expanded=True) as status:
        steps = st.empty()
        tokens = st.empty()
        done: list[str] = []
        text = ""
        try:
            for item in items:
                if isinstance(item, Outcome):
                    outcome = item
                elif isinstance(item, Progress):
                    if item.kind == "started":
                        done.append(f"▶ {item.node} started")
                        text = ""
                    elif item.kind == "finished":
                        done.append(f"✔ {item.node} finished")
                    elif item.kind == "token":
                        text += item.text
                        tokens.text(text)
                    steps.text("\n".join(done[-12:]))
        except InvalidAnswer as exc:
            status.update(label="Please check your answer", state="error", expanded=True)
            st.error(str(exc))
            return None
        except ConsoleError as exc:
            status.update(label="Not done", state="error", expanded=True)
            st.error(str(exc))
            return None
        label = {"applied": "Done", "started": "Started", "refused": "Not applied", "failed": "Stopped with an error"}
        state = "complete" if outcome and outcome.status in ("applied", "started") else "error"
        status.update(label=label.get(outcome.status, "Done") if outcome else "Done", state=state, expanded=False)
    return outcome


def show_outcome(outcome: Outcome) -> None:
    if outcome.status in ("applied", "started"):
        st.success(outcome.message)
    elif outcome.status == "refused":
        st.warning(outcome.message)
    else:
        st.error(outcome.message)


def csv_download(frame: pd.DataFrame, name: str, key: str) -> None:
    st.download_button("Download as CSV", frame.to_csv(index=False).encode("utf-8"), file_name=name,
                       mime="text/csv", key=key, disabled=frame.empty)
