"""The one decode of a video (PyAV): every frame decoded once; at most MAX_ANALYSIS_FPS of them a
second (by their timestamps) become the small pictures the detectors and statistics work on, with a
handle on the decoded frame so that the few frames read for text are converted at the decoded
size (inside 1280x720) only when chosen; keyframes are decoded again by time once chosen
(``pictures_at``). Sources too large or too oddly shaped are refused before anything is decoded."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
from scenedetect.scene_manager import compute_downscale_factor

from vidscope.vision.limits import (
    MAX_ANALYSIS_FPS,
    MAX_ASPECT,
    MAX_SOURCE_PIXELS,
    MIN_ANALYSIS_INTERVAL,
    UnsupportedPicture,
)
from vidscope.vision.sizes import decoded_size

# Statistics (flash, dissolve, change) compare tiny pictures: 32x18 blurs motion and noise away
# while a new scene, a flash or a caption still moves its pixels.
THUMB_SIZE = (32, 18)
# Text appearing on an unchanged picture is a local change: compared cell by cell on this grey.
CHANGE_SIZE = (128, 72)
CHANGE_GRID = 8


class NoVideoTrack(Exception):
    """The file has no video track: frame capabilities cannot run on it."""


@dataclass(frozen=True)
class VideoInfo:
    fps: float  # the header's rate, at most MAX_ANALYSIS_FPS: the rate frames are analysed at
    width: int  # the decoded size: inside 1280x720, aspect kept
    height: int
    analysis_width: int  # the detectors' size, as PySceneDetect would downscale the source
    analysis_height: int


@dataclass(frozen=True)
class Frame:
    index: int  # counts analysed frames (at most MAX_ANALYSIS_FPS a second) from 0
    time: float  # seconds from the first frame, from its pts
    picture: np.ndarray  # BGR at the analysis size
    luma: np.ndarray  # grey at the analysis size
    source: av.VideoFrame  # kept only by whoever needs the full picture; converted by to_bgr


def check_picture(width: int, height: int) -> None:
    """Raises UnsupportedPicture for a picture above MAX_SOURCE_PIXELS or beyond MAX_ASPECT."""
    if width * height > MAX_SOURCE_PIXELS:
        raise UnsupportedPicture(
            f"{width}x{height} pictures are larger than the {MAX_SOURCE_PIXELS / 1e6:.1f} megapixels supported"
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise UnsupportedPicture(
            f"{width}x{height} pictures are more than {MAX_ASPECT:g} times wider than high, or higher than wide"
        )


def to_bgr(frame: av.VideoFrame, size: tuple[int, int]) -> np.ndarray:
    """The frame as a BGR picture of ``size`` (width, height), colours converted by libswscale."""
    return frame.reformat(width=size[0], height=size[1], format="bgr24", interpolation="AREA").to_ndarray()


def _yuv_planes(frame: av.VideoFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # The per-frame work happens at the analysis size, so reading the planes as they are and
    # resizing them with OpenCV is ~2x faster than asking libswscale for a full BGR frame.
    if frame.format.name not in ("yuv420p", "yuvj420p"):
        frame = frame.reformat(format="yuv420p")
    planes = []
    for number, plane in enumerate(frame.planes):
        width = frame.width if number == 0 else (frame.width + 1) // 2
        height = frame.height if number == 0 else (frame.height + 1) // 2
        rows = np.frombuffer(memoryview(plane), np.uint8).reshape(-1, plane.line_size)
        planes.append(rows[:height, :width])
    return planes[0], planes[1], planes[2]


def small_pictures(frame: av.VideoFrame, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The frame at the analysis size as (BGR, grey)."""
    y, u, v = _yuv_planes(frame)
    luma = cv2.resize(y, size, interpolation=cv2.INTER_AREA)
    # Chroma is smooth and its scale factor rarely whole: bilinear costs a third of INTER_AREA.
    chroma = [cv2.resize(plane, size, interpolation=cv2.INTER_LINEAR) for plane in (u, v)]
    picture = cv2.cvtColor(cv2.merge([luma, *chroma]), cv2.COLOR_YUV2BGR)
    return picture, luma


def thumbnail(picture: np.ndarray) -> np.ndarray:
    return cv2.resize(picture, THUMB_SIZE, interpolation=cv2.INTER_AREA)


