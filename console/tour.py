"""The guided tour: one step per persistence and human-in-the-loop pattern, and the demo workflow that shows it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    key: str  # stable: widget keys, thread ids and tests use it
    title: str
    sentences: tuple[str, str]  # what the pattern is; what to do on the thread it opens
    guide: str  # the pattern's name in the LangGraph guide, for the presenter
    workflow: str  # the demo workflow a fresh thread is started of
    topic: str = ""  # the new thread's input


STEPS: tuple[Step, ...] = (
    Step("isolation", "Each thread on its own",
         ("Every thread keeps its own saved state under its own id, so work on one thread never changes another.",
          "Open a new thread and answer it: the other threads in the inbox still wait exactly as they were."),
         "thread_id", "content_approval", "a thread of its own"),
    Step("static", "Stops built into the workflow",
         ("This workflow is built to stop at fixed places: after the article is drafted and again before it is published.",
          "Open it and choose Continue: it goes on to the next step and stops again before publishing."),
         "interrupt_before / interrupt_after", "gated_publication", "the tour's stops"),
    Step("dynamic", "A question from inside a step",
         ("A step can stop half-way and ask the reviewer a question, here whether a drafted post may be published.",
          "Open it and approve, reject or edit the draft: the step goes on with your answer."),
         "interrupt()", "content_approval", "a question from inside a step"),
    Step("edit_state", "Change the saved state, then go on",
         ("At a stop the reviewer may change what the workflow has saved before it continues.",
          "Open it, choose “Edit state then continue”, change the draft and send it: the next step works on your text."),
         "aupdate_state, then resume", "gated_publication", "editing the state"),
    Step("multiple", "Several questions in one step",
         ("One step can ask more than once, and the answers are used in the order they were asked.",
          "Open it, ask for a change first, then give the final approval of the revised draft."),
         "several interrupt() calls in one node", "two_stage_review", "two questions in one step"),
    Step("streaming", "Watch the work as it happens",
         ("While a workflow runs, the console shows each step starting and finishing, and the model's words as they are written.",
          "Open it and ask for a change: the revised draft appears word by word before the next question."),
         "astream_events", "two_stage_review", "work you can watch"),
    Step("persistence", "Nothing is lost when the console restarts",
         ("Every step is saved in the database, so a thread outlives the console that started it.",
          "Open it, restart the console (stop it and run the same command again), then reload the page: the thread waits at the same question."),
         "checkpointer", "content_approval", "a thread that outlives a restart"),
    Step("time_travel", "Go back to an earlier step",
         ("Every saved step of a thread is kept, so an administrator can reopen the thread from an earlier one and try a different answer.",
          "Open it and approve the post; then, under History, reopen it from the step that waited for review: the question is asked again."),
         "get_state_history, then aupdate_state on an old checkpoint and resume", "content_approval", "going back in time"),
)


def step(key: str) -> Step:
    return next(s for s in STEPS if s.key == key)


def new_thread_id(s: Step) -> str:
    """Readable and fresh: a presenter can tell tour threads apart in the inbox."""
    return f"tour-{s.key.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
