"""What entity extraction reads and makes: timed passages of speech and on-screen text, the
``Extractor`` protocol the engines follow (``vidscope.text.extractors``: a local deterministic one,
Amazon Bedrock in the cloud), the evidence every returned value cites, and the bounds a client's
JSON Schema is held to. Light on purpose: the extract capability's declaration names these types
and the API validates schemas with ``check_schema`` (jsonschema is imported only when it runs)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from vidscope.transcripts import Segment

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


class Evidence(BaseModel):
    """Where a returned value was said or shown: the passage that states it and when."""

    # Built on first validation: create_job imports this module for the options' types alone and
    # never validates entities (DESIGN §9).
    model_config = ConfigDict(defer_build=True)

    path: str = Field(description="JSON pointer to the value in entities")
    source: Source
    start: float
    end: float
    text: str = Field(description="the sentence said, or the text read on screen, that states the value")


class SegmentEntities(BaseModel):
    # Built on first validation: create_job imports this module for the options' types alone and
    # never validates entities (DESIGN §9).
    model_config = ConfigDict(defer_build=True)

    index: int
    start: float
    end: float
    entities: JsonObject = Field(description="what this segment states (the schema's required properties lifted)")
    evidence: list[Evidence]
    thumbnail_url: str | None = Field(
        default=None, description="the shot's keyframe, with shots segmentation (presigned; see artifacts_expire_at)"
    )


@dataclass(frozen=True)
class Passage:
    """A piece of timed text an engine reads and a value may cite: a transcript segment (its
    word timings narrow the evidence to the words) or a piece of on-screen text."""

    source: Source
    start: float
    end: float
    text: str
    segment: Segment | None = field(default=None, compare=False)

    def time_of(self, begin: int, end: int) -> tuple[float, float]:
        """When ``text[begin:end]`` was said or shown: its words' times when known."""
        timed = self.segment.time_of(begin, end) if self.segment is not None else None
        return timed if timed is not None else (self.start, self.end)


@dataclass(frozen=True)
class ExtractionRequest:
    """What the client asked (a schema, a prompt, or both) and the passages to read: numbered in
    order, the numbers an engine cites. ``feedback`` says why an earlier answer was refused."""

    schema: JsonObject | None
    prompt: str | None
    passages: list[Passage]
    feedback: str | None = None


@dataclass(frozen=True)
class Extraction:
    """An engine's answer: entities, and optionally the passage (by number) each leaf came from
    (JSON pointer -> passage). The grounding check never trusts either: it looks for each value
    in the passages itself, the cited one first."""

    entities: JsonObject
    citations: dict[str, int] = field(default_factory=dict)


class Extractor(Protocol):
    """Entities from timed passages, shaped by the client's schema (or a free-form object for a
    prompt alone)."""

    def extract(self, request: ExtractionRequest) -> Extraction: ...


class ExtractionInvalid(Exception):
    """The entities do not validate against the client's schema, even after repair and the
    bounded re-asks: the capability fails rather than return them. Step Functions matches the
    class name, which ``vidscope.pipeline.errors`` maps to EXTRACTION_INVALID (this room imports
    nothing of the pipeline)."""


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
