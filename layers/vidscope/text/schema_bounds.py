"""The bounds a client's JSON Schema for entity extraction is held to (size, depth, properties,
local references only) and the check the API runs on it, with the sources values may come from:
what the extract capability's options name. Apart from ``vidscope.text.extraction`` (the
engines' types and models) so that creating a job loads no more than this (DESIGN §9); jsonschema
is imported only when a schema is checked."""

from __future__ import annotations

import json
from typing import Any, Literal

Source = Literal["speech", "on_screen"]
JsonObject = dict[str, Any]

MAX_SCHEMA_BYTES = 16 * 1024
MAX_SCHEMA_DEPTH = 8
MAX_SCHEMA_PROPERTIES = 100
MAX_PROMPT_CHARS = 4000

# Keywords whose value is one subschema, or a list or map of them: the schema's shape, walked to
# bound its depth and count its properties.
ONE_SCHEMA = ("items", "additionalProperties", "contains", "not", "if", "then", "else", "propertyNames")
SCHEMA_LISTS = ("prefixItems", "allOf", "anyOf", "oneOf")
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


def _walk(schema: Any, depth: int, seen: list[int]) -> int:
    """The deepest subschema level under ``schema`` (``seen[0]`` counts the properties named)."""
    if not isinstance(schema, dict):
        return depth
    deepest = depth
    for keyword, value in schema.items():
        children: list[Any] = []
        if keyword in ONE_SCHEMA:
            children = [value]
        elif keyword in SCHEMA_LISTS and isinstance(value, list):
            children = value
        elif keyword in SCHEMA_MAPS and isinstance(value, dict):
            children = list(value.values())
            seen[0] += len(value) if keyword in ("properties", "patternProperties") else 0
        elif keyword in ("$ref", "$dynamicRef") and not (isinstance(value, str) and value.startswith("#")):
            raise ValueError(f"{keyword} {value!r} points outside the schema; only local references (#...) are read")
        deepest = max([deepest, *(_walk(child, depth + 1, seen) for child in children)])
    return deepest


def check_schema(schema: JsonObject) -> JsonObject:
    """``schema`` if it is a JSON Schema (draft 2020-12) of an object within the bounds;
    otherwise ValueError saying what is wrong and where (a JSON pointer into the schema)."""
    size = len(json.dumps(schema, separators=(",", ":")).encode())
    if size > MAX_SCHEMA_BYTES:
        raise ValueError(f"the schema is {size:,} bytes; at most {MAX_SCHEMA_BYTES:,}")
    properties = [0]
    depth = _walk(schema, 1, properties)
    if depth > MAX_SCHEMA_DEPTH:
        raise ValueError(f"the schema nests {depth} levels deep; at most {MAX_SCHEMA_DEPTH}")
    if properties[0] > MAX_SCHEMA_PROPERTIES:
        raise ValueError(f"the schema names {properties[0]} properties; at most {MAX_SCHEMA_PROPERTIES}")
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        pointer = "".join(f"/{part}" for part in exc.absolute_path) or "/"
        raise ValueError(f"not a JSON Schema (draft 2020-12) at {pointer}: {exc.message}") from None
    if schema.get("type") != "object":
        raise ValueError('the schema\'s root must be an object schema ("type": "object")')
    return schema
