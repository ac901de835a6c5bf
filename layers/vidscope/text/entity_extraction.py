"""Extraction end to end, whatever the engine: the passages it reads (the whole video, or one
segment's, cut at word timings so that a segment cites only what was said inside it), the
engine's answer grounded (``vidscope.text.grounding``), held to the client's schema, repaired,
or asked again with the reason a bounded number of times, else ``ExtractionInvalid``."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from vidscope.text.extraction import ExtractionInvalid, ExtractionRequest, Extractor, Passage
from vidscope.text.grounding import Grounded, ground, repair
from vidscope.text.schema_bounds import ONE_SCHEMA, SCHEMA_LISTS, SCHEMA_MAPS, JsonObject
from vidscope.transcripts import Segment
from vidscope.vision.models import ScreenText

# One answer, and one more with the reason the first was refused.
MAX_ASKS = 2


@dataclass(frozen=True)
class Span:
    start: float
    end: float


def _inside(start: float, end: float, span: Span | None) -> bool:
    return span is None or span.start <= (start + end) / 2 < span.end


def speech_passages(segments: list[Segment], span: Span | None = None) -> list[Passage]:
    """The transcript's segments as passages; within ``span``, only the words said inside it (by
    their midpoints, a word across a bound cut at it), so a value said after the span's end is no
    evidence for it and the evidence a segment cites lies inside it."""
    passages = []
    for segment in segments:
        if not segment.text.strip():
            continue
        if span is None or not segment.words:
            if _inside(segment.start, segment.end, span):
                passages.append(Passage("speech", segment.start, segment.end, segment.text.strip(), segment))
            continue
        words = [
            w.model_copy(update={"start": max(w.start, span.start), "end": min(w.end, span.end)})
            for w in segment.words
            if _inside(w.start, w.end, span)
        ]
        if words:
            text = " ".join(w.word.strip() for w in words)
            inner = Segment(start=words[0].start, end=words[-1].end, text=text, words=words)
            passages.append(Passage("speech", inner.start, inner.end, text, inner))
    return passages


def screen_passages(texts: list[ScreenText], span: Span | None = None) -> list[Passage]:
    """On-screen text as passages (inside ``span`` by its midpoint, its times kept to the span)."""
    return [
        Passage(
            "on_screen",
            max(t.start, span.start) if span else t.start,
            min(t.end, span.end) if span else t.end,
            t.text,
        )
        for t in texts
        if t.text.strip() and _inside(t.start, t.end, span)
    ]


def lift_required(schema: JsonObject) -> JsonObject:
    """``schema`` without its ``required`` lists (and minimum counts): what one segment states is
    part of the whole, valid in shape if not complete."""
    lifted = copy.deepcopy(schema)

    def strip(node: object) -> None:
        if not isinstance(node, dict):
            return
        for keyword in ("required", "minItems", "minProperties", "minContains"):
            node.pop(keyword, None)
        for keyword, value in node.items():
            if keyword in ONE_SCHEMA:
                strip(value)
            elif keyword in SCHEMA_LISTS and isinstance(value, list):
                for child in value:
                    strip(child)
            elif keyword in SCHEMA_MAPS and isinstance(value, dict):
                for child in value.values():
                    strip(child)

    strip(lifted)
    return lifted


def extract_entities(
    engine: Extractor, schema: JsonObject | None, prompt: str | None, passages: list[Passage]
) -> Grounded:
    """The grounded entities ``engine`` finds in ``passages``, valid against ``schema`` when one
    is given (a free-form object for a prompt alone)."""
    if not passages:
        grounded = Grounded(entities={})
        if schema is not None and repair({}, schema)[0] is None:
            raise ExtractionInvalid(f"nothing was said or shown that the schema requires: {repair({}, schema)[1]}")
        return grounded
    feedback = None
    for _ in range(MAX_ASKS):
        answer = engine.extract(ExtractionRequest(schema, prompt, passages, feedback))
        grounded = ground(answer.entities, passages, answer.citations)
        if schema is None:
            return grounded
        repaired, why = repair(copy.deepcopy(grounded.entities), schema)
        if repaired is not None:
            final = ground(repaired, passages, grounded.cited)  # pointers again, after removals
            final.dropped = grounded.dropped
            return final
        feedback = f"the answer, once every value no passage states was dropped, is invalid: {why}"
    raise ExtractionInvalid(f"no answer valid against the schema after {MAX_ASKS} tries: {feedback}")
