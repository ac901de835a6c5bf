"""The results of ``vidscope.capabilities.extract``: imported where its results are used (the
analysis, merge and document), never by create_job, which validates options only (DESIGN §9)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from vidscope.text.extraction import Evidence, SegmentEntities
from vidscope.text.schema_bounds import JsonObject, Source


class ExtractResult(BaseModel):
    entities: JsonObject = Field(description="For the whole video: valid against the schema, every value grounded")
    evidence: list[Evidence] = Field(description="Where each value of entities was said or shown")
    ungrounded_dropped: int = Field(description="Values the engine gave that no passage states: dropped")
    sources_read: list[Source] = Field(
        description="Where values were looked for (speech only on media without pictures)"
    )
    total_segments: int
    segment_entities: list[SegmentEntities]
