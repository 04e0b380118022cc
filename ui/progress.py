"""A run as the reviewer watches it: its steps and streamed tokens live, then what came of it, in words."""

from __future__ import annotations

import streamlit as st

from console import wording
from console.decisions import Outcome
from console.errors import ConsoleError, InvalidAnswer
from console.runs import Progress
from ui.text import inert, visible


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
                        done.append(f"▶ {wording.step_label(item.node)} started")
                        text = ""
                    elif item.kind == "finished":
                        done.append(f"✔ {wording.step_label(item.node)} finished")
                    elif item.kind == "token":
                        text += item.text
                        tokens.text(visible(text))
                    steps.text(visible("\n".join(done[-12:])))
        except InvalidAnswer as exc:
            status.update(label="Please check your answer", state="error", expanded=True)
            st.error(inert(exc))
            return None
        except ConsoleError as exc:
            status.update(label="Not done", state="error", expanded=True)
            st.error(inert(exc))
            return None
        state = "complete" if outcome and outcome.status in ("applied", "started") else "error"
        status.update(label=inert(wording.run_label(outcome.status if outcome else None, outcome.view if outcome else None)),
                      state=state, expanded=False)
    return outcome


def show_outcome(outcome: Outcome) -> None:
    if outcome.status in ("applied", "started"):
        st.success(inert(outcome.message))
    elif outcome.status == "refused":
        st.warning(inert(outcome.message))  # may name another reviewer: their name is their text
    else:
        st.error(inert(outcome.message))
