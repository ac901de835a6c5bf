"""Camera motion from sparse optical flow (OpenCV: Shi-Tomasi corners tracked by pyramidal
Lucas-Kanade) between consecutive frames, a similarity transform fitted to the tracks (RANSAC):
its translation and scale, per second, classify each pair; the kind that most pairs share is the
clip's. Each sample follows PAIRS_PER_SAMPLE consecutive pairs: a shake turns between them."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from vidscope.style.models import MotionKind, MotionStyle

# Below these the camera is held still: 2 % of the frame's width a second, 2 % of scale a second.
STATIC_SPEED = 0.02
STATIC_ZOOM = 0.02
# Steady motion keeps its direction from frame to frame: the cosine between consecutive moves
# stays above this (60°); a shake turns further.
_STEADY_COSINE = 0.5
# Each sample follows its frame through this many frame pairs.
PAIRS_PER_SAMPLE = 3
_MIN_TRACKS = 8


@dataclass(frozen=True)
class PairMotion:
    dx: float  # frame widths per second, the picture's content moving right
    dy: float  # frame widths per second, down
    zoom: float  # log scale per second


def pair_motion(first: np.ndarray, second: np.ndarray, seconds: float) -> PairMotion | None:
    """The global motion from ``first`` to ``second`` (grey pictures of one size, ``seconds``
    apart), or None when too few corners could be tracked (a flat or cut picture)."""
    corners = cv2.goodFeaturesToTrack(first, maxCorners=200, qualityLevel=0.01, minDistance=8)
    if corners is None or len(corners) < _MIN_TRACKS or seconds <= 0:
        return None
    tracked, status, _ = cv2.calcOpticalFlowPyrLK(first, second, corners, None, winSize=(21, 21), maxLevel=3)
    kept = status.ravel() == 1
    if kept.sum() < _MIN_TRACKS:
        return None
    matrix, _ = cv2.estimateAffinePartial2D(corners[kept], tracked[kept], method=cv2.RANSAC)
    if matrix is None:
        return None
    width = first.shape[1]
    scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    # Translation of the picture's centre, not of its corner: a zoom moves the corner, not the centre.
    centre = np.array([first.shape[1] / 2, first.shape[0] / 2])
    moved = matrix[:, :2] @ centre + matrix[:, 2] - centre
    return PairMotion(
        dx=float(moved[0]) / width / seconds,
        dy=float(moved[1]) / width / seconds,
        zoom=float(np.log(max(scale, 1e-6))) / seconds,
    )


def _mean(pairs: Sequence[PairMotion]) -> PairMotion:
    return PairMotion(
        dx=float(np.mean([p.dx for p in pairs])),
        dy=float(np.mean([p.dy for p in pairs])),
        zoom=float(np.mean([p.zoom for p in pairs])),
    )


def _turns(pairs: Sequence[PairMotion]) -> bool:
    """Whether the picture's motion changes direction from one frame to the next (a shake): the
    angle between consecutive translations is over 60°."""
    for first, second in itertools.pairwise(pairs):
        norms = float(np.hypot(first.dx, first.dy) * np.hypot(second.dx, second.dy))
        if first.dx * second.dx + first.dy * second.dy < _STEADY_COSINE * norms:
            return True
    return False


def sample_kind(pairs: Sequence[PairMotion]) -> MotionKind:
    """The kind of one sample's motion, from consecutive frame pairs (at least one)."""
    mean = _mean(pairs)
    speed = float(np.hypot(mean.dx, mean.dy))
    fastest = max(float(np.hypot(p.dx, p.dy)) for p in pairs)
    if fastest < STATIC_SPEED and abs(mean.zoom) < STATIC_ZOOM:
        return MotionKind.STATIC
    # A zoom moves the frame's edges by half the scale change: compare like with like.
    if abs(mean.zoom) / 2 > fastest:
        return MotionKind.ZOOM
    if _turns(pairs) or speed < STATIC_SPEED:
        return MotionKind.SHAKY
    return MotionKind.PAN if abs(mean.dx) >= abs(mean.dy) else MotionKind.TILT


def motion_style(samples: Sequence[Sequence[PairMotion]]) -> MotionStyle:
    """The clip's motion from its samples, each the consecutive frame pairs measured there (an
    empty one: the pictures could not be tracked)."""
    measured = [s for s in samples if s]
    if not measured:
        return MotionStyle(magnitude=0.0, zoom_rate=0.0, kind=MotionKind.STATIC, kinds={}, samples=0)
    means = [_mean(s) for s in measured]
    counts = Counter(sample_kind(s) for s in measured)
    return MotionStyle(
        magnitude=float(np.median([np.hypot(m.dx, m.dy) for m in means])),
        zoom_rate=float(np.median([m.zoom for m in means])),
        kind=counts.most_common(1)[0][0],
        kinds={kind: count / len(measured) for kind, count in counts.items()},
        samples=len(measured),
    )
