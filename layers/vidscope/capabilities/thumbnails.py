"""thumbnails: a poster for the file and one thumbnail per shot, from the keyframes the vision stage
chose for sharpness and exposure (never a black, blurred or transition frame), scaled by the
vision worker to the size the job asked for."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from vidscope.capabilities.base import Capability, Inputs, Need, Options, Step, clock_time, frame_ref
from vidscope.vision.models import thumbnail_file


class ThumbnailsOptions(Options):
    width: int = Field(default=480, ge=64, le=1280, description="pixels; the height keeps the aspect")
    format: Literal["jpeg", "png", "webp"] = "jpeg"


class Thumbnail(BaseModel):
    shot_index: int
    time: float = Field(description="the moment it shows, seconds")
    url: str = Field(description="presigned; see artifacts_expire_at")


class ThumbnailsResult(BaseModel):
    thumbnail_url: str = Field(description="the file's poster (presigned)")
    poster_time: float
    items: list[Thumbnail]


def _thumbnails(inputs: Inputs, options: ThumbnailsOptions) -> ThumbnailsResult:
    if inputs.vision is None:
        raise ValueError("thumbnails needs the vision stage's output")
    poster = inputs.vision.poster
    return ThumbnailsResult(
        thumbnail_url=frame_ref(thumbnail_file(None, options.format)),
        poster_time=poster.time,
        items=[
            Thumbnail(shot_index=k.shot_index, time=k.time, url=frame_ref(thumbnail_file(k.shot_index, options.format)))
            for k in inputs.vision.keyframes
            if k.shot_index is not None
        ],
    )


CAPABILITY = Capability(
    name="thumbnails",
    description="A poster and one thumbnail per shot, chosen for sharpness and exposure",
    credits_per_minute=1,
    needs=frozenset({Need.FRAMES, Need.SHOTS}),
    options=ThumbnailsOptions,
    result=ThumbnailsResult,
    compute=_thumbnails,
    step=Step.MERGE,
    paged="items",
    render=lambda r: (
        [f"poster at {clock_time(r.poster_time)}: {r.thumbnail_url}"]
        + [f"shot {t.shot_index:4d} at {clock_time(t.time)}: {t.url}" for t in r.items]
    ),
)
