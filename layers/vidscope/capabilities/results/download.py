"""The results of ``vidscope.capabilities.download``: imported where its results are used (the
analysis, merge and document), never by create_job, which validates options only (DESIGN §9)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class DownloadResult(BaseModel):
    download_url: str = Field(description="presigned; a fresh one on every read")
    expires_at: str | None = Field(default=None, description="when download_url stops working")
    format: Literal["mp4", "m4a"]
    size_bytes: int
    duration_seconds: float
