"""What a job asks of the vision stage, as data: whether to read on-screen text, how to detect
shots, which stills to render. The stage's parameters are models of this room; a capability whose
options derive from one of them hands it to the stage (``vidscope.jobs.plan`` collects them), so
the stage never learns which capability asked, and each default is written once, here."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ImageFormat = Literal["jpeg", "png", "webp"]


class ShotDetection(BaseModel):
    """How shots are cut: the parameters of the shot detector."""

    # Built on first use: create_job imports these for the options deriving from them, which
    # build their own schemas (DESIGN §9's cold import).
    model_config = ConfigDict(defer_build=True)

    detector: Literal["adaptive", "content"] = Field(
        default="adaptive",
        description="adaptive: PySceneDetect's AdaptiveDetector (steady under camera motion); content: ContentDetector",
    )
    min_seconds: float | None = Field(
        default=None, ge=0.1, le=60, description="Shots shorter than this are merged into their neighbour"
    )


class Stills(BaseModel):
    """One rendition of the poster and of each shot's keyframe."""

    model_config = ConfigDict(defer_build=True)

    width: int = Field(default=480, ge=64, le=1280, description="pixels; the height keeps the aspect")
    format: ImageFormat = "jpeg"


class VisionRequest(BaseModel):
    """Everything the vision stage computes for one job."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    read_text: bool = False
    # Perceptual hashes of the pictures at a fixed rate (``vision.frame_hashes``).
    hash_frames: bool = False
    shots: ShotDetection = Field(default_factory=ShotDetection)
    # A function, not the builtin ``list``: pydantic reads a default factory's signature, and a
    # builtin's is parsed from its text by the tokenizer, whose regex (2 ms to compile) the API's
    # create_job otherwise compiles for this field alone (DESIGN §9).
    stills: list[Stills] = Field(default_factory=lambda: [])


def stills_file(shot_index: int | None, stills: Stills) -> str:
    """A still's name in the stage's folder (the poster's shot is None): one folder per rendition,
    so two renditions of one job never overwrite each other."""
    stem = "poster" if shot_index is None else f"shot_{shot_index:04d}"
    extension = "jpg" if stills.format == "jpeg" else stills.format
    return f"stills/{stills.width}/{stem}.{extension}"
