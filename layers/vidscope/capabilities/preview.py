"""preview: a short clip (mp4, `seconds` long: 5 to 10 s, less only when the media is shorter)
made of representative moments of the video — a piece of each of its longest shots, around the
keyframe the vision stage chose for it, played in time order — and a storyboard for players'
scrubbing thumbnails: a sprite sheet (JPEG) and a WebVTT track whose cues point at
``sprite.jpg#xywh=x,y,w,h`` regions of it (video.js, Plyr, JW Player).

The track names the sheet relative to itself (``sprite.jpg`` beside ``storyboard.vtt``); the
result's ``storyboard_url`` is the sheet's own presigned link, for a player that is handed the
image apart from the track (a relative name resolved against a presigned track URL loses its
signature). The clip is rendered by ``vidscope.editing.clips.render_montage`` (at most MAX_CLIP_FPS
frames a second, PREVIEW_SIDE pixels on its long side, never past the billed duration), the sheet
by ``vidscope.editing.storyboard`` (at most MAX_TILES stills): imported only to compute."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from vidscope.capabilities.base import Capability, Inputs, Need, Options, clock_time

if TYPE_CHECKING:
    from vidscope.capabilities.results.preview import Moment, PreviewResult
    from vidscope.vision.models import DetectedShot, VisionOutput

PREVIEW_SIDE = 640  # a preview is watched small: a quarter of a 720p clip's pixels
MAX_MOMENTS = 5  # pieces in a preview: enough to show what the video holds, each long enough to read
_MIN_MOMENT_SECONDS = 1.0
SHEET_NAME = "sprite.jpg"


class PreviewOptions(Options):
    seconds: float = Field(default=8, ge=5, le=10, description="the preview clip's length")
    tile_width: int = Field(default=160, ge=64, le=320, description="the storyboard stills' long side, pixels")


def _moments(vision: VisionOutput, duration: float, seconds: float) -> list[Moment]:
    """The spans the preview plays: ``seconds`` (at most the media) shared among up to MAX_MOMENTS
    of the longest shots, each piece centred on its shot's keyframe and kept inside the shot when
    the shot is long enough, inside the media always; in time order, never overlapping."""
    total = min(seconds, duration)
    shots: list[DetectedShot] = sorted(vision.shots, key=lambda s: s.end - s.start, reverse=True)
    count = max(1, min(len(shots), MAX_MOMENTS, int(total // _MIN_MOMENT_SECONDS)))
    if not shots or count == 1:
        middle = vision.poster.time if not shots else _keyframe_time(vision, shots[0])
        return [_span_around(middle, total, 0.0, duration)]
    piece = total / count
    chosen = sorted(shots[:count], key=lambda s: s.start)
    spans = _apart([_span_around(_keyframe_time(vision, s), piece, s.start, s.end, duration) for s in chosen], duration)
    if sum(s.end - s.start for s in spans) < 0.95 * total:  # shots too short and crowded to share it
        return [_span_around(_keyframe_time(vision, shots[0]), total, 0.0, duration)]
    return spans


def _keyframe_time(vision: VisionOutput, shot: DetectedShot) -> float:
    chosen = next((k.time for k in vision.keyframes if k.shot_index == shot.index), None)
    return chosen if chosen is not None else (shot.start + shot.end) / 2


def _span_around(middle: float, length: float, low: float, high: float, limit: float | None = None) -> Moment:
    """``length`` seconds centred on ``middle``, moved inside [low, high] when it fits there, else
    inside [0, limit]."""
    from vidscope.capabilities.results.preview import Moment  # deferred (DESIGN §9)

    limit = high if limit is None else limit
    if high - low < length:
        low, high = 0.0, limit
    start = min(max(middle - length / 2, low), max(low, high - length))
    return Moment(start=round(start, 3), end=round(min(start + length, limit), 3))


def _apart(spans: list[Moment], duration: float) -> list[Moment]:
    """The spans moved later where one would overlap the one before (shots too short to hold
    their piece), none past the media's end; dropped when no room is left."""
    from vidscope.capabilities.results.preview import Moment  # deferred (DESIGN §9)

    kept: list[Moment] = []
    for span in spans:
        start = max(span.start, kept[-1].end if kept else 0.0)
        end = min(duration, start + (span.end - span.start))
        if end - start >= _MIN_MOMENT_SECONDS / 2:
            kept.append(Moment(start=round(start, 3), end=round(end, 3)))
    return kept


def _preview(inputs: Inputs, options: PreviewOptions) -> PreviewResult:
    # Deferred: the analysis function's work, not the API's.
    from vidscope.capabilities.results.preview import PreviewResult  # deferred (DESIGN §9)
    from vidscope.editing.clips import render_montage
    from vidscope.editing.storyboard import render_storyboard, webvtt

    moments = _moments(inputs.vision, inputs.duration_seconds, options.seconds)
    source = inputs.media.fetch()
    clip, sheet, track = (source.with_name(n) for n in ("preview.mp4", SHEET_NAME, "storyboard.vtt"))
    # Every decode stops at the billed duration: nothing rendered that the job did not pay for.
    rendered = render_montage(
        source,
        clip,
        spans=[(m.start, m.end) for m in moments],
        max_side=PREVIEW_SIDE,
        billed_seconds=inputs.duration_seconds,
    )
    board = render_storyboard(
        source,
        sheet,
        duration_seconds=inputs.duration_seconds,
        tile_side=options.tile_width,
        billed_seconds=inputs.duration_seconds,
    )
    track.write_text(webvtt(board, SHEET_NAME), encoding="utf-8")
    first = board.tiles[0]
    return PreviewResult(
        preview_url=inputs.media.store(clip, "preview/preview.mp4"),
        storyboard_url=inputs.media.store(sheet, f"preview/{SHEET_NAME}"),
        storyboard_vtt_url=inputs.media.store(track, "preview/storyboard.vtt"),
        duration_seconds=rendered.duration_seconds,
        moments=moments,
        storyboard_interval_seconds=board.interval_seconds,
        storyboard_tiles=len(board.tiles),
        tile_width=first.width,
        tile_height=first.height,
    )


CAPABILITY: Capability[PreviewOptions, PreviewResult] = Capability(
    name="preview",
    description="A 5-10 s preview clip of representative moments and a storyboard (sprite sheet + WebVTT) for players",
    credits_per_minute=1,
    # The shots and their keyframes pick the moments; the file itself is cut.
    needs=frozenset({Need.FRAMES, Need.SHOTS, Need.MEDIA, Need.VIDEO_FILE}),
    options=PreviewOptions,
    result="vidscope.capabilities.results.preview:PreviewResult",
    compute=_preview,
    render=lambda r: [
        f"preview ({r.duration_seconds:.1f} s, "
        + ", ".join(f"{clock_time(m.start)}-{clock_time(m.end)}" for m in r.moments)
        + f"): {r.preview_url}",
        f"storyboard ({r.storyboard_tiles} stills every {r.storyboard_interval_seconds:g} s): {r.storyboard_url}",
        f"storyboard track (WebVTT): {r.storyboard_vtt_url}",
    ],
)
