"""The reviewer's words for what a graph calls by its ids: workflow titles, step names, and where a thread stands."""

from __future__ import annotations

import ast

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # type hints only: threads.py imports nothing from here, and this module nothing from it at run time
    from console.threads import ThreadView
    from workflows.spec import WorkflowSpec

# A step inside a subgraph is stored as "parent:child" (LangGraph node names may not contain ":").
PATH_SEP = ":"

# create_agent names a middleware's node "<Middleware>.<hook>": say what happens at that moment.
MIDDLEWARE_STEPS = {
    "HumanInTheLoopMiddleware.after_model": "before the agent's tool calls run",
}
HOOK_WORDS = {
    "before_agent": "when the agent starts",
    "before_model": "before the model is asked",
    "after_model": "after the model answers",
    "after_agent": "when the agent finishes",
}
SPECIAL_NODES = {"__start__": "the start", "__end__": "the end"}

OPENINGS = {  # the first word after a decision, by what the reviewer did
    "continue": "Continued.",
    "edit_state": "Saved and continued.",
    "retry": "Retried.",
}
# What a reviewer did, as a table reads it ("approved by Ann"); the log and its CSV keep the keys.
DONE_WORDS = {
    "approve": "approved", "reject": "rejected", "edit": "edited", "request_changes": "changes requested",
    "continue": "continued", "edit_state": "state edited", "retry": "retried", "reopen": "reopened",
    "accept": "accepted", "ignore": "ignored", "response": "answered", "respond": "answered", "answer": "answered",
    "update": "arguments changed", "feedback": "feedback given", "decide_each": "decided item by item",
    "start": "started",
}
STATUS_CHARS = 80  # a longer `status` value is not a status a reviewer reads at a glance


def readable(name: str) -> str:
    """An identifier as words: "draft_reply" → "Draft reply", "sendEmail" → "Send email"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(name)).replace("_", " ").replace("-", " ")
    words = [w if w.isupper() and len(w) > 1 else w.lower() for w in words.split()]  # acronyms stay: "LLM call"
    if not words:
        return str(name)
    return " ".join(words)[0].upper() + " ".join(words)[1:]


def done_words(action: str | None) -> str:
    """A logged action in words: "edit_state" → "state edited"; an action of the console's own ("reset demo data")
    or of a team's is read as words."""
    if not action:
        return ""
    return DONE_WORDS.get(str(action)) or readable(action).lower()


# ---- workflows --------------------------------------------------------------------------


def workflow_title(name: str | None, registry: Mapping[str, "WorkflowSpec"]) -> str:
    """The title reviewers read; a workflow this console has not loaded gets a readable form of its name."""
    if not name:
        return "Unknown workflow"
    spec = registry.get(name)
    if spec is not None:
        return spec.title
    return f"{readable(name)} (not loaded)"


# ---- steps ------------------------------------------------------------------------------


def _one_step(path: str, titles: Mapping[str, str]) -> tuple[str, bool]:
    """The title of one node (the full path tried first, then its own name); True if it is a moment, not a name."""
    node = path.rsplit(PATH_SEP, 1)[-1]
    for key in (path, node):
        if titles.get(key):
            return str(titles[key]), False
    if node in MIDDLEWARE_STEPS:
        return MIDDLEWARE_STEPS[node], True
    middleware, dot, hook = node.rpartition(".")
    if dot and hook in HOOK_WORDS:
        name = readable(middleware.removesuffix("Middleware")) or "Middleware"
        return f"{name}, {HOOK_WORDS[hook]}", False
    if node in SPECIAL_NODES:
        return SPECIAL_NODES[node], True
    return readable(node), False


def _parts(node: str, titles: Mapping[str, str]) -> tuple[list[str], str, bool]:
    """The subgraphs a step sits in (outermost first), the step's own title, and whether it is a moment."""
    parts = str(node).split(PATH_SEP)
    outer = [_one_step(PATH_SEP.join(parts[: i + 1]), titles)[0] for i in range(len(parts) - 1)]
    own, moment = _one_step(str(node), titles)
    return outer, own, moment


def at_step(node: str | None, titles: Mapping[str, str] | None = None, word: str = "at") -> str:
    """Where a step is, for a sentence: "at “Send reply”", "before the agent's tool calls run",
    "in “Response agent”, at “Interrupt handler”" (`word`="in" for a step that failed: "in “Send reply”")."""
    if not node:
        return f"{word} a step this console cannot name"
    outer, own, moment = _parts(node, titles or {})
    where = own if moment else f"{word} “{own}”"
    return ", ".join([*(f"in “{o}”" for o in outer), where])


