"""What entity extraction reads and makes: timed passages of speech and on-screen text, the
``Extractor`` protocol the engines follow (``vidscope.text.extractors``: a local deterministic one,
Amazon Bedrock in the cloud), the evidence every returned value cites, and the bounds a client's
JSON Schema is held to (``vidscope.text.schema_bounds``: what the extract capability's options
name and the API checks, apart so that creating a job loads none of these models, DESIGN §9)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel, Field

from vidscope.text.schema_bounds import JsonObject, Source
from vidscope.transcripts import Segment


class Evidence(BaseModel):
    """Where a returned value was said or shown: the passage that states it and when."""

    path: str = Field(description="JSON pointer to the value in entities")
    source: Source
    start: float
    end: float
    text: str = Field(description="the sentence said, or the text read on screen, that states the value")


class SegmentEntities(BaseModel):
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
