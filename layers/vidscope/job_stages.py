"""The stages a job's progress names (``progress.stage``): the workflow's and the steps a
rendering capability reports. Apart from the API's models (``vidscope.models`` re-exports it) so
that a capability's declaration can name its steps without importing what prices it."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    INGESTION = "ingestion"
    TRANSCRIPTION = "transcription"
    VISION = "vision"
    ANALYSIS = "analysis"
    # The steps a capability that renders reports while it runs (``Capability.steps``): the style
    # engine's, under the names of the system it replaces.
    VIDEO_ANALYSIS = "video_analysis"
    AUDIO_ANALYSIS = "audio_analysis"
    MOTION_ANALYSIS = "motion_analysis"
    STYLE_EXTRACTION = "style_extraction"
    STYLE_APPLICATION = "style_application"
    RENDERING = "rendering"
    MERGING = "merging"
