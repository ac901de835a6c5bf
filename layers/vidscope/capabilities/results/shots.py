"""The results of ``vidscope.capabilities.shots``: imported where its results are used (the
analysis, merge and document), never by create_job, which validates options only (DESIGN §9)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from vidscope.vision.models import Transition


class Shot(BaseModel):
    index: int
    start: float = Field(description="seconds, ms precision")
    end: float
    start_frame: int
    end_frame: int = Field(description="exclusive")
    transition: Transition = Field(description="how the shot begins")
    thumbnail_url: str | None = Field(default=None, description="its keyframe (presigned; see artifacts_expire_at)")


class ShotsResult(BaseModel):
    total_shots: int
    fps: float
    shots: list[Shot]