def change_picture(luma: np.ndarray) -> np.ndarray:
    return cv2.resize(luma, CHANGE_SIZE, interpolation=cv2.INTER_AREA)


def local_change(a: np.ndarray, b: np.ndarray) -> float:
    """The largest mean grey difference over a CHANGE_GRID x CHANGE_GRID grid of cells: a caption
    appearing moves one cell a lot even when the whole picture barely changes."""
    diff = cv2.absdiff(a, b).astype(np.float32)
    cells = cv2.resize(diff, (CHANGE_GRID, CHANGE_GRID), interpolation=cv2.INTER_AREA)
    return float(cells.max())


def probe(video: Path) -> VideoInfo:
    """The decoded and analysis sizes and frame rate, from the container's headers. Raises
    NoVideoTrack without a video track and UnsupportedPicture for pictures beyond the caps."""
    with av.open(str(video)) as container:
        if not container.streams.video:
            raise NoVideoTrack(str(video))
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        rate = stream.average_rate or stream.guessed_rate
        fps = min(float(rate), MAX_ANALYSIS_FPS) if rate else 0.0
    if width <= 0 or height <= 0:
        raise NoVideoTrack(str(video))
    check_picture(width, height)
    factor = compute_downscale_factor(width)
    analysis = (max(1, round(width / factor)), max(1, round(height / factor)))
    decoded = decoded_size(width, height)
    return VideoInfo(fps, decoded[0], decoded[1], analysis[0], analysis[1])


class _FrameClock:
    """A decoded frame's time: its pts relative to the first frame's, or (without a pts) one frame
    interval after the previous frame."""

    def __init__(self, fps: float) -> None:
        self._interval = 1 / (fps or MAX_ANALYSIS_FPS)
        self._first_pts: int | None = None
        self._previous = -math.inf

    def time(self, frame: av.VideoFrame) -> float:
        if frame.pts is None or frame.time_base is None:
            time = max(self._previous + self._interval, 0.0)
        else:
            if self._first_pts is None:
                self._first_pts = frame.pts
            time = float((frame.pts - self._first_pts) * frame.time_base)
        self._previous = time
        return time


def read_frames(video: Path, info: VideoInfo) -> Iterator[Frame]:
    """The first video track's frames in presentation order, timed from their pts relative to the
    first frame's, skipping every frame shown less than MIN_ANALYSIS_INTERVAL after the last one
    yielded (a higher frame rate than MAX_ANALYSIS_FPS, or timestamps that go back). Raises
    UnsupportedPicture when a decoded frame is beyond the caps (a stream may change size)."""
    size = (info.analysis_width, info.analysis_height)
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        clock = _FrameClock(info.fps)
        last_kept = -math.inf
        index = 0
        for source in container.decode(stream):
            time = clock.time(source)
            if time - last_kept < MIN_ANALYSIS_INTERVAL:
                continue
            check_picture(source.width, source.height)
            last_kept = time
            picture, luma = small_pictures(source, size)
            yield Frame(index, time, picture, luma, source)
            index += 1


# Decoding on from where the decoder is costs less than a seek when the next wanted frame is this
# close; further on, seeking to the keyframe before it skips the frames between.
_SEEK_AFTER_SECONDS = 2.0


def pictures_at(video: Path, fps: float, times: list[float], size: tuple[int, int]) -> dict[float, np.ndarray]:
    """The BGR pictures (at ``size``) of the frames ``read_frames`` timed at ``times`` (``fps``: the
    VideoInfo's), decoded again: in time order, seeking to the keyframe before a wanted frame when
    it is far ahead. A time no frame shows (past the end) is missing from the result."""
    wanted = sorted(set(times))
    found: dict[float, np.ndarray] = {}
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        clock = _FrameClock(fps)
        frames = container.decode(stream)
        first = next(frames, None)
        if first is None:
            return found
        frame: av.VideoFrame | None = first
        time = clock.time(first)
        origin = (first.pts, first.time_base) if first.pts is not None and first.time_base is not None else None
        for target in wanted:
            if origin is not None and frame is not None and target - time > _SEEK_AFTER_SECONDS:
                container.seek(origin[0] + int(target / origin[1]), stream=stream, backward=True)
                frames = container.decode(stream)
                frame = None
            while frame is None or time < target - 1e-6:
                frame = next(frames, None)
                if frame is None:
                    return found
                time = clock.time(frame)
            found[target] = to_bgr(frame, size)
    return found
