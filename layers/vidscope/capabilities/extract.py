"""extract: the entities a client asks for by JSON Schema and/or prompt, for the whole video and
per segment, every value grounded in what was said or shown, with its time (DESIGN §3b,
Grounding). A value no passage states is dropped and counted, never returned.

The engine is the deployment's (``Inputs.extractor``: deterministic and local by default, Bedrock
in the cloud); grounding, schema checks and repair (``vidscope.text.entity_extraction``) are the
same for both and are imported only to compute."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from vidscope.access import Access
from vidscope.capabilities import shots
from vidscope.capabilities.base import Capability, Inputs, Need, Note, Options, Requirement, ResultOf, clock_time
from vidscope.text.schema_bounds import MAX_PROMPT_CHARS, JsonObject, Source, check_schema

if TYPE_CHECKING:
    from vidscope.capabilities.results.extract import ExtractResult
    from vidscope.text.extraction import Evidence

MIN_WINDOW_SECONDS = 5.0


def _both_sources() -> list[Source]:
    return ["speech", "on_screen"]


class Segmentation(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)

    strategy: Literal["uniform", "shots", "chapters"] = Field(
        default="uniform", description="Windows of window_seconds, the video's shots, or its narrative chapters"
    )
    window_seconds: float = Field(default=30.0, ge=MIN_WINDOW_SECONDS, description="uniform only: each window's length")


class ExtractOptions(Options):
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    prompt: str | None = Field(
        default=None, min_length=1, max_length=MAX_PROMPT_CHARS, description="What to extract, in words"
    )
    schema_: JsonObject | None = Field(
        default=None,
        alias="schema",
        description=(
            "A JSON Schema (draft 2020-12) of an object: the entities' shape (at most 16 KB, 8 levels, 100 properties)"
        ),
    )
    video_level: StrictBool = Field(default=True, description="Extract for the whole video")
    segment_level: StrictBool = Field(default=False, description="Extract for each segment too")
    segmentation: Segmentation = Field(default_factory=Segmentation)
    sources: list[Source] = Field(
        default_factory=_both_sources,
        min_length=1,
        description="Where values may come from (on-screen text only when the media has pictures)",
        json_schema_extra={"uniqueItems": True},
    )

    @field_validator("schema_")
    @classmethod
    def _a_bounded_schema(cls, schema: JsonObject | None) -> JsonObject | None:
        return None if schema is None else check_schema(schema)

    @field_validator("sources")
    @classmethod
    def _no_repeats(cls, sources: list[Source]) -> list[Source]:
        if len(set(sources)) != len(sources):
            raise ValueError("sources must not repeat")
        return sources

    @model_validator(mode="after")
    def _something_asked(self) -> ExtractOptions:
        # Refusing {} makes the options required: a job asking for extract without them is a 400
        # (CreateJobRequest validates a requested capability's options even when left out).
        if self.prompt is None and self.schema_ is None:
            raise ValueError("give a prompt or a schema (or both)")
        if not (self.video_level or self.segment_level):
            raise ValueError("video_level and segment_level are both false: nothing to extract")
        return self


class _Untitled:
    """Chapters as segments need their bounds only: no titles, no summaries."""

    def describe_chapters(self, texts: list[str]) -> list[tuple[str, str]]:
        return [("", "")] * len(texts)

    def summarize(self, transcript: Any) -> Any:  # pragma: no cover - never asked
        raise NotImplementedError


def _spans(inputs: Inputs, options: ExtractOptions) -> list[tuple[float, float, str | None]]:
    """Each segment's bounds, and its picture (a shot's keyframe) when it has one."""
    duration = inputs.duration_seconds
    strategy = options.segmentation.strategy
    cut = inputs.result(shots.CAPABILITY)
    if strategy == "shots" and cut is not None:
        return [(s.start, s.end, s.thumbnail_url) for s in cut.shots]
    if strategy == "chapters":
        from vidscope.text.chapters import find_chapters  # deferred: the analysis function's work

        starts = [s.start for s in cut.shots] if cut is not None else []
        found = find_chapters(inputs.transcript, starts, duration, max_chapters=None, writer=_Untitled())
        return [(c.start, c.end, None) for c in found]
    window = options.segmentation.window_seconds
    count = max(1, int(-(-duration // window)))
    return [(i * window, min(duration, (i + 1) * window), None) for i in range(count)]


def _extract(inputs: Inputs, options: ExtractOptions) -> ExtractResult:
    from vidscope.capabilities.results.extract import ExtractResult  # deferred (DESIGN §9)
    from vidscope.text import entity_extraction as ee  # deferred: the analysis function's work, not the API's
    from vidscope.text.extraction import SegmentEntities

    sources: list[Source] = [s for s in options.sources if s == "speech" or inputs.has_video]
    segments = inputs.transcript.segments if "speech" in sources else []
    screen = inputs.screen_text if "on_screen" in sources else []

    def passages(span: ee.Span | None) -> list[Any]:
        return ee.speech_passages(segments, span) + ee.screen_passages(screen, span)

    # A schema the grounded entities cannot meet raises ExtractionInvalid (EXTRACTION_INVALID).
    whole = (
        ee.extract_entities(inputs.extractor, options.schema_, options.prompt, passages(None))
        if options.video_level
        else None
    )
    per_segment = []
    if options.segment_level:
        lifted = ee.lift_required(options.schema_) if options.schema_ is not None else None
        for index, (start, end, picture) in enumerate(_spans(inputs, options)):
            found = ee.extract_entities(inputs.extractor, lifted, options.prompt, passages(ee.Span(start, end)))
            per_segment.append((index, start, end, picture, found))
    return ExtractResult(
        entities=whole.entities if whole else {},
        evidence=whole.evidence if whole else [],
        ungrounded_dropped=(whole.dropped if whole else 0) + sum(f.dropped for *_, f in per_segment),
        sources_read=sources,
        total_segments=len(per_segment),
        segment_entities=[
            SegmentEntities(
                index=i, start=round(s, 3), end=round(e, 3), entities=f.entities, evidence=f.evidence, thumbnail_url=p
            )
            for i, s, e, p, f in per_segment
        ],
    )


def _uses(options: ExtractOptions) -> frozenset[Requirement]:
    used: set[Requirement] = {Need.ON_SCREEN_TEXT} if "on_screen" in options.sources else set()
    if options.segment_level and options.segmentation.strategy in ("shots", "chapters"):
        used.add(ResultOf(shots.CAPABILITY.name))  # chapters start on a cut when one is near
    return frozenset(used)


def _fits(options: ExtractOptions, duration: float) -> Note | None:
    window = options.segmentation.window_seconds
    if options.segment_level and options.segmentation.strategy == "uniform" and window > duration:
        return Note(
            code="WINDOW_LONGER_THAN_MEDIA", message=f"a {window:g}-s window is longer than the {duration:g} s of media"
        )
    return None


def _nothing(options: ExtractOptions, _duration: float) -> Note:
    if not options.segment_level:
        return Note(
            code="SEGMENT_LEVEL_NOT_ASKED", message="segment_level was not asked: entities are the whole video's"
        )
    return Note(code="NO_SEGMENTS", message="the media gave no segment to extract from")


def _value_at(entities: JsonObject, pointer: str) -> Any:
    """The value a JSON pointer names in ``entities`` (evidence points at its leaves)."""
    node: Any = entities
    for part in pointer.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _cited(entities: JsonObject, evidence: list[Evidence], indent: str = "") -> list[str]:
    """One line per value: its path, the value, when and where it was said or shown."""
    return [
        f"{indent}{e.path} = {json.dumps(_value_at(entities, e.path), ensure_ascii=False)}  "
        f"{clock_time(e.start)}-{clock_time(e.end)}  {e.source}: {e.text}"
        for e in evidence
    ]


def _render(result: ExtractResult) -> list[str]:
    lines = [f"{len(result.evidence)} value(s), each with its evidence; {result.ungrounded_dropped} ungrounded dropped"]
    lines += _cited(result.entities, result.evidence)
    for s in result.segment_entities:
        lines.append(f"segment {s.index} {clock_time(s.start)}-{clock_time(s.end)}: {len(s.evidence)} value(s)")
        lines += _cited(s.entities, s.evidence, indent="  ")
    return lines


CAPABILITY: Capability[ExtractOptions, ExtractResult] = Capability(
    name="extract",
    description=(
        "Entities by JSON Schema or prompt, for the video and per segment, each value grounded in timed evidence"
    ),
    credits_per_minute=2,
    needs=frozenset({Need.TRANSCRIPT}),
    uses=_uses,
    options=ExtractOptions,
    result="vidscope.capabilities.results.extract:ExtractResult",
    compute=_extract,
    access=frozenset({Access.INVOKE_MODEL}),  # the Bedrock engine
    paged="segment_entities",
    when_empty=_nothing,
    fits=_fits,
    render=_render,
)
