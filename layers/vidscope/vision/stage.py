"""The vision stage's entry point: one decode of the video feeds the shot detector, the per-frame
statistics, the keyframe candidates and the text samples; then shots, keyframes and on-screen
text are settled and written to the output folder."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vidscope.vision.frame_hashes import FrameHasher
from vidscope.vision.frames import NoVideoTrack, VideoInfo, probe, read_frames, thumbnail
from vidscope.vision.keyframes import Candidate, CandidateKeeper, choose_keyframes
from vidscope.vision.limits import TextBudget
from vidscope.vision.models import DetectedShot, Transition, VisionOutput
from vidscope.vision.request import VisionRequest
from vidscope.vision.shots import CutFinder, build_shots, drop_false_cuts, find_dissolves, make_cut_detector
from vidscope.vision.text import TextReader, TextSample, TextSampler, is_new_picture, read_screen_text

VISION_FILE = "vision.json"
_log = logging.getLogger(__name__)
DEFAULT_MIN_SHOT_SECONDS = 0.5


@dataclass(frozen=True)
class _Watched:
    """What the single decode saw."""

    info: VideoInfo
    times: list[float]
    duration: float
    thumbs: np.ndarray  # (frames, h, w, 3) uint8
    cuts: list[int]  # the detector's, flashes included
    candidates: list[Candidate]
    samples: list[TextSample]
    hasher: FrameHasher | None


def _watch(video: Path, detector: str, *, keep_keyframes: bool, read_text: bool, hash_frames: bool = False) -> _Watched:
    info = probe(video)
    size = (info.width, info.height)
    finder = CutFinder(detector, info.fps)
    # Candidates keep statistics, not pictures: the chosen ones are decoded again (few, small).
    keeper = CandidateKeeper(size, info.fps, keep_pictures=False) if keep_keyframes else None
    sampler = TextSampler(size) if read_text else None
    hasher = FrameHasher() if hash_frames else None
    times: list[float] = []
    thumbs: list[np.ndarray] = []
    last_duration = 1 / (info.fps or 30.0)
    for frame in read_frames(video, info):
        finder.feed(frame.index, frame.picture)
        thumb = thumbnail(frame.picture)
        if keeper is not None:
            jump = float(np.abs(thumb.astype(np.int16) - thumbs[-1]).mean()) if thumbs else 0.0
            keeper.offer(frame, jump)
        if sampler is not None:
            sampler.offer(frame)
        if hasher is not None:
            hasher.offer(frame.time, frame.luma)
        if frame.source.duration and frame.source.time_base is not None:
            last_duration = float(frame.source.duration * frame.source.time_base)
        times.append(frame.time)
        thumbs.append(thumb)
    if not times:
        raise NoVideoTrack(str(video))
    return _Watched(
        info=info,
        times=times,
        duration=times[-1] + last_duration,
        thumbs=np.stack(thumbs),
        cuts=finder.finish(),
        candidates=keeper.finish() if keeper is not None else [],
        samples=sampler.samples if sampler is not None else [],
        hasher=hasher,
    )


def _settle_shots(watched: _Watched, min_shot_seconds: float) -> list[DetectedShot]:
    fps = watched.info.fps or len(watched.times) / watched.duration
    cuts, dropped = drop_false_cuts(watched.cuts, watched.thumbs, fps, watched.times)
    boundaries = dict.fromkeys(cuts, Transition.CUT)
    for dissolve in find_dissolves(watched.thumbs, cuts, dropped, fps):
        boundaries.setdefault(dissolve.middle, Transition.FADE)
    return build_shots(boundaries, watched.times, watched.duration, min_shot_seconds)


def _check_options(detector: str, min_shot_seconds: float) -> None:
    make_cut_detector(detector)  # raises ValueError for an unknown name
    if not min_shot_seconds >= 0:
        raise ValueError(f"min_shot_seconds must be >= 0, not {min_shot_seconds}")


def detect_shots(
    video: Path, *, detector: str = "adaptive", min_shot_seconds: float = DEFAULT_MIN_SHOT_SECONDS
) -> list[DetectedShot]:
    """Shots alone: the same decode and detection as ``see`` without keyframes or text."""
    _check_options(detector, min_shot_seconds)
    watched = _watch(video, detector, keep_keyframes=False, read_text=False)
    return _settle_shots(watched, min_shot_seconds)


def see(video: Path, out_dir: Path, request: VisionRequest | None = None) -> VisionOutput:
    """Shots, one keyframe per shot, a poster and (if the request reads text) on-screen text of
    ``video``, from one decode. JPEGs and ``vision.json`` are written under ``out_dir``. Raises
    ValueError for a bad option, NoVideoTrack for a file without a video track and
    UnsupportedPicture for pictures too large or too narrow to decode within the caps."""
    request = request if request is not None else VisionRequest(read_text=True)
    detector, read_text = request.shots.detector, request.read_text
    min_shot_seconds = request.shots.min_seconds if request.shots.min_seconds is not None else DEFAULT_MIN_SHOT_SECONDS
    _check_options(detector, min_shot_seconds)
    started = time.perf_counter()
    watched = _watch(video, detector, keep_keyframes=True, read_text=read_text, hash_frames=request.hash_frames)
    shots = _settle_shots(watched, min_shot_seconds)
    seen_at = time.perf_counter()
    size = (watched.info.width, watched.info.height)
    out_dir.mkdir(parents=True, exist_ok=True)
    keyframes, poster, chosen = choose_keyframes(
        shots, watched.candidates, watched.thumbs, size, out_dir, video=video, fps=watched.info.fps
    )
    text = []
    if read_text:
        samples = list(watched.samples)
        for keyframe, candidate in zip(keyframes, chosen, strict=True):
            # A keyframe is read too unless a sample already read shows the same picture.
            if is_new_picture(candidate.change, samples):
                samples.append(
                    TextSample(candidate.frame, candidate.time, candidate.change, candidate.jpeg, file=keyframe.file)
                )
        text = read_screen_text(TextReader(), samples, shots, watched.duration, out_dir, TextBudget())
        _log.info(
            "vision: decoded %d frames and found %d shots in %.1f s; read text on %d frames in %.1f s",
            len(watched.times),
            len(shots),
            seen_at - started,
            sum(sample.jpeg is not None for sample in samples),
            time.perf_counter() - seen_at,
        )
    output = VisionOutput(
        duration_seconds=round(watched.duration, 3),
        fps=round(watched.info.fps, 3),
        frame_count=len(watched.times),
        width=size[0],
        height=size[1],
        shots=shots,
        poster=poster,
        keyframes=keyframes,
        text=text,
        frame_hashes=watched.hasher.finish() if watched.hasher is not None else None,
    )
    (out_dir / VISION_FILE).write_text(output.model_dump_json(indent=1))
    return output
