"""A storyboard for web players' scrubbing thumbnails: stills at a steady interval packed into one
sprite sheet (JPEG), and a WebVTT track whose cue for each interval names the still's region of the
sheet as ``sprite.jpg#xywh=x,y,w,h`` (the media fragment video.js, Plyr and JW Player read).

The stills are decoded with PyAV by seeking near each moment (to the keyframe before it) and
decoding forward to it, or by decoding on when the next moment is close, or always once a seek
lands before where decoding already was (keyframes far apart: the sheet then costs at most two
passes): at most MAX_TILES stills, each at most ``tile_side`` pixels on its long side, never past
``billed_seconds`` (what the job paid for), so the work is bounded by the tile count and the
media's keyframe interval, whatever its length."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

MAX_TILES = 100  # a 10 x 10 sheet: one still every duration / 100 s at most
MIN_INTERVAL_SECONDS = 2.0  # stills closer than this show little a player's scrubbing needs
MAX_COLUMNS = 10
_RESEEK_SECONDS = 4.0  # a moment this far past the last decoded frame is sought, not decoded to
_JPEG_QUALITY = 80


@dataclass(frozen=True)
class Tile:
    """One cue: the interval [start, end) it stands for and its region of the sheet."""

    start: float
    end: float
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Storyboard:
    tiles: list[Tile]
    interval_seconds: float
    sheet_width: int
    sheet_height: int


def interval_for(duration_seconds: float) -> float:
    """Seconds between stills: MIN_INTERVAL_SECONDS, or longer so that at most MAX_TILES fit."""
    return max(MIN_INTERVAL_SECONDS, math.ceil(duration_seconds / MAX_TILES * 1000) / 1000)


def _tile_size(width: int, height: int, tile_side: int) -> tuple[int, int]:
    scale = tile_side / max(width, height)
    return max(2, 2 * round(width * scale / 2)), max(2, 2 * round(height * scale / 2))


def _frames_at(container: Any, video: Any, times: Sequence[float]) -> Iterator[av.VideoFrame]:
    """The frame shown at each of ``times`` (seconds from the stream's start, ascending): the last
    frame starting at or before it (the first after it when none does)."""
    origin = float(video.start_time * video.time_base) if video.start_time is not None else 0.0
    decoded: Iterator[av.VideoFrame] | None = None
    last: av.VideoFrame | None = None
    last_time = -math.inf
    seeks = True  # until a seek lands no later than where decoding already was (sparse keyframes)
    for time in times:
        if decoded is None or (seeks and time - last_time > _RESEEK_SECONDS):
            reached = last_time
            container.seek(int((time + origin) / video.time_base), stream=video, backward=True)
            decoded, last, last_time = container.decode(video), None, -math.inf
            first = next(decoded, None)
            if first is None:
                return
            decoded = itertools.chain([first], decoded)
            # A file whose keyframes are far apart would be decoded again from one for every
            # still: decode on instead, so the whole storyboard costs at most two passes.
            seeks = first.time is None or first.time - origin > reached
        pending: av.VideoFrame | None = None
        for frame in decoded:
            frame_time = (frame.time - origin) if frame.time is not None else time
            if frame_time > time:
                pending = frame
                break
            last, last_time = frame, frame_time
        shown = last if last is not None else pending
        if shown is None:
            return  # the stream ended before this moment
        yield shown
        if pending is not None:
            last, last_time = pending, (pending.time or 0.0) - origin


def render_storyboard(
    source: Path, sheet: Path, *, duration_seconds: float, tile_side: int = 160, billed_seconds: float | None = None
) -> Storyboard:
    """Write ``source``'s stills, one per interval of its first ``duration_seconds`` (and no more
    than ``billed_seconds``), to the JPEG ``sheet``, row by row; return their cues.
    ValueError: no video track, or no frame decoded."""
    span = min(duration_seconds, billed_seconds) if billed_seconds is not None else duration_seconds
    if span <= 0:
        raise ValueError("an empty media has no storyboard")
    interval = interval_for(span)
    starts = [round(i * interval, 3) for i in range(min(MAX_TILES, math.ceil(span / interval)))]
    with av.open(str(source)) as container:
        if not container.streams.video:
            raise ValueError(f"{source.name} has no video track to make a storyboard of")
        video = container.streams.video[0]
        video.thread_type = "AUTO"
        width, height = _tile_size(video.codec_context.width, video.codec_context.height, tile_side)
        # Each still from the middle of its interval: the moment the cue stands for best.
        moments = [min(start + interval / 2, (start + span) / 2) for start in starts]
        stills = [
            frame.to_ndarray(format="bgr24", width=width, height=height)
            for frame in _frames_at(container, video, moments)
        ]
    if not stills:
        raise ValueError(f"no frame of {source.name} could be decoded")
    columns = min(MAX_COLUMNS, len(stills))
    rows = math.ceil(len(stills) / columns)
    image = np.zeros((rows * height, columns * width, 3), dtype=np.uint8)
    tiles = []
    for index, still in enumerate(stills):
        x, y = (index % columns) * width, (index // columns) * height
        image[y : y + height, x : x + width] = still
        start = starts[index]
        end = span if index == len(stills) - 1 else min(span, starts[index + 1])
        tiles.append(Tile(start=start, end=round(end, 3), x=x, y=y, width=width, height=height))
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY])
    if not ok:
        raise ValueError("the storyboard could not be encoded as JPEG")
    sheet.write_bytes(encoded.tobytes())
    return Storyboard(tiles=tiles, interval_seconds=interval, sheet_width=image.shape[1], sheet_height=image.shape[0])


def _vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def webvtt(storyboard: Storyboard, sheet_name: str) -> str:
    """The WebVTT track: one cue per still, its payload the sheet's name with the still's region
    as a media fragment (``sheet_name`` relative to the track's own location)."""
    cues = [
        f"{n}\n{_vtt_time(t.start)} --> {_vtt_time(t.end)}\n{sheet_name}#xywh={t.x},{t.y},{t.width},{t.height}\n"
        for n, t in enumerate(storyboard.tiles, start=1)
    ]
    return "WEBVTT\n\n" + "\n".join(cues)
