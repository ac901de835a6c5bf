"""The results of ``vidscope.capabilities.fingerprint``: imported where its results are used (the
analysis, merge and document), never by create_job, which validates options only (DESIGN §9)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class AudioPrint(BaseModel):
    algorithm: Literal["chromaprint"] = "chromaprint"
    items: int = Field(description="32-bit sub-fingerprints, one every step_seconds")
    step_seconds: float
    digest: str | None = Field(description="sha256 of the raw print (equal prints, equal digests); null without sound")


class VisualPrint(BaseModel):
    algorithm: Literal["phash"] = "phash"
    items: int = Field(description="64-bit perceptual hashes of the pictures, one every step_seconds")
    step_seconds: float
    digest: str | None = Field(description="sha256 of the hashes; null without pictures")


class FingerprintMatch(BaseModel):
    job_id: str = Field(description="an earlier job of the same tenant whose media is the same content")
    similarity: float = Field(ge=0, le=1)
    offset_seconds: float = Field(description="where this media starts inside the other job's")
    kind: Literal["audio", "visual", "both"] = Field(description="which prints matched")


class FingerprintResult(BaseModel):
    audio: AudioPrint
    visual: VisualPrint
    matches: list[FingerprintMatch] = Field(description="most similar first")
