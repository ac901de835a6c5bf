"""The results of ``vidscope.capabilities.language``: imported where its results are used (the
analysis, merge and document), never by create_job, which validates options only (DESIGN §9)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class LanguageScore(BaseModel):
    language: str
    score: float = Field(ge=0, le=1, description="Probability of this language")


class LanguageResult(BaseModel):
    language: str = Field(description="ISO 639-1 code, or und when nothing tells")
    confidence: float = Field(ge=0, le=1)
    source: Literal["audio", "text", "none"] = Field(
        description="audio: detected from the speech by the transcription model; text: from the transcript's "
        "words (an English-only transcription model); none: nothing was said"
    )
    candidates: list[LanguageScore] = Field(description="The likeliest languages, most likely first")
