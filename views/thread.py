"""Thread: what one paused thread waits for, its state and history, and the reviewer's actions."""

import streamlit as st

from console.errors import ConsoleError, ThreadTooLarge
from console.threads import check_thread_id
from ui import comments, decision_log, keys, progress, queue, render, runtime
from ui.text import inert
from ui.graph import workflow_picture
from ui.history import apply_pending, history_section

app = runtime.console()
reviewer = runtime.reviewer()
thread_id = st.query_params.get(keys.THREAD_ID, "")

if not thread_id:
    st.title("Thread")
    st.info("Choose a thread in the inbox, or open a link to one.")
    st.page_link(keys.INBOX_PAGE, label="Go to the inbox", icon=":material/inbox:")
    st.stop()

try:
    thread_id = check_thread_id(thread_id)
    pending = st.session_state.pop(keys.PENDING_DECISION, None)
    if pending is not None and pending.thread_id == thread_id:
        if reviewer is None:
            st.warning("Enter your name in the sidebar first: every decision records who made it. Nothing was applied.")
        else:
            outcome = progress.follow_run(app.decide(pending, reviewer))
            if outcome is not None:
                st.session_state.setdefault(keys.LAST_OUTCOME, {})[thread_id] = outcome
    apply_pending(app, reviewer, thread_id)
    view = app.thread(thread_id, load_large=st.session_state.get(keys.LOAD_LARGE) == thread_id)
except ThreadTooLarge as exc:
    render.large_thread_notice(exc, app.registry)
    st.stop()
except ConsoleError as exc:
    st.title("Thread")
    st.error(inert(exc))
    st.page_link(keys.INBOX_PAGE, label="Back to the inbox", icon=":material/inbox:")
    st.stop()

render.thread_header(view)
outcome = st.session_state.get(keys.LAST_OUTCOME, {}).pop(thread_id, None)
if outcome is not None:
    progress.show_outcome(outcome)
    if outcome.status == "refused":
        st.button("Reload", key="reload")

stopped = None
with runtime.plain_errors():
    # Recovery never re-runs a step by itself: it may have done part of its work already.
    stopped = app.stopped_run(view)
    if stopped is not None:
        st.warning("The last decision's run stopped before its end. Read what happened before you go on.")
        st.text(stopped.sentence)  # text: it names a reviewer and a step, which are not Markdown

can_decide = app.allows(reviewer, view.workflow, "approve") and not view.version_changed
with runtime.plain_errors():
    queue.ownership(app, view, reviewer)
    queue.shortcut_buttons(app, view, can_decide, reviewer)
# One slot, filled or not: the click that ends the name's edit reruns the page without this notice, and
# an element gone from above the questions would draw their widgets anew (closing the list just opened).
notice = st.empty()
if view.status == "waiting" and reviewer is None:
    notice.info("Enter your name in the sidebar to decide." if app.settings.auth_mode == "demo" else "Sign in to decide.")
elif view.status == "waiting" and not app.allows(reviewer, view.workflow, "approve"):
    notice.info(inert(f"You can read this thread, but your role ({app.role(reviewer, view.workflow)}) does not let you decide "
                      "on it. Ask an administrator for the reviewer role."))

several = len(view.interrupts) > 1
if several:
    st.info(inert(f"{len(view.interrupts)} questions wait at once. Answer each on its own, or all together at the end."))
for n, pending_interrupt in enumerate(view.interrupts, start=1):
    with st.container(border=True):
        request = pending_interrupt.request
        st.markdown(f"**{inert(f'Question {n}: ' if several else '')}{inert(request.title)}**")
        render.request_view(request, pending_interrupt.id)
        with st.expander("Raw payload (JSON)"):
            render.json_view(pending_interrupt.value, f"raw:{pending_interrupt.id}")
        render.action_area(view, request, pending_interrupt.id, can_decide, use_form=not several)
if several:
    render.answer_all_button(view, can_decide)

if view.static_request is not None and (stopped is None or stopped.may_continue):  # no second run of a finished step
    with st.container(border=True):
        st.markdown(f"**{inert(view.static_request.title)}**")
        render.request_view(view.static_request, f"static:{view.checkpoint_id}")
        render.action_area(view, view.static_request, None, can_decide)

if view.status == "failed":
    with st.container(border=True):
        st.markdown("**Retry the step that failed**")
        render.action_area(view, render.RETRY_REQUEST, None, app.allows(reviewer, view.workflow, "retry"))

if view.status == "finished":
    final = render.final_words(view.values)
    if final is not None:
        st.markdown("**Final text**")
        with st.container(border=True, key="final-text"):
            render.long_text(final, f"final:{thread_id}")

workflow_picture(app, view)

with st.expander("State values", expanded=view.status == "finished"):
    render.json_view(view.values, f"values:{thread_id}")

history_section(app, view, reviewer)
with runtime.plain_errors():
    notes = app.team.comment_log(thread_id)
    with st.expander("Decisions on this thread"):
        decisions = app.decision_log(thread_id)
        if decisions.empty:
            st.caption("No decision yet.")
        else:
            decision_log.decision_table(decisions, app.registry)
            decision_log.edit_diffs(decisions)
        render.csv_download(decisions, f"decisions-{thread_id}.csv", "thread-csv")
        comments.export(thread_id, decisions, notes)
    comments.comments_section(app, view, reviewer, notes)

st.page_link(keys.INBOX_PAGE, label="Back to the inbox", icon=":material/inbox:")
