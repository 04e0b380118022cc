"""Start: run a new thread of any workflow up to its first pause, from a form of the graph's input keys."""

import streamlit as st

from console.markdown import safe_markdown
from ui import keys, progress, runtime
from ui.text import inert, visible

app = runtime.console()
reviewer = runtime.reviewer()
st.title("Start a workflow")

if not app.registry:
    st.info("No workflow can be started: none is loaded. See the notice in the sidebar.")
    st.stop()
# Options are workflow names (plain strings), so a test or a link can choose one through session state.
name = st.selectbox("Workflow", list(app.registry), format_func=lambda n: visible(app.registry[n].title), key="start-workflow")
spec = app.registry[name]
st.caption(safe_markdown(spec.description))
with st.form("start-form", clear_on_submit=False):
    values = {}
    # Labels are the console's readable form of the graph's input keys (letters, digits, spaces only).
    for field in app.start_fields(name):
        key = f"start-input:{spec.name}" + (f":{field.key}" if field.key else "")
        if field.kind == "boolean":
            values[field.key] = st.checkbox(inert(field.label), value=bool(field.default), key=key)
        elif field.kind == "long_text":
            values[field.key] = st.text_area(inert(field.label), value=field.default if isinstance(field.default, str) else "",
                                             key=key, height=100 if not field.key else 68, help=inert(field.help) if field.help else None)
        else:
            values[field.key] = st.text_input(inert(field.label), value="" if field.default is None else str(field.default),
                                              key=key, help=inert(field.help) if field.help else None)
    thread_id = st.text_input("Thread id (optional)", key="start-thread-id",
                              help="Leave empty for a new id. Letters, digits and . _ : @ - only.")
    submitted = st.form_submit_button("Start", type="primary", disabled=reviewer is None)
if reviewer is None:
    st.info("Enter your name in the sidebar to start a workflow.")

if submitted and reviewer is not None:
    with runtime.plain_errors():
        outcome = progress.follow_run(app.start(spec.name, values, reviewer, thread_id.strip() or None))
        if outcome is not None:
            progress.show_outcome(outcome)
            if outcome.view is not None:
                st.page_link(keys.THREAD_PAGE, label=inert(f"Open thread {outcome.view.thread_id}"), icon=":material/forum:",
                             query_params={keys.THREAD_ID: outcome.view.thread_id})