def step_label(node: str | None, titles: Mapping[str, str] | None = None) -> str:
    """A step for a table cell or a filter option: "Send reply", "Before the agent's tool calls run",
    "In “Response agent”, at “Interrupt handler”"."""
    if not node:
        return ""
    outer, own, moment = _parts(node, titles or {})
    text = own if not outer else at_step(node, titles)
    return text[0].upper() + text[1:] if (outer or moment) else text


def titles_of(workflow: str | None, registry: Mapping[str, "WorkflowSpec"]) -> Mapping[str, str]:
    spec = registry.get(workflow) if workflow else None
    return getattr(spec, "step_titles", None) or {}


def any_step_label(node: str, registry: Mapping[str, "WorkflowSpec"]) -> str:
    """A step of no known workflow in particular (the inbox filter lists nodes of every workflow)."""
    for spec in registry.values():
        titles = getattr(spec, "step_titles", None) or {}
        if node in titles or node.rsplit(PATH_SEP, 1)[-1] in titles:
            return step_label(node, titles)
    return step_label(node)


def steps_list(nodes, titles: Mapping[str, str] | None = None) -> str:
    return ", ".join(step_label(n, titles) for n in nodes)


# ---- saved steps (History) ------------------------------------------------------------

START_NODE = "__start__"  # LangGraph's own first step: it reads the input


def saved_step(source: str | None, ran: tuple, waits: tuple, titles: Mapping[str, str] | None = None) -> tuple[str, str]:
    """A checkpoint in words: what produced it (`ran`: the steps its parent waited for) and what it waits for."""
    if source == "input":
        what = "Started"
    elif tuple(ran) == (START_NODE,):
        what = "Input received"
    elif source == "update":
        what = "State edited by a reviewer"
    elif ran:
        what = steps_list(ran, titles)
    else:
        what = readable(source) if source else ""
    if tuple(waits) == (START_NODE,):
        return what, "Reading the input"
    return what, steps_list(waits, titles) if waits else "—"


def step_number(step: Any) -> str:
    """A saved step's number as History shows it: LangGraph numbers the input checkpoint -1; it gets none."""
    return str(step) if isinstance(step, int) and step >= 0 else ""


# ---- tables -----------------------------------------------------------------------------


def with_titles(frame: pd.DataFrame, registry: Mapping[str, "WorkflowSpec"], column: str = "workflow") -> pd.DataFrame:
    """A copy of `frame` whose workflow column holds titles; readable step names where it has a "waiting at" column."""
    if frame.empty or column not in frame.columns:
        return frame
    out = frame.copy()
    if "waiting at" in out.columns:
        out["waiting at"] = [step_label(n, titles_of(w, registry)) if n else ""
                             for w, n in zip(out[column], out["waiting at"])]
    out[column] = [workflow_title(w if w != "unknown" else None, registry) for w in out[column]]
    return out


# ---- where a thread stands, after a decision or a refusal ------------------------------


def next_decision(view: "ThreadView") -> str:
    """What a waiting thread waits for: "step 2 of 2, at “Review”", "a check before “Send reply”"."""
    titles = getattr(view, "step_titles", None) or {}
    if view.interrupts:
        where = at_step(view.interrupts[0].node, titles)
        request = view.interrupts[0].request
        if _only_notices(view):
            return f"a note for your information {where}"
        if request.step:
            return f"step {request.step}{f' of {request.steps}' if request.steps else ''}, {where}"
        if len(view.interrupts) > 1:
            return f"{len(view.interrupts)} questions, {where}"
        return f"a question {where}"
    node = view.waiting_node
    if view.pause_kind == "before":
        return f"a check before “{step_label(node, titles)}” runs" if node else "a check"
    if view.pause_kind == "after":
        return f"a check before the workflow goes on to “{step_label(node, titles)}”" if node else "a check"
    return f"a check {at_step(node, titles)}"


def final_status(values: Any) -> str | None:
    """The workflow's own `status` value, when it is a short plain word or phrase (never JSON)."""
    status = values.get("status") if isinstance(values, dict) else None
    if isinstance(status, bool) or not isinstance(status, (str, int, float)):
        return None
    text = " ".join(str(status).split())
    if not text or len(text) > STATUS_CHARS:
        return None
    return text.replace("_", " ") if re.fullmatch(r"[A-Za-z0-9_]+", text) else text


