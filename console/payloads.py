"""Interrupt payload formats → one review-request model, and reviewer input → the answer each expects.

One small adapter per format behind one interface (`PayloadAdapter`), tried
in order; the generic one matches anything, so no payload leaves a blank page.
To add a format, write an adapter and put it in `ADAPTERS` before the generic one.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Protocol

from console.errors import InvalidAnswer
from console.jsonable import dumps, shorten, to_jsonable
from console.markdown import plain_text

PREVIEW_CHARS = 140


@dataclass(frozen=True)
class Field:
    """One input a reviewer fills in."""

    name: str
    label: str
    kind: str = "text"  # text | long_text | number | integer | boolean | choice | multi_choice | lines | json
    default: Any = None
    required: bool = False
    help: str | None = None
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Action:
    """One thing a reviewer may do, with the inputs it needs."""

    key: str  # approve | reject | edit | request_changes | respond | ignore | continue | edit_state | answer
    label: str  # the button's words
    fields: tuple[Field, ...] = ()
    primary: bool = False
    help: str = ""
    submit: str = ""  # the send button's words, when they differ from the usual ones for this key


@dataclass(frozen=True)
class ReviewRequest:
    """What a pause asks of the reviewer, in plain words."""

    format: str
    title: str
    message: str | None = None
    draft: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()
    step: int | None = None
    steps: int | None = None
    preview: str = ""
    description: str | None = None  # Markdown from the workflow: rendered only through safe_markdown
    # Several questions in one pause (a HITL request with N tool calls, a list of
    # HumanInterrupts): each item has its own actions; the request's one action sends them all.
    items: tuple["ReviewRequest", ...] = ()

    def action(self, key: str) -> Action:
        for action in self.actions:
            if action.key == key:
                return action
        raise InvalidAnswer("That action is not offered for this request.")


class PayloadAdapter(Protocol):
    """One interrupt format. `schema` is the interrupt's `response_schema` (JSON Schema) or None."""

    name: str

    def matches(self, value: Any, schema: dict | None = None) -> bool: ...

    def describe(self, value: Any, schema: dict | None = None) -> ReviewRequest: ...

    def answer(self, value: Any, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any: ...


# ---- reading reviewer input ------------------------------------------------------------


def coerce(field_: Field, raw: Any) -> Any:
    """Check and convert one input; raises InvalidAnswer with a sentence naming the field."""
    empty = raw is None or (isinstance(raw, str) and raw.strip() == "") or (field_.kind == "multi_choice" and raw == [])
    if empty:
        if field_.required:
            raise InvalidAnswer(f"Please fill in “{field_.label}”.", field_.name)
        if field_.kind in ("json", "lines", "multi_choice"):
            return [] if field_.kind != "json" else None  # the default is only what the input starts with
        # A cleared text box means "no text"; other inputs fall back to their default.
        return field_.default if field_.kind not in ("text", "long_text") else ""
    if field_.kind in ("text", "long_text"):
        return str(raw)
    if field_.kind in ("number", "integer"):
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise InvalidAnswer(f"“{field_.label}” must be a number.", field_.name) from None
        if not math.isfinite(number):
            raise InvalidAnswer(f"“{field_.label}” must be a number.", field_.name)
        if field_.kind == "integer":
            if number != int(number):
                raise InvalidAnswer(f"“{field_.label}” must be a whole number.", field_.name)
            number = int(number)
        if field_.minimum is not None and number < field_.minimum:
            raise InvalidAnswer(f"“{field_.label}” must be at least {field_.minimum:g}.", field_.name)
        if field_.maximum is not None and number > field_.maximum:
            raise InvalidAnswer(f"“{field_.label}” must be at most {field_.maximum:g}.", field_.name)
        return number
    if field_.kind == "boolean":
        return bool(raw)
    if field_.kind == "choice":
        if raw not in field_.choices:
            raise InvalidAnswer(f"Please choose one of the offered values for “{field_.label}”.", field_.name)
        return raw
    if field_.kind == "lines":
        lines = raw if isinstance(raw, list) else str(raw).splitlines()
        return [str(line).strip() for line in lines if str(line).strip()]
    if field_.kind == "multi_choice":
        values = list(raw) if isinstance(raw, (list, tuple)) else [raw]
        if any(v not in field_.choices for v in values):
            raise InvalidAnswer(f"Please choose only offered values for “{field_.label}”.", field_.name)
        return values
    if field_.kind == "json":
        if not isinstance(raw, str):
            return raw
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise InvalidAnswer(f"“{field_.label}” is not valid JSON ({exc.msg} at line {exc.lineno}).", field_.name) from None
    raise InvalidAnswer(f"“{field_.label}” has a kind of input the console does not know.", field_.name)


def read_inputs(action: Action, inputs: dict[str, Any]) -> dict[str, Any]:
    return {f.name: coerce(f, inputs.get(f.name)) for f in action.fields}


# ---- formats ---------------------------------------------------------------------------

_DRAFT_KEYS = ("draft", "content", "text", "updated", "document", "body")
_MESSAGE_KEYS = ("message", "question", "instructions", "prompt")


def _first_text(value: dict, keys: tuple[str, ...]) -> tuple[str | None, str | None]:
    for key in keys:
        if isinstance(value.get(key), str):
            return key, value[key]
    return None, None


class DraftAdapter:
    """Plain dicts as in LangGraph's docs: {"draft": …, "message": …}.

    Answers: approve → {"approved": True}; reject → {"approved": False, "reason": …};
    edit → {"approved": True, "edited": True, "draft": …};
    request changes (offered when the payload's "allow" lists it) → {"approved": False, "changes": …}.
    """

    name = "draft"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        return isinstance(value, dict) and _first_text(value, _DRAFT_KEYS)[0] is not None

    def describe(self, value: dict, schema: dict | None = None) -> ReviewRequest:
        draft_key, draft = _first_text(value, _DRAFT_KEYS)
        _, message = _first_text(value, _MESSAGE_KEYS)
        allowed = value.get("allow") if isinstance(value.get("allow"), list) else ["approve", "reject", "edit"]
        actions = []
        if "approve" in allowed:
            actions.append(Action("approve", "Approve", primary=True))
        if "request_changes" in allowed:
            actions.append(Action("request_changes", "Request changes", (
                Field("changes", "What should change?", "long_text", required=True),
            )))
        if "reject" in allowed:
            actions.append(Action("reject", "Reject", (Field("reason", "Reason for rejecting", "long_text", required=True),)))
        if "edit" in allowed:
            actions.append(Action("edit", "Edit", (Field("draft", "Edited draft", "long_text", default=draft),),
                                  help="Change the draft, then approve the edited version."))
        step, steps = value.get("step"), value.get("steps")
        shown = {k: v for k, v in value.items() if k not in (draft_key, "allow", "step", "steps") and v != message}
        return ReviewRequest(
            format=self.name,
            title="Review this draft",
            message=message,
            draft=draft,
            details=to_jsonable(shown),
            actions=tuple(actions),
            step=step if isinstance(step, int) else None,
            steps=steps if isinstance(steps, int) else None,
            preview=shorten(draft or "", PREVIEW_CHARS),
        )

    def answer(self, value: dict, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        request = self.describe(value)
        got = read_inputs(request.action(action), inputs)
        if action == "approve":
            return {"approved": True}
        if action == "reject":
            return {"approved": False, "reason": got["reason"].strip()}
        if action == "request_changes":
            return {"approved": False, "changes": got["changes"].strip()}
        if action == "edit":
            if not got["draft"].strip():
                raise InvalidAnswer("The edited draft is empty. Write the text you approve, or choose Reject.", "draft")
            return {"approved": True, "edited": True, "draft": got["draft"]}
        raise InvalidAnswer("That action is not offered for this request.")


# ---- tool calls: arguments as a typed form ---------------------------------------------

ARG_PREFIX = "arg:"
NAME_FIELD = "tool_name"


def args_fields(args: Any) -> tuple[Field, ...]:
    """One input per argument, typed from its current value: numbers stay numbers, lists/objects stay JSON."""
    if not isinstance(args, dict):
        return (Field("args_json", "Arguments", "json", default=dumps(args, indent=2), required=True),)
    fields = []
    for key, current in args.items():
        name = ARG_PREFIX + str(key)
        if isinstance(current, bool):
            fields.append(Field(name, str(key), "boolean", default=current))
        elif isinstance(current, int):
            fields.append(Field(name, str(key), "integer", default=current))
        elif isinstance(current, float):
            fields.append(Field(name, str(key), "number", default=current))
        elif isinstance(current, str):
            kind = "long_text" if len(current) > 80 or "\n" in current else "text"
            fields.append(Field(name, str(key), kind, default=current))
        else:
            fields.append(Field(name, str(key), "json", default=dumps(current, indent=2),
                                help="JSON: keep the brackets and quotes."))
    return tuple(fields)


def read_args(args: Any, fields: tuple[Field, ...], got: dict[str, Any]) -> Any:
    if not isinstance(args, dict):
        return got["args_json"]
    edited = {}
    for f in fields:
        if not f.name.startswith(ARG_PREFIX):
            continue
        key, value = f.name[len(ARG_PREFIX):], got.get(f.name)  # already checked and parsed by read_inputs
        if f.kind == "text" and value is None:
            value = ""
        edited[key] = value
    return edited


def _tool_edit_action(key: str, label: str, name: str, args: Any, name_editable: bool = True) -> Action:
    fields = args_fields(args)
    if name_editable:
        fields = (Field(NAME_FIELD, "Action (tool name)", "text", default=name, required=True),) + fields
    return Action(key, label, fields, help="Change the arguments (and the action, if needed), then send.",
                  submit="Send the edited action")


def _edited_action(action: Action, name: str, args: Any, got: dict[str, Any]) -> dict[str, Any]:
    return {"name": (got.get(NAME_FIELD) or name).strip(), "args": read_args(args, action.fields, got)}


def _items_answer(request: ReviewRequest, inputs: dict[str, Any]) -> list[tuple[Action, dict[str, Any]]]:
    """The reviewer's choice for every item, in order: (action, checked inputs)."""
    chosen = inputs.get("items")
    if not isinstance(chosen, list) or len(chosen) != len(request.items):
        raise InvalidAnswer(f"Please decide on each of the {len(request.items)} items.")
    out = []
    for n, (item, choice) in enumerate(zip(request.items, chosen), start=1):
        if not isinstance(choice, dict) or not choice.get("action"):
            raise InvalidAnswer(f"Please choose a decision for item {n} ({item.title}).")
        try:
            action = item.action(choice["action"])
            out.append((action, read_inputs(action, choice.get("inputs") or {})))
        except InvalidAnswer as exc:
            raise InvalidAnswer(f"Item {n} ({item.title}): {exc}", exc.field) from None
    return out


SEND_ALL = Action("decide_each", "Send all decisions", primary=True)


def batch(format_: str, title: str, message: str, parts: tuple[ReviewRequest, ...], noun: str) -> ReviewRequest:
    """Several items decided one by one and sent together (a list of requests in one payload)."""
    return ReviewRequest(
        format=format_, title=title, message=message, actions=(SEND_ALL,), items=parts,
        preview=shorten(f"{len(parts)} {noun}: " + "; ".join(p.preview for p in parts), PREVIEW_CHARS),
    )


# ---- Agent Inbox: langgraph.prebuilt.interrupt.HumanInterrupt --------------------------


def _is_human_interrupt(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("action_request"), dict)
            and isinstance(value.get("config"), dict) and "action" in value["action_request"])


class AgentInboxAdapter:
    """Agent Inbox's HumanInterrupt (or a list of them): accept / edit / respond / ignore, as `config` allows.

    Answers a list with one HumanResponse per item, as Agent Inbox does:
    {"type": "accept"|"ignore", "args": None}, {"type": "response", "args": text},
    {"type": "edit", "args": {"action": name, "args": {…}}}.
    """

    name = "agent_inbox"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        if isinstance(value, list):
            return bool(value) and all(_is_human_interrupt(v) for v in value)
        return _is_human_interrupt(value)

    @staticmethod
    def _one(item: dict) -> ReviewRequest:
        request, config = item["action_request"], item["config"]
        name, args = str(request.get("action")), request.get("args")
        actions = []
        if config.get("allow_accept"):
            actions.append(Action("accept", "Accept", primary=True, help="The agent goes ahead as proposed."))
        if config.get("allow_edit"):
            actions.append(_tool_edit_action("edit", "Edit", name, args))
        if config.get("allow_respond"):
            actions.append(Action("response", "Respond", (
                Field("response", "Your response", "long_text", required=True,
                      help="Sent to the agent as text, instead of running the action."),)))
        if config.get("allow_ignore"):
            actions.append(Action("ignore", "Ignore", help="Skip this action; the agent is told it was ignored."))
        description = item.get("description") if isinstance(item.get("description"), str) else None
        return ReviewRequest(
            format="agent_inbox",
            title=f"The agent wants to run “{name}”",
            details={"action": name, "arguments": to_jsonable(args)},
            description=description,
            actions=tuple(actions),
            preview=shorten(f"{name}: {plain_text(description) if description else dumps(args)}", PREVIEW_CHARS),
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
            edited = _edited_action(action, str(item["action_request"].get("action")), item["action_request"].get("args"), got)
            return {"type": "edit", "args": {"action": edited["name"], "args": edited["args"]}}
        if action.key == "response":
            return {"type": "response", "args": got["response"]}
        return {"type": action.key, "args": None}

    def answer(self, value: Any, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        items = value if isinstance(value, list) else [value]
        request = self.describe(value)
        if request.items:
            request.action(action)
            return [self._response(item, a, got) for item, (a, got) in zip(items, _items_answer(request, inputs))]
        chosen = request.action(action)
        return [self._response(items[0], chosen, read_inputs(chosen, inputs))]


# ---- LangChain HumanInTheLoopMiddleware ------------------------------------------------

HITL_DECISIONS = ("approve", "edit", "reject", "respond")


def _hitl_actions(name: str, args: Any, allowed: list[str], name_editable: bool = True) -> tuple[Action, ...]:
    actions = []
    for decision in HITL_DECISIONS:
        if decision not in allowed:
            continue
        if decision == "approve":
            actions.append(Action("approve", "Approve", primary=True, help="The tool runs as proposed."))
        elif decision == "edit":
            actions.append(_tool_edit_action("edit", "Edit", name, args, name_editable))
        elif decision == "reject":
            actions.append(Action("reject", "Reject", (
                Field("message", "Reason (sent to the agent)", "long_text",
                      help="Optional. The tool does not run; the agent reads this reason."),)))
        else:
            actions.append(Action("respond", "Respond instead", (
                Field("message", "Your answer (given to the agent as the tool's result)", "long_text", required=True),),
                help="The tool does not run; your answer is returned to the agent in its place."))
    return tuple(actions)


def _hitl_decision(action: Action, name: str, args: Any, got: dict[str, Any]) -> dict[str, Any]:
    if action.key == "edit":
        return {"type": "edit", "edited_action": _edited_action(action, name, args, got)}
    if action.key == "reject":
        message = (got.get("message") or "").strip()
        return {"type": "reject", "message": message} if message else {"type": "reject"}
    if action.key == "respond":
        return {"type": "respond", "message": got["message"]}
    return {"type": "approve"}


class HITLAdapter:
    """LangChain's HITLRequest: every action request, one decision each, in order → {"decisions": […]}."""

    name = "hitl"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        return (isinstance(value, dict) and isinstance(value.get("action_requests"), list)
                and isinstance(value.get("review_configs"), list) and bool(value["action_requests"]))

    @staticmethod
    def _allowed(value: dict, index: int, name: str) -> list[str]:
        configs = [c for c in value["review_configs"] if isinstance(c, dict)]
        # The middleware writes one config per request, in order; match by name otherwise.
        if len(configs) == len(value["action_requests"]) and configs[index].get("action_name") == name:
            config = configs[index]
        else:
            config = next((c for c in configs if c.get("action_name") == name), {})
        allowed = config.get("allowed_decisions")
        return [d for d in allowed if d in HITL_DECISIONS] if isinstance(allowed, list) else list(HITL_DECISIONS)

    def _one(self, value: dict, index: int) -> ReviewRequest:
        request = value["action_requests"][index]
        name, args = str(request.get("name")), request.get("args")
        description = request.get("description") if isinstance(request.get("description"), str) else None
        return ReviewRequest(
            format=self.name,
            title=f"The agent wants to run “{name}”",
            details={"tool": name, "arguments": to_jsonable(args)},
            description=description,
            actions=_hitl_actions(name, args, self._allowed(value, index, name)),
            preview=shorten(f"{name}: {dumps(args)}", PREVIEW_CHARS),
        )

    def describe(self, value: dict, schema: dict | None = None) -> ReviewRequest:
        parts = tuple(self._one(value, i) for i in range(len(value["action_requests"])))
        if len(parts) == 1:
            return parts[0]
        return batch(self.name, f"The agent wants to run {len(parts)} tools",
                     "Decide on each tool call; the decisions are sent together, in order.", parts, "tool calls")

    def answer(self, value: dict, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        request = self.describe(value)
        requests = value["action_requests"]
        if request.items:
            request.action(action)
            chosen = _items_answer(request, inputs)
        else:
            one = request.action(action)
            chosen = [(one, read_inputs(one, inputs))]
        return {"decisions": [_hitl_decision(a, str(r.get("name")), r.get("args"), got)
                              for r, (a, got) in zip(requests, chosen)]}


def _schema_decisions(schema: dict | None) -> list[str]:
    """The decision types a per-call response_schema allows: each branch pins `type` to a const."""
    if not isinstance(schema, dict):
        return list(HITL_DECISIONS)
    defs = schema.get("$defs") or {}

    def const(branch: Any) -> Any:
        if isinstance(branch, dict) and "$ref" in branch:
            branch = defs.get(str(branch["$ref"]).rsplit("/", 1)[-1], {})
        return ((branch.get("properties") or {}).get("type") or {}).get("const") if isinstance(branch, dict) else None

    found = {const(m) for m in (schema.get("oneOf") or schema.get("anyOf") or [schema])}
    return [d for d in HITL_DECISIONS if d in found] or list(HITL_DECISIONS)


class ToolApprovalAdapter:
    """HumanInTheLoopMiddleware in per_call mode: one ToolApprovalRequest per tool call → one Decision."""

    name = "tool_approval"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        return isinstance(value, dict) and value.get("type") == "tool_approval" and "name" in value

    def describe(self, value: dict, schema: dict | None = None) -> ReviewRequest:
        name, args = str(value.get("name")), value.get("args")
        description = value.get("description") if isinstance(value.get("description"), str) else None
        return ReviewRequest(
            format=self.name,
            title=f"The agent wants to run “{name}”",
            details={"tool": name, "arguments": to_jsonable(args)},
            description=description,
            # The schema pins the tool name of an edit: the reviewer changes the arguments only.
            actions=_hitl_actions(name, args, _schema_decisions(schema), name_editable=False),
            preview=shorten(f"{name}: {dumps(args)}", PREVIEW_CHARS),
        )

    def answer(self, value: dict, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        chosen = self.describe(value, schema).action(action)
        return _hitl_decision(chosen, str(value.get("name")), value.get("args"), read_inputs(chosen, inputs))


# ---- typed answers: interrupt(value, response_schema=…) -------------------------------


class SchemaAdapter:
    """Any payload whose interrupt carries a JSON Schema for its answer: a form built from the schema."""

    name = "schema"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        return isinstance(schema, dict) and bool(schema)

    def describe(self, value: Any, schema: dict | None = None) -> ReviewRequest:
        from console import schema_form

        message, details = None, {}
        if isinstance(value, str):
            message = value
        elif isinstance(value, dict):
            key, message = _first_text(value, _MESSAGE_KEYS)
            details = to_jsonable({k: v for k, v in value.items() if k != key})
        elif value is not None:
            details = {"value": to_jsonable(value)}
        return ReviewRequest(
            format=self.name,
            title="The workflow asks you to fill in a form",
            message=message,
            details=details,
            description=schema.get("description") if isinstance(schema.get("description"), str) else None,
            actions=(Action("answer", "Send answer", schema_form.fields(schema), primary=True),),
            preview=shorten(message if message is not None else dumps(value), PREVIEW_CHARS),
        )

    def answer(self, value: Any, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        from console import schema_form

        chosen = self.describe(value, schema).action(action)
        return schema_form.assemble(schema, chosen.fields, read_inputs(chosen, inputs))


class GenericAdapter:
    """Anything else: shown as readable JSON, answered with free text or JSON."""

    name = "generic"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        return True

    def describe(self, value: Any, schema: dict | None = None) -> ReviewRequest:
        message = None
        if isinstance(value, str):
            message = value
        elif isinstance(value, dict):
            message = _first_text(value, _MESSAGE_KEYS)[1]
        return ReviewRequest(
            format=self.name,
            title="The workflow asks for an answer",
            message=message,
            details={"value": to_jsonable(value)} if not isinstance(value, str) else {},
            actions=(
                Action("answer", "Send answer", (
                    Field("text", "Your answer", "long_text", required=True,
                          help="Plain text is sent as text. Tick the box to send it as JSON (a number, a list, an object)."),
                    Field("as_json", "Send as JSON", "boolean", default=False),
                ), primary=True),
            ),
            preview=shorten(message if message is not None else dumps(value), PREVIEW_CHARS),
        )

    def answer(self, value: Any, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        got = read_inputs(self.describe(value).action(action), inputs)
        if got["as_json"]:
            return coerce(Field("text", "Your answer", "json", required=True), got["text"])
        return got["text"]


# Tried in order: the first that matches wins. Specific shapes first; generic last, as it matches anything.
ADAPTERS: list[PayloadAdapter] = [
    ToolApprovalAdapter(), SchemaAdapter(), HITLAdapter(), AgentInboxAdapter(), DraftAdapter(), GenericAdapter(),
]


def register(adapter: PayloadAdapter) -> None:
    """Add a team's own format: tried before the built-in ones."""
    ADAPTERS.insert(0, adapter)


def adapter_for(value: Any, schema: dict | None = None) -> PayloadAdapter:
    schema = schema if isinstance(schema, dict) else None
    for adapter in ADAPTERS:
        try:
            if adapter.matches(value, schema):
                return adapter
        except Exception:  # a team's adapter that trips on an odd payload must not hide it
            continue
    return GenericAdapter()


def _reader(value: Any, schema: dict | None) -> tuple[PayloadAdapter, ReviewRequest]:
    """The adapter that matches and can describe the payload; the generic one when it trips on it."""
    adapter = adapter_for(value, schema)
    try:
        return adapter, adapter.describe(value, schema)
    except Exception:
        generic = GenericAdapter()
        return generic, generic.describe(value)


def describe(value: Any, schema: dict | None = None) -> ReviewRequest:
    """Never raises: a payload an adapter cannot read falls back to the generic view."""
    return _reader(value, schema if isinstance(schema, dict) else None)[1]


def build_answer(value: Any, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
    """The resume value for `action`, checked against `schema` when there is one; nothing is sent from here."""
    from console import schema_form

    schema = schema if isinstance(schema, dict) else None
    try:
        answer = _reader(value, schema)[0].answer(value, action, inputs, schema)
    except InvalidAnswer:
        raise
    except Exception as exc:  # an odd payload an adapter trips on: a sentence, never a stack trace
        raise InvalidAnswer(f"The console cannot build this answer for this request ({type(exc).__name__}). "
                            "Try the free-form answer, or ask an administrator.") from exc
    if schema is not None:
        schema_form.check(schema, answer)
    return answer


# ---- static pauses (interrupt_before / interrupt_after) -------------------------------

STATIC_TITLES = {
    "before": "The workflow paused before “{node}”",
    "after": "The workflow paused after “{node}”",
    "paused": "The workflow paused at “{node}”",
}


def state_fields(values: dict[str, Any]) -> tuple[Field, ...]:
    fields = []
    for key, current in values.items():
        if isinstance(current, bool):
            fields.append(Field(key, key, "boolean", default=current))
        elif isinstance(current, int):
            fields.append(Field(key, key, "integer", default=current))
        elif isinstance(current, float):
            fields.append(Field(key, key, "number", default=current))
        elif isinstance(current, str):
            fields.append(Field(key, key, "long_text", default=current))
        else:
            fields.append(Field(key, key, "json", default=dumps(current, indent=2)))
    return tuple(fields)


def describe_static_pause(values: dict[str, Any], node: str, kind: str) -> ReviewRequest:
    _, draft = _first_text(values, _DRAFT_KEYS)
    return ReviewRequest(
        format="static",
        title=STATIC_TITLES.get(kind, STATIC_TITLES["paused"]).format(node=node),
        message="Check the state below, then let the workflow go on, or change it first.",
        draft=draft,
        actions=(
            Action("continue", "Continue", primary=True),
            Action("edit_state", "Edit state then continue", state_fields(values),
                   help="Change any value, then the workflow goes on with the new state."),
        ),
        preview=shorten(draft if draft is not None else dumps(values), PREVIEW_CHARS),
    )


def build_state_update(values: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """The changed values only; raises InvalidAnswer for bad input or no change."""
    update = {}
    for f in state_fields(values):
        if f.name not in inputs:
            continue
        raw = inputs[f.name]
        if f.kind == "json":
            new = coerce(Field(f.name, f.label, "json", required=True), raw)
            old = to_jsonable(values[f.name])
        else:
            new = coerce(f, raw)
            old = values[f.name]
            if f.kind == "long_text" and isinstance(old, str) and old.strip() and not str(new).strip():
                raise InvalidAnswer(f"“{f.label}” is empty. Write a value, or keep the one it had.", f.name)
        if new != old:
            update[f.name] = new
    if not update:
        raise InvalidAnswer("Nothing was changed. Change a value, or choose Continue.")
    return update
