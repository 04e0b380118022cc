"""Typed answers, interrupt(value, response_schema=…): a form built from the JSON Schema, and plain-word checks."""

from __future__ import annotations

from typing import Any

from console.errors import InvalidAnswer
from console.formats.base import MESSAGE_KEYS, PREVIEW_CHARS, Action, Field, ReviewRequest, first_text, read_inputs
from console.formats.display import one_line
from console.jsonable import dumps, shorten, to_jsonable

MAX_DEPTH = 3  # nested objects deeper than this are edited as JSON


def _resolve(node: Any, root: dict) -> tuple[dict, bool]:
    """Follow $ref / single allOf, and unwrap Optional (anyOf [X, null]); returns (schema, nullable)."""
    nullable = False
    for _ in range(10):
        if not isinstance(node, dict):
            return {}, nullable
        if "$ref" in node and isinstance(node["$ref"], str) and node["$ref"].startswith("#/"):
            target: Any = root
            for part in node["$ref"][2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            extra = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **extra}
            continue
        if isinstance(node.get("allOf"), list) and len(node["allOf"]) == 1:
            node = {**{k: v for k, v in node.items() if k != "allOf"}, **node["allOf"][0]}
            continue
        for key in ("anyOf", "oneOf"):
            options = node.get(key)
            if isinstance(options, list):
                real = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
                if len(real) == 1 and len(real) < len(options):
                    nullable = True
                    node = {**{k: v for k, v in node.items() if k != key}, **real[0]}
                    break
        else:
            if isinstance(node.get("type"), list) and "null" in node["type"]:
                kinds = [t for t in node["type"] if t != "null"]
                nullable = True
                node = {**node, "type": kinds[0] if len(kinds) == 1 else kinds}
            return node, nullable
    return node if isinstance(node, dict) else {}, nullable


def _is_object(node: dict) -> bool:
    return node.get("type") == "object" and isinstance(node.get("properties"), dict) and bool(node["properties"])


def _help(node: dict) -> str | None:
    parts = [node["description"]] if isinstance(node.get("description"), str) else []
    return " ".join(parts) or None


def _field(name: str, label: str, node: dict, required: bool) -> Field:
    default = node.get("default")
    help_ = _help(node)
    if isinstance(node.get("enum"), list) and node["enum"]:
        return Field(name, label, "choice", default=default, required=required, help=help_, choices=tuple(node["enum"]))
    if "const" in node:
        return Field(name, label, "choice", default=node["const"], required=required, help=help_, choices=(node["const"],))
    kind = node.get("type")
    if kind == "boolean":
        return Field(name, label, "boolean", default=bool(default), help=help_)
    if kind in ("integer", "number"):
        low = node.get("minimum", node.get("exclusiveMinimum"))
        high = node.get("maximum", node.get("exclusiveMaximum"))
        return Field(name, label, kind, default=default, required=required, help=help_,
                     minimum=low if isinstance(low, (int, float)) else None,
                     maximum=high if isinstance(high, (int, float)) else None)
    if kind == "string":
        long = (node.get("maxLength") or 0) > 200 or node.get("format") == "textarea"
        return Field(name, label, "long_text" if long else "text", default=default, required=required, help=help_)
    if kind == "array":
        items = node.get("items") if isinstance(node.get("items"), dict) else {}
        if isinstance(items.get("enum"), list):
            return Field(name, label, "multi_choice", default=default or [], required=required, help=help_,
                         choices=tuple(items["enum"]))
        if items.get("type") == "string":
            return Field(name, label, "lines", default="\n".join(default or []), required=required,
                         help=(help_ + " " if help_ else "") + "One per line.")
    return Field(name, label, "json", default=dumps(default, indent=2) if default is not None else None,
                 required=required, help=(help_ + " " if help_ else "") + "JSON.")


def _object_fields(node: dict, root: dict, prefix: str, parent_label: str, required_here: bool, depth: int) -> list:
    required = set(node.get("required") or [])
    out = []
    for key, raw in node["properties"].items():
        child, nullable = _resolve(raw, root)
        name = f"{prefix}{key}"
        # The property's own title, not its referenced model's ("Return label", not "ReturnLabel").
        own = raw.get("title") if isinstance(raw, dict) else None
        title = own if isinstance(own, str) else str(key).replace("_", " ").capitalize()
        label = f"{parent_label} › {title}" if parent_label else title
        is_required = required_here and key in required and not nullable
        if _is_object(child) and depth < MAX_DEPTH:
            out.extend(_object_fields(child, root, name + ".", label, is_required, depth + 1))
        else:
            out.append(_field(name, label, child, is_required))
    return out


