"""The results of ``vidscope.capabilities.style``: imported where its results are used (the
analysis, merge and document), never by create_job, which validates options only (DESIGN §9)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from vidscope.style.models import StyleJSON


class StyleResult(BaseModel):
    style_json: StyleJSON = Field(description="the template's style; the job's own media's without a template")
    source_style_json: StyleJSON | None = Field(
        default=None, description="the job's own media's style, when a template was given"
    )
    output_video_url: str | None = Field(
        default=None, description="the styled video, H.264/AAC mp4 (presigned; see expires_at)"
    )
    lut_url: str | None = Field(
        default=None, description="the colour transfer as a 33-point 3D LUT in .cube format (presigned)"
    )
    expires_at: str | None = Field(default=None, description="when output_video_url and lut_url stop working")
    output_duration_seconds: float | None = None
    loudness_gain_db: float | None = Field(
        default=None, description="gain applied to the sound before its true-peak ceiling, dB; null: sound left as is"
    )
