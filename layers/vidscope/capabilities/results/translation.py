"""The results of ``vidscope.capabilities.translation``: imported where its results are used (the
analysis, merge and document), never by create_job, which validates options only (DESIGN §9)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TranslatedSegment(BaseModel):
    start: float = Field(ge=0, description="seconds from the start of the media (the source segment's)")
    end: float = Field(ge=0)
    text: str


class Translation(BaseModel):
    language: str = Field(description="ISO 639-1 code of this translation")
    text: str
    segments: list[TranslatedSegment]


class TranslationResult(BaseModel):
    source_language: str = Field(description="The language the media was heard in")
    translations: list[Translation] = Field(description="One per target language, in the order asked")