def fields(schema: dict) -> tuple[Field, ...]:
    """Form fields for the answer: one per leaf of an object schema, else one "value" field."""
    node, _ = _resolve(schema, schema)
    if _is_object(node):
        return tuple(_object_fields(node, schema, "", "", True, 0))
    return (_field("value", node.get("title") if isinstance(node.get("title"), str) else "Your answer", node, True),)


def assemble(schema: dict, form_fields: tuple, got: dict[str, Any]) -> Any:
    """The answer object from checked inputs; empty optional inputs are left out (not sent as null)."""
    node, _ = _resolve(schema, schema)
    if not _is_object(node):
        return got.get("value")
    answer: dict[str, Any] = {}
    for f in form_fields:
        value = got.get(f.name)
        if value is None or (value == "" and not f.required) or (value == [] and not f.required and f.kind == "lines"):
            continue
        target = answer
        *parents, leaf = f.name.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return answer


_TYPE_WORDS = {"integer": "a whole number", "number": "a number", "string": "text", "boolean": "yes or no",
               "array": "a list", "object": "an object (JSON)", "null": "empty"}


def _where(path) -> str:
    return " › ".join(str(p) for p in path) or "the answer"


def check(schema: dict, answer: Any) -> None:
    """Validate with jsonschema before anything is sent; InvalidAnswer names the field that is wrong."""
    from jsonschema import exceptions, validators

    try:
        validator_cls = validators.validator_for(schema)
        validator_cls.check_schema(schema)
    except exceptions.SchemaError:
        return  # a schema we cannot read: LangGraph has the last word
    error = exceptions.best_match(validator_cls(schema).iter_errors(answer))
    if error is None:
        return
    where, field = _where(error.absolute_path), ".".join(str(p) for p in error.absolute_path) or None
    kind = error.validator
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        where = f"{where} › {missing}" if error.absolute_path else missing
        field = f"{field}.{missing}" if field else missing
        message = f"Please fill in “{where}”."
    elif kind == "enum":
        message = f"“{where}” must be one of: {', '.join(str(v) for v in error.validator_value)}."
    elif kind == "const":
        message = f"“{where}” must be {error.validator_value}."
    elif kind == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        message = f"“{where}” must be {' or '.join(_TYPE_WORDS.get(t, t) for t in wanted)}."
    elif kind in ("minimum", "exclusiveMinimum"):
        message = f"“{where}” must be at least {error.validator_value}."
    elif kind in ("maximum", "exclusiveMaximum"):
        message = f"“{where}” must be at most {error.validator_value}."
    elif kind == "minLength":
        message = f"“{where}” needs at least {error.validator_value} characters."
    elif kind == "maxLength":
        message = f"“{where}” may have at most {error.validator_value} characters."
    else:
        message = f"“{where}”: {error.message}"
    raise InvalidAnswer(message, field)


def refusal_sentence(exc: BaseException) -> str | None:
    """A plain sentence for an answer LangGraph refused (pydantic.ValidationError), naming the field."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return None
    try:
        first = errors()[0]
    except Exception:
        return None
    loc = [str(p) for p in first.get("loc", ()) if not str(p).startswith("function-")]
    message = str(first.get("msg", "")).removeprefix("Value error, ")
    return f"“{' › '.join(loc) or 'the answer'}”: {message}"


class SchemaAdapter:
    """Any payload whose interrupt carries a JSON Schema for its answer: a form built from the schema."""

    name = "schema"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        return isinstance(schema, dict) and bool(schema)

    def describe(self, value: Any, schema: dict | None = None) -> ReviewRequest:
        message, details = None, {}
        if isinstance(value, str):
            message = value
        elif isinstance(value, dict):
            key, message = first_text(value, MESSAGE_KEYS)
            details = to_jsonable({k: v for k, v in value.items() if k != key})
        elif value is not None:
            details = {"value": to_jsonable(value)}
        return ReviewRequest(
            format=self.name,
            title="The workflow asks you to fill in a form",
            message=message,
            details=details,
            description=schema.get("description") if isinstance(schema.get("description"), str) else None,
            actions=(Action("answer", "Send answer", fields(schema), primary=True),),
            preview=shorten(message if message is not None else one_line(value), PREVIEW_CHARS),
        )

    def answer(self, value: Any, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        chosen = self.describe(value, schema).action(action)
        return assemble(schema, chosen.fields, read_inputs(chosen, inputs))
