"""Agent Inbox's HumanInterrupt (langgraph.prebuilt.interrupt), or a list of them: accept / edit / respond / ignore."""

from __future__ import annotations

import re
from typing import Any

from console.formats.arguments import RENAMABLE, edited_action, tool_edit_action
from console.formats.base import PREVIEW_CHARS, Action, Field, ReviewRequest
from console.formats.batch import batch, chosen_actions
from console.formats.display import one_line, tool_words
from console.jsonable import shorten, to_jsonable
from console.markdown import plain_text


# Tool names by which an assistant asks the reviewer something (the e-mail assistant's "Question").
_QUESTION_NAMES = {"question", "ask", "askuser", "askhuman", "askquestion", "clarify", "clarification", "humaninput"}
_QUESTION_ARGS = ("content", "question", "query", "text", "message")

# The send button repeats the choice's words ("Give feedback" → "Send feedback"), never another verb.
_WORDS = {
    "action": {"accept": "Accept", "accept_help": "The agent goes ahead as proposed.",
               "response": "Respond", "response_submit": "Send response", "response_field": "Your response",
               "response_help": "Sent to the agent as text, instead of running the action.",
               "ignore": "Ignore", "ignore_help": "Skip this action; the agent is told it was ignored."},
    "question": {"accept": "Accept", "accept_help": "The assistant goes on as it is.",
                 "response": "Answer", "response_submit": "Send answer", "response_field": "Your answer", "response_help": "Sent to the assistant as text.",
                 "ignore": "Skip the question", "ignore_help": "The assistant goes on without an answer."},
    "notify": {"accept": "Noted", "accept_help": "You have read it; the assistant goes on.",
               "response": "Give feedback", "response_submit": "Send feedback", "response_field": "Your feedback",
               "response_help": "Sent to the assistant as text (for example, how it should treat such messages).",
               "ignore": "Dismiss", "ignore_help": "Nothing to do; the assistant goes on."},
}


def _kind(name: str, args: Any, config: dict) -> str:
    """"question" (the assistant asks), "notify" (it only tells), or "action" (it wants to run a tool)."""
    if re.sub(r"[^a-z]", "", name.lower()) in _QUESTION_NAMES:
        return "question"
    if re.search(r"notif(y|ication)", name, re.I):
        return "notify"
    # Nothing to run and nothing to change: a notice, whatever its name (triage pauses often have no args).
    if not args and not config.get("allow_edit"):
        return "notify"
    return "action"


def _question_text(args: Any) -> str | None:
    if isinstance(args, str):
        return args
    if isinstance(args, dict):
        found = next((args[k] for k in _QUESTION_ARGS if isinstance(args.get(k), str)), None)
        return found if found is not None else next((v for v in args.values() if isinstance(v, str)), None)
    return None


def is_human_interrupt(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("action_request"), dict)
            and isinstance(value.get("config"), dict) and "action" in value["action_request"])


class AgentInboxAdapter:
    """Only the actions `config` allows. Answers a list with one HumanResponse per item, as Agent Inbox does:
    {"type": "accept"|"ignore", "args": None}, {"type": "response", "args": text},
    {"type": "edit", "args": {"action": name, "args": {…}}}.
    """

    name = "agent_inbox"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        if isinstance(value, list):
            return bool(value) and all(is_human_interrupt(v) for v in value)
        return is_human_interrupt(value)

    @staticmethod
    def _one(item: dict) -> ReviewRequest:
        request, config = item["action_request"], item["config"]
        name, args = str(request.get("action")), request.get("args")
        description = item.get("description") if isinstance(item.get("description"), str) else None
        kind = _kind(name, args, config)
        words = _WORDS[kind]
        actions = []
        if config.get("allow_accept"):
            actions.append(Action("accept", words["accept"], primary=True, help=words["accept_help"], submit=words["accept"]))
        if config.get("allow_edit"):
            actions.append(tool_edit_action("edit", "Edit", name, args, name in RENAMABLE))
        if config.get("allow_respond"):
            actions.append(Action("response", words["response"], (
                Field("response", words["response_field"], "long_text", required=True, help=words["response_help"]),),
                submit=words["response_submit"]))
        if config.get("allow_ignore"):
            actions.append(Action("ignore", words["ignore"], help=words["ignore_help"], submit=words["ignore"]))
        if kind == "question":
            question = _question_text(args)
            return ReviewRequest(format="agent_inbox", title="The assistant asks you", message=question,
                                 description=description, actions=tuple(actions),
                                 preview=shorten(f"Question: {question or plain_text(description or '')}", PREVIEW_CHARS))
        if kind == "notify":
            return ReviewRequest(format="agent_inbox", title="For your information", description=description, notice=True,
                                 details={"arguments": to_jsonable(args)} if args else {}, actions=tuple(actions),
                                 preview=shorten(f"For your information: {plain_text(description) if description else tool_words(name)}", PREVIEW_CHARS))
        return ReviewRequest(
            format="agent_inbox",
            title=f"The agent wants to run “{tool_words(name)}”",
            details={"action": tool_words(name), "arguments": to_jsonable(args)},
            description=description,
            actions=tuple(actions),
            preview=shorten(f"{tool_words(name)}: {plain_text(description) if description else one_line(args)}", PREVIEW_CHARS),
        )

    def describe(self, value: Any, schema: dict | None = None) -> ReviewRequest:
        items = value if isinstance(value, list) else [value]
        if len(items) == 1:
            return self._one(items[0])
        parts = tuple(self._one(i) for i in items)
        return batch(self.name, f"The agent asks about {len(parts)} actions",
                     "Decide on each one; they are sent together.", parts, "actions")

    @staticmethod
    def _response(item: dict, action: Action, got: dict[str, Any]) -> dict[str, Any]:
        if action.key == "edit":
            edited = edited_action(action, str(item["action_request"].get("action")), item["action_request"].get("args"), got)
            return {"type": "edit", "args": {"action": edited["name"], "args": edited["args"]}}
        if action.key == "response":
            return {"type": "response", "args": got["response"]}
        return {"type": action.key, "args": None}

    def answer(self, value: Any, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        items = value if isinstance(value, list) else [value]
        chosen = chosen_actions(self.describe(value), action, inputs)
        return [self._response(item, a, got) for item, (a, got) in zip(items, chosen)]
