"""Guided tour: one step per LangGraph pattern, each opening a fresh, live thread; and the demo data reset."""

import streamlit as st

from console import tour
from console.demo import may_reset, reset_demo_data
from ui import keys, progress, runtime

app = runtime.console()
reviewer = runtime.reviewer()
st.title("Guided tour")
st.caption("Each step shows one pattern of the LangGraph persistence and human-in-the-loop guide. "
           "Its button starts a new thread of a demo workflow and opens it.")
if reviewer is None:
    st.info("Enter your name in the sidebar to start the tour's threads.")

for number, step in enumerate(tour.STEPS, start=1):
    with st.container(border=True, key=f"tour-step-{step.key}"):
        # st.text: the tour's words are ours, but only literals and inert text go to Markdown calls.
        st.text(f"{number}. {step.title}")
        st.text(" ".join(step.sentences))
        if step.workflow not in app.registry:  # a LangGraph Server that does not serve the demo workflows
            st.caption("This step needs the console's demo workflows, which this console does not serve.")
            continue
        title = app.registry[step.workflow].title
        if st.button("Open a new thread", key=keys.tour_key(step.key), disabled=reviewer is None,
                     help="Starts a new thread of this step's demo workflow, then opens it."):
            with runtime.plain_errors():
                outcome = progress.follow_run(app.start(step.workflow, step.topic, reviewer,
                                                     None if app.settings.server_url else tour.new_thread_id(step)))
                if outcome is not None and outcome.view is not None:
                    st.switch_page(keys.THREAD_PAGE, query_params={keys.THREAD_ID: outcome.view.thread_id})
                if outcome is not None:
                    progress.show_outcome(outcome)
        st.text(f"Workflow: {title}")

# The guide's own names (API calls, "thread_id") are for whoever presents the tour, not for reviewers.
with st.expander("For developers: each step in the LangGraph guide"):
    st.text("\n".join(f"{number}. {step.title}: {step.guide}" for number, step in enumerate(tour.STEPS, start=1)))

if may_reset(app, reviewer):
    st.subheader("Demo data")
    st.caption("Removes the threads the console seeded as demo data and seeds them anew. "
               "Your team's own threads, and every entry of the decision log, stay as they are.")
    result = st.session_state.pop(keys.TOUR_RESET_RESULT, None)
    if result is not None:
        st.success("The demo data was reset.")
        st.text(result.message)
    if not st.session_state.get(keys.TOUR_CONFIRM_RESET):
        if st.button("Reset demo data…", key="tour-reset"):
            st.session_state[keys.TOUR_CONFIRM_RESET] = True
            st.rerun()
    else:
        st.warning("Reset the demo data? The demo threads and anything done on them since they were seeded "
                   "are removed. This cannot be undone.")
        yes, no = st.columns([1, 4])
        confirmed = yes.button("Yes, reset", type="primary", key="tour-reset-yes")
        if no.button("Cancel", key="tour-reset-no"):
            st.session_state[keys.TOUR_CONFIRM_RESET] = False
            st.rerun()
        if confirmed:
            st.session_state[keys.TOUR_CONFIRM_RESET] = False
            with runtime.plain_errors():
                with st.spinner("Resetting the demo data…"):
                    st.session_state[keys.TOUR_RESET_RESULT] = reset_demo_data(app, reviewer)
                st.rerun()
