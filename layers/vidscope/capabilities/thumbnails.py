"""thumbnails: a poster for the file and one thumbnail per shot, from the keyframes the vision stage
chose for sharpness and exposure (never a black, blurred or transition frame), scaled by the
vision worker to the size the job asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidscope.capabilities.base import Capability, Inputs, Need, Note, Options, RunsIn, clock_time, frame_ref
from vidscope.vision.request import Stills, stills_file

if TYPE_CHECKING:
    from vidscope.capabilities.results.thumbnails import ThumbnailsResult


class ThumbnailsOptions(Options, Stills):
    """The size and format of the stills the vision stage renders for this job."""


def _thumbnails(inputs: Inputs, options: ThumbnailsOptions) -> ThumbnailsResult:
    from vidscope.capabilities.results.thumbnails import Thumbnail, ThumbnailsResult  # deferred (DESIGN §9)

    poster = inputs.vision.poster
    return ThumbnailsResult(
        thumbnail_url=frame_ref(stills_file(None, options)),
        poster_time=poster.time,
        items=[
            Thumbnail(shot_index=k.shot_index, time=k.time, url=frame_ref(stills_file(k.shot_index, options)))
            for k in inputs.vision.keyframes
            if k.shot_index is not None
        ],
    )


CAPABILITY: Capability[ThumbnailsOptions, ThumbnailsResult] = Capability(
    name="thumbnails",
    description="A poster and one thumbnail per shot, chosen for sharpness and exposure",
    credits_per_minute=1,
    needs=frozenset({Need.FRAMES, Need.SHOTS}),
    options=ThumbnailsOptions,
    result="vidscope.capabilities.results.thumbnails:ThumbnailsResult",
    compute=_thumbnails,
    runs_in=RunsIn.MERGING,
    paged="items",
    when_empty=lambda _options, _duration: Note(code="NO_FRAMES", message="no frame of the video could be decoded"),
    render=lambda r: (
        [f"poster at {clock_time(r.poster_time)}: {r.thumbnail_url}"]
        + [f"shot {t.shot_index:4d} at {clock_time(t.time)}: {t.url}" for t in r.items]
    ),
)