def _finished(view: "ThreadView") -> str:
    status = final_status(view.values)
    return f"The workflow finished{f' ({status})' if status else ''}."


def _dotted(node: ast.AST) -> bool:
    """A class name as repr writes it: Name or package.module.Name."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def split_error(text: str) -> tuple[str, str | None]:
    """A saved step error, as LangGraph keeps it (`repr(exc)`: "RuntimeError('The printer is offline.')"),
    split into its message and its type name: the page says the message, the type only under Details.
    Read with ast, never evaluated; any other text is its own message."""
    try:
        call = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return text, None
    if not (isinstance(call, ast.Call) and _dotted(call.func) and not call.keywords):
        return text, None
    try:
        args = [ast.literal_eval(a) for a in call.args]
    except ValueError:
        return text, None
    name = call.func.id if isinstance(call.func, ast.Name) else call.func.attr
    message = " ".join(str(a) for a in args).strip()
    return message or "(the step gave no message)", name


def stopped_in(view: "ThreadView | None") -> str:
    """Where a failed thread stopped: "in “Send reply”"."""
    node = view.error_node if view is not None else None
    return at_step(node, getattr(view, "step_titles", None), word="in") if node else "in a step"


def _say(view: "ThreadView | None", words: dict[str, str]) -> str:
    """The sentence for where `view` stands: `words` by status ("gone" when there is no thread, "other"
    for any status not listed), filled with {next}, {finished}, {stopped} and {error} from the view."""
    if view is None:
        return words["gone"]
    return words.get(view.status, words["other"]).format(
        next=next_decision(view) if view.status == "waiting" else "", finished=_finished(view),
        stopped=stopped_in(view), error=view.error)


def where_now(view: "ThreadView | None", action: str | None = None) -> str:
    """Where a thread stands after the reviewer's own decision (`action`: what they did)."""
    opening = OPENINGS.get(action or "", "Answered.")
    return _say(view, {
        "gone": opening, "other": opening,
        "finished": "Done. {finished}",
        "waiting": opening + " The workflow now waits for your next decision: {next}.",
        "failed": opening + " Then the workflow stopped with an error {stopped}: {error}",
        "running": opening + " The workflow is still running; reload in a moment to see where it is.",
    })


def after_start(view: "ThreadView | None") -> str:
    """Where a thread stands right after the reviewer started it."""
    return _say(view, {
        "gone": "Started.", "other": "Started. The workflow is running.",
        "finished": "Started. {finished}",
        "waiting": "Started. The workflow now waits for a decision: {next}.",
        "failed": "Started, then the workflow stopped with an error {stopped}: {error}",
    })


def where_is(view: "ThreadView | None") -> str:
    """Where a thread stands, as a sentence for a refusal."""
    return _say(view, {
        "gone": "The thread no longer exists.", "other": "",
        "finished": "The thread has finished.",
        "running": "A decision on it is being applied now.",
        "failed": "The thread stopped with an error {stopped}.",
        "waiting": "It now waits for {next}.",
    })


def _only_notices(view: "ThreadView") -> bool:
    requests = [p.request for p in view.interrupts]
    return bool(requests) and all(r.notice or (r.items and all(i.notice for i in r.items)) for r in requests)


def pause_phrase(view: "ThreadView") -> str:
    """How a waiting thread waits, for its header: "asks a question at “Review”", "paused before “Send reply” runs"."""
    titles = getattr(view, "step_titles", None) or {}
    node = view.waiting_node
    if view.pause_kind == "interrupt":
        if _only_notices(view):  # a notification asks nothing: the reviewer reads it and goes on
            return f"For your information, {at_step(node, titles)}"
        return f"asks a question {at_step(node, titles)}"
    if view.pause_kind == "before":
        return f"paused before “{step_label(node, titles)}” runs"
    if view.pause_kind == "after":  # the step named is the one that runs next
        return f"paused after a step; next step: “{step_label(node, titles)}”"
    return f"paused {at_step(node, titles)}"


def run_label(status: str | None, view: "ThreadView | None") -> str:
    """The one-word label of a finished run's progress box: "Done" only when the workflow finished."""
    if status == "applied":
        return "Done" if view is not None and view.status == "finished" else "Answered"
    return {"started": "Started", "refused": "Not applied", "failed": "Stopped with an error"}.get(status or "", "Ended")
