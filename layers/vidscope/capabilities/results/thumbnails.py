"""The results of ``vidscope.capabilities.thumbnails``: imported where its results are used (the
analysis, merge and document), never by create_job, which validates options only (DESIGN §9)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Thumbnail(BaseModel):
    shot_index: int
    time: float = Field(description="the moment it shows, seconds")
    url: str = Field(description="presigned; see artifacts_expire_at")


class ThumbnailsResult(BaseModel):
    thumbnail_url: str = Field(description="the file's poster (presigned)")
    poster_time: float
    items: list[Thumbnail]
