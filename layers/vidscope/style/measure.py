"""A video's StyleJSON from its file: one decode (PyAV) sampling frames evenly over its length
(colour, texture, and each sample followed over the next frames for motion), its sound, and the shots the
vision stage found. Nothing is decoded past ``max_seconds`` (what the job paid for)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from vidscope.style.audio import audio_style, read_sound
from vidscope.style.colour import TEXTURE_WIDTH, colour_style, texture_style
from vidscope.style.models import StyleJSON
from vidscope.style.motion import PAIRS_PER_SAMPLE, PairMotion, motion_style, pair_motion
from vidscope.style.pacing import pacing_style

# Frames measured over the whole length: one a second for short clips, spread out for long ones.
MAX_SAMPLES = 90
_COLOUR_WIDTH = 160  # the colour statistics' pictures: 14k pixels a frame
_MOTION_WIDTH = 320
# The cut detector: every frame as a 32x18 grey thumbnail; a mean change of more than this many
# grey levels from the frame before is a cut (a pan of 15 % a second moves it by ~3).
_CUT_SIZE = (32, 18)
_CUT_THRESHOLD = 30.0


class _Cuts:
    """Hard cuts found frame by frame, as shot spans."""

    def __init__(self) -> None:
        self._previous: np.ndarray | None = None
        self._starts = [0.0]
        self._end = 0.0

    def see(self, frame: Any, time: float, fps: float) -> None:
        thumb = frame.reformat(width=_CUT_SIZE[0], height=_CUT_SIZE[1], format="gray").to_ndarray().astype(np.int16)
        if self._previous is not None and float(np.abs(thumb - self._previous).mean()) > _CUT_THRESHOLD:
            self._starts.append(time)
        self._previous = thumb
        self._end = time + (1 / fps if fps else 0.0)

    def spans(self) -> list[tuple[float, float]]:
        ends = [*self._starts[1:], self._end]
        return [(start, end) for start, end in zip(self._starts, ends, strict=True) if end > start]


class MediaHasNoVideo(Exception):
    """The file has no video track, or none of its frames could be decoded. Named as the stage
    error it is (``pipeline.errors.MediaHasNoVideo``, MEDIA_HAS_NO_VIDEO): the capability fails alone."""


@dataclass
class FrameSamples:
    """What one decode keeps: BGR pictures TEXTURE_WIDTH wide, and for each the motion over the
    PAIRS_PER_SAMPLE frame pairs after it (fewer where the video ends, or tracking failed)."""

    pictures: list[np.ndarray] = field(default_factory=list)
    motion: list[list[PairMotion]] = field(default_factory=list)
    width: int = 0
    height: int = 0
    fps: float = 0.0
    # Shot spans (start, end seconds) from a cut detector run on every frame: what pacing uses
    # where the vision stage did not see the video (a template).
    cuts: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class _Following:
    """A sample's motion being measured: the last frame seen (grey) and when it was shown."""

    grey: np.ndarray
    time: float
    pairs: list[PairMotion]
    left: int = PAIRS_PER_SAMPLE

    def step(self, grey: np.ndarray, time: float) -> bool:
        """Measure the pair to this frame; whether the sample wants more."""
        moved = pair_motion(self.grey, grey, time - self.time)
        if moved is not None:
            self.pairs.append(moved)
        self.grey, self.time, self.left = grey, time, self.left - 1
        return self.left > 0 and moved is not None


def _resized(picture: np.ndarray, width: int) -> np.ndarray:
    height = max(2, round(picture.shape[0] * width / picture.shape[1]))
    return cv2.resize(picture, (width, height), interpolation=cv2.INTER_AREA)


def frame_times(container: Any, stream: Any, max_seconds: float) -> Iterator[tuple[Any, float]]:
    """The stream's frames with their time from the first frame's pts, up to ``max_seconds``."""
    first_pts = None
    for frame in container.decode(stream):
        if frame.pts is None or frame.time_base is None:
            continue
        first_pts = frame.pts if first_pts is None else first_pts
        time = float((frame.pts - first_pts) * frame.time_base)
        if time > max_seconds:
            return
        yield frame, time


def sample_frames(video: Path, *, duration_seconds: float, max_seconds: float) -> FrameSamples:
    """Up to MAX_SAMPLES frames evenly spread over ``duration_seconds`` (at least a second apart),
    each with its motion over the next frames. Raises MediaHasNoVideo without a decodable video track."""
    import av  # deferred: only measuring and rendering decode

    step = max(1.0, min(duration_seconds, max_seconds) / MAX_SAMPLES)
    samples = FrameSamples()
    with av.open(str(video)) as container:
        if not container.streams.video:
            raise MediaHasNoVideo("the media has no video track")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = stream.average_rate or stream.guessed_rate
        samples.fps = float(rate) if rate else 0.0
        next_time, following, cuts = 0.0, None, _Cuts()
        for frame, time in frame_times(container, stream, max_seconds):
            cuts.see(frame, time, samples.fps)
            if following is None and time < next_time:
                continue  # neither a sample nor a frame a sample follows: never converted
            picture = frame.to_ndarray(format="bgr24")
            samples.width, samples.height = frame.width, frame.height
            grey = cv2.cvtColor(_resized(picture, _MOTION_WIDTH), cv2.COLOR_BGR2GRAY)
            if following is not None and not following.step(grey, time):
                following = None
            if following is None and time >= next_time and len(samples.pictures) < MAX_SAMPLES:
                samples.pictures.append(_resized(picture, TEXTURE_WIDTH))
                following = _Following(grey, time, [])
                samples.motion.append(following.pairs)
                next_time += step
    if not samples.pictures:
        raise MediaHasNoVideo("no frame of the video could be decoded")
    samples.cuts = cuts.spans()
    return samples


def measure(
    video: Path,
    *,
    duration_seconds: float,
    shots: Sequence[tuple[float, float]],
    max_seconds: float,
) -> StyleJSON:
    """The StyleJSON of ``video`` (``shots``: its shots' (start, end) seconds)."""
    samples = sample_frames(video, duration_seconds=duration_seconds, max_seconds=max_seconds)
    return style_of(samples, read_sound(video, max_seconds=max_seconds), duration_seconds, shots)


def colour_pictures(samples: FrameSamples) -> list[np.ndarray]:
    """The samples at the size colour is measured at."""
    return [_resized(p, _COLOUR_WIDTH) for p in samples.pictures]


def style_of(
    samples: FrameSamples,
    sound: np.ndarray | None,
    duration_seconds: float,
    shots: Sequence[tuple[float, float]],
) -> StyleJSON:
    return StyleJSON(
        duration_seconds=duration_seconds,
        width=samples.width,
        height=samples.height,
        fps=samples.fps,
        frames_sampled=len(samples.pictures),
        colour=colour_style(colour_pictures(samples)),
        texture=texture_style(samples.pictures),
        pacing=pacing_style(shots, duration_seconds),
        motion=motion_style(samples.motion),
        audio=audio_style(sound) if sound is not None else None,
    )
