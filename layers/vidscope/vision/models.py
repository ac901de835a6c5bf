"""What the vision stage hands the analyses (stored as ``vision.json`` beside its JPEGs): the
shots, one keyframe per shot and a poster, and the on-screen text. Times are seconds from the
media start with ms precision; frame numbers count decoded frames from 0; boxes are fractions of
the frame, so they do not depend on the decoded size."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from vidscope.vision.frame_hashes import FrameHashes


class Transition(StrEnum):
    """How a shot begins."""

    START = "start"  # the first shot
    CUT = "cut"  # a hard cut
    FADE = "fade"  # a fade or dissolve: the shot starts at the transition's midpoint


class Box(BaseModel):
    left: float = Field(ge=0, le=1)
    top: float = Field(ge=0, le=1)
    width: float = Field(ge=0, le=1)
    height: float = Field(ge=0, le=1)


class DetectedShot(BaseModel):
    index: int = Field(ge=0)
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    start_frame: int = Field(ge=0)
    end_frame: int = Field(ge=0, description="exclusive")
    transition: Transition


class Keyframe(BaseModel):
    """A still chosen to stand for a shot: sharp, well exposed, away from transitions."""

    shot_index: int | None = Field(description="None for the file's poster")
    time: float = Field(ge=0)
    frame: int = Field(ge=0)
    file: str = Field(description="the JPEG's name, relative to the stage's output folder")
    width: int
    height: int
    sharpness: float
    brightness: float


class ScreenText(BaseModel):
    """One piece of text read on screen, merged across the consecutive frames showing it."""

    start: float = Field(ge=0)
    end: float = Field(ge=0)
    text: str
    confidence: float = Field(ge=0, le=1)
    box: Box
    file: str = Field(description="a JPEG (relative to the stage's output folder) in which it is seen")


class VisionOutput(BaseModel):
    duration_seconds: float
    fps: float
    frame_count: int
    width: int  # the decoded (at most 720p) size
    height: int
    shots: list[DetectedShot]
    poster: Keyframe
    keyframes: list[Keyframe]  # one per shot, in shot order
    text: list[ScreenText]  # ordered by start
    frame_hashes: FrameHashes | None = None  # when the request hashed the pictures


# The stage's folder among the job's staged outputs: results reference its files as
# ``media_store.artifact_ref(f"{VISION_DIR}/{file}")``.
VISION_DIR = "vision"
