"""The results of ``vidscope.capabilities.on_screen_text``: imported where its results are used (the
analysis, merge and document), never by create_job, which validates options only (DESIGN §9)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from vidscope.vision.models import Box


class TextItem(BaseModel):
    start: float
    end: float
    text: str
    confidence: float
    box: Box = Field(description="fractions of the frame's width and height")
    frame_url: str = Field(description="a frame showing it (presigned; see artifacts_expire_at)")


class OnScreenTextResult(BaseModel):
    total: int
    items: list[TextItem]
