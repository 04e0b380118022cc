"""The Start form's fields, read from a graph's input schema, and the graph input they make."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from typing_extensions import is_typeddict

from console.errors import InvalidAnswer
from workflows.registry import json_or_text
from workflows.spec import WorkflowSpec

log = logging.getLogger("review_console")

WHOLE = ""  # the key of a field that is the whole input (a one-text workflow, or a graph taking a string)


@dataclass(frozen=True)
class InputField:
    key: str  # the graph's input key; WHOLE for the one field of a one-text form
    label: str  # letters, digits and spaces only, so it renders as it reads
    kind: str  # text | long_text | number | integer | boolean | json
    required: bool = False
    default: Any = None
    help: str = ""


def readable(key: str) -> str:
    """A state key as a label: "due_date" → "Due date"; anything but letters and digits becomes a space."""
    words = re.sub(r"[^\w]|_", " ", key).split()
    text = " ".join(words) or "Value"
    return text[:1].upper() + text[1:]


def _kind(schema: dict) -> str:
    types = [schema.get("type")] + [part.get("type") for part in schema.get("anyOf", []) if isinstance(part, dict)]
    types = [t for t in types if t and t != "null"]
    kind = types[0] if types else None
    return {"string": "long_text", "integer": "integer", "number": "number", "boolean": "boolean"}.get(kind, "json")


_HELP = {"json": "A JSON value, for example [\"a\", \"b\"] or {\"key\": \"value\"}; plain text is sent as text.",
         "number": "A number.", "integer": "A whole number."}


_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _typed_dict_schema(graph: Any) -> dict:
    """The schema of a graph whose input is a typing.TypedDict, from its annotations."""
    builder = getattr(graph, "builder", None)
    start = getattr(graph, "channels", {}).get("__start__")
    cls = getattr(builder, "input_schema", None) or getattr(start, "typ", None)
    if not is_typeddict(cls):
        log.warning("the input schema of %s cannot be read", getattr(graph, "name", "a graph"))
        return {}
    try:
        hints = get_type_hints(cls)
    except Exception:  # an annotation naming something not importable
        hints = dict(getattr(cls, "__annotations__", {}))
    required = set(getattr(cls, "__required_keys__", ()))
    properties = {}
    for key, hint in hints.items():
        raw = getattr(cls.__annotations__.get(key), "__forward_arg__", cls.__annotations__.get(key))
        if isinstance(raw, str):  # postponed annotations hide Required[…] from TypedDict itself
            name = raw.split("[", 1)[0].rsplit(".", 1)[-1]
            if name == "Required" or (name != "NotRequired" and getattr(cls, "__total__", True)):
                required.add(key)
        if get_origin(hint) in (Union, UnionType):  # Optional[int] → int
            args = [a for a in get_args(hint) if a is not type(None)]
            hint = args[0] if len(args) == 1 else hint
        properties[key] = {"type": _JSON_TYPES[hint]} if hint in _JSON_TYPES else {}
    return {"type": "object", "properties": properties, "required": [k for k in properties if k in required]}


def input_schema(graph: Any) -> dict:
    """The graph's input JSON Schema, or {} when it cannot be read (the form then asks for one text)."""
    try:
        schema = graph.get_input_jsonschema() or {}
    except Exception:  # pydantic refuses typing.TypedDict on Python < 3.12: read the class itself
        schema = _typed_dict_schema(graph)
    # A typed @entrypoint's schema is a reference to its input type: read that type's.
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = (schema.get("$defs") or {}).get(ref.rsplit("/", 1)[-1])
        if isinstance(target, dict):
            return target
    return schema


def input_fields(spec: WorkflowSpec, graph: Any) -> list[InputField]:
    """One field per input key of the graph (required ones marked), or one text for a one-text workflow."""
    if not spec.schema_inputs:
        return [InputField(WHOLE, spec.input_label, "long_text", required=True)]
    schema = input_schema(graph)
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    if spec.start_key:
        properties = {spec.start_key: properties.get(spec.start_key, {"type": "string"})}
        required = {spec.start_key}
    if not properties:
        if schema.get("type") == "string":
            return [InputField(WHOLE, "Input", "long_text", required=True)]
        return [InputField(WHOLE, spec.input_label, "long_text", required=True,
                           help="A JSON object is passed as the whole input; plain text goes to the key input.")]
    return [InputField(key, readable(key) + (" (required)" if key in required else ""), _kind(sub),
                       required=key in required, default=sub.get("default"), help=_HELP.get(_kind(sub), ""))
            for key, sub in properties.items() if isinstance(sub, dict)]


def _value(field: InputField, raw: Any) -> Any:
    if field.kind == "boolean":
        return bool(raw)
    text = str(raw).strip()
    if field.kind in ("text", "long_text"):
        return text
    try:
        value = json.loads(text)
    except ValueError:
        if field.kind == "json":
            return text
        raise InvalidAnswer(f"“{field.label}” must be a number.", field.key) from None
    if field.kind == "integer" and not (isinstance(value, int) and not isinstance(value, bool)):
        raise InvalidAnswer(f"“{field.label}” must be a whole number.", field.key)
    if field.kind == "number" and not (isinstance(value, (int, float)) and not isinstance(value, bool)):
        raise InvalidAnswer(f"“{field.label}” must be a number.", field.key)
    return value


def graph_input(spec: WorkflowSpec, graph: Any, inputs: dict[str, Any] | str) -> Any:
    """The input the graph is started with; a missing required field or a wrong value names the field."""
    fields = input_fields(spec, graph)
    if isinstance(inputs, str):  # one text, as a script or an older caller sends it
        if fields[0].key != WHOLE:
            text = inputs.strip()
            if not text:
                raise InvalidAnswer(f"Please fill in “{fields[0].label}”.", fields[0].key)
            # A JSON object is the whole input; other text goes to the one key asked for.
            return json_or_text(text, spec.start_key or next((f.key for f in fields if f.required), fields[0].key))
        inputs = {WHOLE: inputs}
    if fields[0].key == WHOLE:
        text = str(inputs.get(WHOLE) or "").strip()
        if not text:
            raise InvalidAnswer(f"Please fill in “{fields[0].label}”.", "input")
        if not spec.schema_inputs:
            return spec.make_input(text)
        return text if input_schema(graph).get("type") == "string" else json_or_text(text, "input")
    values: dict[str, Any] = {}
    for field in fields:
        raw = inputs.get(field.key)
        if raw is None or (not isinstance(raw, bool) and str(raw).strip() == ""):
            if field.required:
                raise InvalidAnswer(f"Please fill in “{field.label.removesuffix(' (required)')}”.", field.key)
            continue
        values[field.key] = _value(field, raw)
    if not values:
        raise InvalidAnswer("Please fill in at least one field.", fields[0].key)
    return values
