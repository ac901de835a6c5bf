"""The results of ``vidscope.capabilities.shorts``: imported where its results are used (the
analysis, merge and document), never by create_job, which validates options only (DESIGN §9)."""

from __future__ import annotations

from pydantic import BaseModel, Field, RootModel


class Short(BaseModel):
    id: str
    title: str
    reason: str | None = Field(default=None, description="why this span, in words a person can check (picked shorts)")
    start: float
    end: float
    text: str
    score: float | None = Field(default=None, ge=0, le=1, description="picked shorts only; none for spans given")
    components: dict[str, float] | None = Field(default=None, description="the parts of the score, each 0 to 1")
    clip_url: str | None = Field(default=None, description="the rendered clip (presigned; see artifacts_expire_at)")
    clip_width: int | None = None
    clip_height: int | None = None


class ShortsResult(RootModel[list[Short]]):
    """The shorts, in the order they occur."""
