"""Keyframes: while the video decodes, the best-looking frame of every half second (and of every
stretch between visible jumps) is noted as a candidate (its statistics, not its picture); once the
shots are known, each shot takes the candidate that is sharp, well exposed, away from its
transitions and closest to its typical look, and only those frames are decoded again, by time, to
be written as JPEGs. Memory stays flat however long the video: a candidate is ~10 KB (its change
picture), not a 720p JPEG."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from vidscope.vision.frames import Frame, change_picture, pictures_at, to_bgr
from vidscope.vision.models import DetectedShot, Keyframe

KEYFRAME_DIR = "keyframes"
JPEG_QUALITY = 88
CANDIDATE_SECONDS = 0.5
# A thumbnail jump this large (0-255) is probably a cut: the candidate part ends there, so that a
# short shot still gets a candidate of its own.
_JUMP = 25.0
# Keyframes stay clear of the shot's first and last tenth (at least this many frames): transitions.
_EDGE_SHARE = 0.1
_EDGE_MIN_FRAMES = 3
# How much looking like the rest of the shot counts against sharpness: a thumbnail distance of
# this much halves a candidate's score.
_TYPICAL_DISTANCE = 20.0


@dataclass(frozen=True)
class Candidate:
    frame: int
    time: float
    jpeg: bytes | None  # the picture: only once chosen (or with keep_pictures)
    sharpness: float
    brightness: float
    quality: float
    change: np.ndarray  # the grey at CHANGE_SIZE: whether text was already read on this picture


def frame_quality(luma: np.ndarray) -> tuple[float, float, float]:
    """(sharpness as Laplacian variance, mean brightness 0-255, quality): quality grows with
    sharpness and falls towards 0 for black, blown-out or mostly clipped frames."""
    sharpness = float(cv2.Laplacian(luma, cv2.CV_32F).var())
    brightness = float(luma.mean())
    clipped = float(np.count_nonzero((luma < 16) | (luma > 240))) / luma.size
    exposure = min(1.0, brightness / 60.0, (255.0 - brightness) / 60.0) * (1.0 - clipped)
    return sharpness, brightness, math.log1p(sharpness) * max(0.0, exposure)


def encode_jpeg(picture: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError("OpenCV could not encode a JPEG")
    return data.tobytes()


class CandidateKeeper:
    """Keeps, per part of the video (CANDIDATE_SECONDS long, cut short at jumps), its best frame.
    ``keep_pictures``: each candidate also holds its picture as a JPEG (memory grows with the
    video's length; without it, ``choose_keyframes`` decodes the chosen frames again)."""

    def __init__(self, size: tuple[int, int], fps: float, *, keep_pictures: bool = True) -> None:
        self._size = size
        self._keep_pictures = keep_pictures
        self._part_frames = max(1, round(CANDIDATE_SECONDS * (fps or 30.0)))
        self._part_start = 0
        self._best: tuple[float, Frame, float, float] | None = None
        self.candidates: list[Candidate] = []

    def offer(self, frame: Frame, jump: float) -> None:
        if jump >= _JUMP or frame.index - self._part_start >= self._part_frames:
            self._close()
            self._part_start = frame.index
        sharpness, brightness, quality = frame_quality(frame.luma)
        if self._best is None or quality > self._best[0]:
            self._best = (quality, frame, sharpness, brightness)

    def finish(self) -> list[Candidate]:
        self._close()
        return self.candidates

    def _close(self) -> None:
        if self._best is None:
            return
        quality, frame, sharpness, brightness = self._best
        jpeg = encode_jpeg(to_bgr(frame.source, self._size)) if self._keep_pictures else None
        change = change_picture(frame.luma)
        self.candidates.append(Candidate(frame.index, frame.time, jpeg, sharpness, brightness, quality, change))
        self._best = None


def _pick(shot: DetectedShot, candidates: list[Candidate], thumbs: np.ndarray) -> Candidate:
    inside = [c for c in candidates if shot.start_frame <= c.frame < shot.end_frame]
    if not inside:  # only when a shot is shorter than one frame's worth of parts: take the nearest
        middle = (shot.start_frame + shot.end_frame) / 2
        return min(candidates, key=lambda c: abs(c.frame - middle))
    edge = max(_EDGE_MIN_FRAMES, round(_EDGE_SHARE * (shot.end_frame - shot.start_frame)))
    inner = [c for c in inside if shot.start_frame + edge <= c.frame < shot.end_frame - edge] or inside
    typical = thumbs[shot.start_frame : shot.end_frame].mean(axis=0)

    def score(candidate: Candidate) -> float:
        distance = float(np.abs(thumbs[candidate.frame].astype(np.float32) - typical).mean())
        return candidate.quality / (1.0 + distance / _TYPICAL_DISTANCE)

    return max(inner, key=score)


def _with_pictures(chosen: list[Candidate], size: tuple[int, int], video: Path | None, fps: float) -> list[Candidate]:
    """``chosen`` with their JPEGs: those kept while decoding, the others decoded again from ``video``."""
    missing = sorted({c.time for c in chosen if c.jpeg is None})
    if not missing:
        return chosen
    if video is None:
        raise ValueError("keyframe candidates hold no pictures: choose_keyframes needs the video")
    pictures = pictures_at(video, fps, missing, size)
    jpegs = {time: encode_jpeg(picture) for time, picture in pictures.items()}
    lost = [c.time for c in chosen if c.jpeg is None and c.time not in jpegs]
    if lost:
        raise RuntimeError(f"the frames at {lost} s could not be decoded again")
    return [c if c.jpeg is not None else replace(c, jpeg=jpegs[c.time]) for c in chosen]


def _keyframe(candidate: Candidate, shot_index: int | None, name: str, size: tuple[int, int]) -> Keyframe:
    return Keyframe(
        shot_index=shot_index,
        time=round(candidate.time, 3),
        frame=candidate.frame,
        file=f"{KEYFRAME_DIR}/{name}",
        width=size[0],
        height=size[1],
        sharpness=round(candidate.sharpness, 2),
        brightness=round(candidate.brightness, 2),
    )


def choose_keyframes(
    shots: list[DetectedShot],
    candidates: list[Candidate],
    thumbs: np.ndarray,
    size: tuple[int, int],
    out_dir: Path,
    *,
    video: Path | None = None,
    fps: float = 0.0,
) -> tuple[list[Keyframe], Keyframe, list[Candidate]]:
    """One keyframe per shot and the poster, written as JPEGs under ``out_dir``; also returns the
    chosen candidates in shot order, with their pictures (they are read for text). Candidates kept
    without pictures are decoded again from ``video`` (``fps``: its VideoInfo's)."""
    folder = out_dir / KEYFRAME_DIR
    folder.mkdir(parents=True, exist_ok=True)
    chosen = _with_pictures([_pick(shot, candidates, thumbs) for shot in shots], size, video, fps)
    keyframes: list[Keyframe] = []
    for shot, candidate in zip(shots, chosen, strict=True):
        name = f"shot_{shot.index:04d}.jpg"
        (folder / name).write_bytes(candidate.jpeg or b"")
        keyframes.append(_keyframe(candidate, shot.index, name, size))
    # The poster: a good-looking keyframe of a shot that lasts, not a one-second insert.
    best = max(
        range(len(shots)),
        key=lambda n: chosen[n].quality * math.log1p(shots[n].end - shots[n].start),
    )
    (folder / "poster.jpg").write_bytes(chosen[best].jpeg or b"")
    return keyframes, _keyframe(chosen[best], None, "poster.jpg", size), chosen
