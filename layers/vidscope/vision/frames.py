"""The one decode of a video (PyAV): every frame once, as the small picture the detectors and the
statistics work on, plus a handle on the decoded frame so that the few frames kept as keyframes
or read for text are converted at full (at most 720p) size only when chosen."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
from scenedetect.scene_manager import compute_downscale_factor

MAX_LINES = 720
# Statistics (flash, dissolve, change) compare tiny pictures: 32x18 blurs motion and noise away
# while a new scene, a flash or a caption still moves its pixels.
THUMB_SIZE = (32, 18)
# Text appearing on an unchanged picture is a local change: compared cell by cell on this grey.
CHANGE_SIZE = (128, 72)
CHANGE_GRID = 8


class MediaHasNoVideo(Exception):
    """The file has no video track: frame capabilities cannot run on it."""


@dataclass(frozen=True)
class VideoInfo:
    fps: float
    width: int  # the decoded size: at most MAX_LINES lines, aspect kept
    height: int
    analysis_width: int  # the detectors' size, as PySceneDetect would downscale the source
    analysis_height: int


@dataclass(frozen=True)
class Frame:
    index: int
    time: float  # seconds from the first frame, from its pts
    picture: np.ndarray  # BGR at the analysis size
    luma: np.ndarray  # grey at the analysis size
    source: av.VideoFrame  # kept only by whoever needs the full picture; converted by to_bgr


def decoded_size(width: int, height: int) -> tuple[int, int]:
    """At most MAX_LINES lines, aspect kept, even sides (what H.264/JPEG tools expect)."""
    if height <= MAX_LINES:
        return width - width % 2, height - height % 2
    scaled_width = round(width * MAX_LINES / height)
    return scaled_width - scaled_width % 2, MAX_LINES


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
    """The decoded and analysis sizes and frame rate, from the container's headers."""
    with av.open(str(video)) as container:
        if not container.streams.video:
            raise MediaHasNoVideo(str(video))
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else 0.0
    if width <= 0 or height <= 0:
        raise MediaHasNoVideo(str(video))
    factor = compute_downscale_factor(width)
    analysis = (max(1, round(width / factor)), max(1, round(height / factor)))
    decoded = decoded_size(width, height)
    return VideoInfo(fps, decoded[0], decoded[1], analysis[0], analysis[1])


def read_frames(video: Path, info: VideoInfo) -> Iterator[Frame]:
    """Every frame of the first video track, in presentation order, timed from its pts relative
    to the first frame's."""
    size = (info.analysis_width, info.analysis_height)
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        first_pts: int | None = None
        previous_time = -math.inf
        for index, source in enumerate(container.decode(stream)):
            if source.pts is None or source.time_base is None:
                time = max(previous_time + 1 / (info.fps or 30.0), 0.0)
            else:
                if first_pts is None:
                    first_pts = source.pts
                time = float((source.pts - first_pts) * source.time_base)
            previous_time = time
            picture, luma = small_pictures(source, size)
            yield Frame(index, time, picture, luma, source)
