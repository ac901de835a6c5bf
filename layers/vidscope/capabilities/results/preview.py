"""The results of ``vidscope.capabilities.preview``: imported where its results are used (the
analysis, merge and document), never by create_job, which validates options only (DESIGN §9)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Moment(BaseModel):
    """A span of the media the preview plays."""

    start: float
    end: float


class PreviewResult(BaseModel):
    preview_url: str = Field(description="the preview clip, mp4 (presigned; a fresh one on every read)")
    storyboard_url: str = Field(description="the sprite sheet, JPEG (presigned)")
    storyboard_vtt_url: str = Field(
        description="WebVTT track; each cue's payload is sprite.jpg#xywh=x,y,w,h, the sheet beside it (presigned)"
    )
    expires_at: str | None = Field(default=None, description="when the links stop working")
    duration_seconds: float = Field(description="the preview clip's length")
    moments: list[Moment] = Field(description="the spans of the media it plays, in order")
    storyboard_interval_seconds: float
    storyboard_tiles: int
    tile_width: int
    tile_height: int
