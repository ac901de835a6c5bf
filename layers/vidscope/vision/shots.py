"""Shots: hard cuts from PySceneDetect's detectors fed frame by frame, flashes taken back out,
dissolves and fades found on the per-frame statistics, then shots too short merged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scenedetect import AdaptiveDetector, ContentDetector, FrameTimecode, SceneDetector

from vidscope.vision.limits import FLASH_SECONDS, MAX_FLASH_FRAMES
from vidscope.vision.models import DetectedShot, Transition

DETECTORS = ("adaptive", "content")
# PySceneDetect's own minimum scene length would hide the end of a flash behind its start and
# keep the start; the flash check below judges both, so the detector only skips 2-frame blips.
_DETECTOR_MIN_SCENE_FRAMES = 2
# "The same picture" across a flash, as a mean thumbnail difference (0-255): a share of the jump
# into the flash, but never as much as two different scenes differ, or a flash followed by a real
# cut would hide the cut.
_SAME_PICTURE_MIN = 6.0
_SAME_PICTURE_MAX = 14.0
# A thumbnail pixel whose B+G+R moved more than this changed. A cut changes nearly all of them
# (>= 0.87 of them in the bench), a caption plate popping on a quarter: below this share, an overlay.
_CHANGED_PIXEL = 45
_OVERLAY_MAX_SHARE = 0.5
# Dissolves are looked for at two scales, so both quick (~0.3 s) and slow (~2 s) ones are found.
DISSOLVE_HALF_WINDOWS_SECONDS = (0.5, 1.0)
# Dissolves are judged on the mean colours of a coarse grid: linear under blending, like pixels,
# but barely moved by motion inside a scene.
_DISSOLVE_GRID = (4, 3)
# Mean grid difference (0-255) between the two ends of a dissolve: different scenes (the bench's
# dissolves reach 30-46; slow motion of a large object inside one shot reaches ~20).
_DISSOLVE_MIN_CHANGE = 24.0
# In a dissolve the middle frame is the average of its ends (a hard cut's is one of them: 0.5).
_DISSOLVE_MAX_NONLINEARITY = 0.25
# Just outside a dissolve the picture is steady; a pan or zoom keeps changing at the same pace.
_DISSOLVE_MAX_OUTER_CHANGE = 0.35
# A dissolve gets there in many small steps; a caption popping on, or a cut, in one.
_DISSOLVE_MAX_STEP = 0.2


def make_cut_detector(name: str) -> SceneDetector:
    """PySceneDetect's detector for ``name`` ("adaptive" or "content")."""
    if name == "adaptive":
        return AdaptiveDetector(min_scene_len=_DETECTOR_MIN_SCENE_FRAMES)
    if name == "content":
        return ContentDetector(min_scene_len=_DETECTOR_MIN_SCENE_FRAMES)
    raise ValueError(f"unknown shot detector {name!r}: expected one of {', '.join(DETECTORS)}")


class CutFinder:
    """Feeds a PySceneDetect detector the analysis-size frames; collects the frames it cuts at."""

    def __init__(self, detector: str, fps: float) -> None:
        self._detector = make_cut_detector(detector)
        self._fps = fps or 30.0
        self._last: FrameTimecode | None = None
        self.cuts: list[int] = []

    def feed(self, index: int, picture: np.ndarray) -> None:
        self._last = FrameTimecode(index, fps=self._fps)
        self.cuts.extend(cut.frame_num for cut in self._detector.process_frame(self._last, picture))

    def finish(self) -> list[int]:
        if self._last is not None:
            self.cuts.extend(cut.frame_num for cut in self._detector.post_process(self._last))
        return sorted({cut for cut in self.cuts if cut > 0})


def _is_overlay(thumbs: np.ndarray, cut: int) -> bool:
    """A caption plate or logo popping on changes a part of the picture; a cut changes most of it."""
    diff = np.abs(thumbs[cut].astype(np.int16) - thumbs[cut - 1].astype(np.int16)).sum(axis=-1)
    return float(np.count_nonzero(diff > _CHANGED_PIXEL)) / float(diff.size) < _OVERLAY_MAX_SHARE


def _frame_times(count: int, fps: float, times: Sequence[float] | None) -> np.ndarray:
    if times is not None:
        return np.asarray(times, dtype=np.float64)
    return np.arange(count, dtype=np.float64) / (fps or 30.0)


def _is_blip(thumbs: np.ndarray, times: np.ndarray, cut: int) -> bool:
    """Whether a frame before ``cut`` and one from ``cut`` on, at most FLASH_SECONDS (and at most
    MAX_FLASH_FRAMES frames) apart, show the same picture: what comes after the cut is a blip.
    At most MAX_FLASH_FRAMES^2 / 2 pairs, compared in one numpy step."""
    low = max(0, cut - MAX_FLASH_FRAMES)
    high = min(len(thumbs), cut + MAX_FLASH_FRAMES)
    window = thumbs[low:high].reshape(high - low, -1).astype(np.int16)
    before = np.arange(low, cut)[:, None]
    after = np.arange(cut, high)[None, :]
    gap = after - before
    # Two frames always count as a possible blip, so that low frame rates still drop one-frame flashes.
    close = (gap <= MAX_FLASH_FRAMES) & ((gap <= 2) | (times[after] - times[before] <= FLASH_SECONDS + 1e-6))
    close &= (after > cut) | (before < cut - 1)  # the cut's own pair is the jump
    if not close.any():
        return False
    jump = float(np.abs(window[cut - low] - window[cut - 1 - low]).mean())
    same = min(max(_SAME_PICTURE_MIN, 0.3 * jump), _SAME_PICTURE_MAX)
    pairs_before, pairs_after = np.nonzero(close)
    distances = np.abs(window[pairs_before] - window[cut - low + pairs_after]).mean(axis=1)
    return bool((distances <= same).any())


def drop_false_cuts(
    cuts: list[int], thumbs: np.ndarray, fps: float, times: Sequence[float] | None = None
) -> tuple[list[int], list[int]]:
    """Split ``cuts`` into (kept, dropped). Dropped: flashes and other blips (a frame just before
    the cut and one just after it, at most FLASH_SECONDS apart by their ``times``, show the same
    picture) and overlays popping on or off (only a small part of the picture changes). Without
    ``times``, frames are taken as 1 / ``fps`` apart. Linear in the cuts: each compares a window
    of at most MAX_FLASH_FRAMES frames on either side."""
    frame_times = _frame_times(len(thumbs), fps, times)
    kept: list[int] = []
    flashes: list[int] = []
    for cut in cuts:
        if _is_overlay(thumbs, cut) or _is_blip(thumbs, frame_times, cut):
            flashes.append(cut)
        else:
            kept.append(cut)
    return kept, flashes


def _mean_diff(thumbs: np.ndarray, shift: int) -> np.ndarray:
    """d[i] = mean |T[i] - T[i - shift]| for i >= shift (NaN before), computed in chunks."""
    flat = thumbs.reshape(len(thumbs), -1)
    out = np.full(len(flat), np.nan, dtype=np.float32)
    for start in range(shift, len(flat), 4096):
        stop = min(len(flat), start + 4096)
        a = flat[start:stop].astype(np.int16)
        b = flat[start - shift : stop - shift].astype(np.int16)
        out[start:stop] = np.abs(a - b).mean(axis=1)
    return out


def _nonlinearity(thumbs: np.ndarray, half: int) -> np.ndarray:
    """e[i] = mean |T[i] - (T[i - half] + T[i + half]) / 2|, NaN where the window leaves the video."""
    flat = thumbs.reshape(len(thumbs), -1)
    out = np.full(len(flat), np.nan, dtype=np.float32)
    for start in range(half, len(flat) - half, 4096):
        stop = min(len(flat) - half, start + 4096)
        middle = flat[start:stop].astype(np.float32)
        ends = (flat[start - half : stop - half].astype(np.float32) + flat[start + half : stop + half]) / 2
        out[start:stop] = np.abs(middle - ends).mean(axis=1)
    return out


@dataclass(frozen=True)
class Dissolve:
    start: int
    middle: int
    end: int


def find_dissolves(thumbs: np.ndarray, cuts: list[int], flashes: list[int], fps: float) -> list[Dissolve]:
    """Gradual transitions (cross-dissolves, fades to and from black): windows whose two ends
    differ a lot, whose middle is the average of its ends, with steady pictures on either side
    and no hard cut or flash inside. Written here because PySceneDetect has no dissolve detector
    (its ThresholdDetector finds fades to black only, on a separate pass)."""
    grid = np.stack([cv2.resize(thumb, _DISSOLVE_GRID, interpolation=cv2.INTER_AREA) for thumb in thumbs])
    n = len(grid)
    found: list[Dissolve] = []
    blocked = np.zeros(n + 1, dtype=np.int32)
    for frame in cuts + flashes:
        blocked[frame] += 1
    blocked_before = np.cumsum(blocked)  # hard cuts and flashes at frames <= i
    frame_step = _mean_diff(grid, 1)
    for seconds in DISSOLVE_HALF_WINDOWS_SECONDS:
        half = max(2, round(seconds * fps))
        if n <= 4 * half:
            continue
        change = _mean_diff(grid, 2 * half)  # change[i + half]: T[i + half] vs T[i - half]
        step = _mean_diff(grid, half)
        nonlinear = _nonlinearity(grid, half)
        # biggest_step[i]: the largest frame-to-frame change in the window centred on i.
        biggest_step = np.full(n, np.inf, dtype=np.float32)
        biggest_step[half : n - half] = sliding_window_view(np.nan_to_num(frame_step, nan=np.inf), 2 * half)[1:].max(
            axis=1
        )
        flash_span = round(FLASH_SECONDS * fps)
        mask = np.zeros(n, dtype=bool)
        for i in range(2 * half, n - 2 * half):
            ends = change[i + half]
            if not ends >= _DISSOLVE_MIN_CHANGE or not nonlinear[i] <= _DISSOLVE_MAX_NONLINEARITY * ends:
                continue
            if max(step[i - half], step[i + 2 * half]) > _DISSOLVE_MAX_OUTER_CHANGE * ends:
                continue
            if biggest_step[i] > _DISSOLVE_MAX_STEP * ends:
                continue
            low, high = max(0, i - half - flash_span), min(n, i + half + flash_span)
            mask[i] = blocked_before[high] == blocked_before[low]
        found.extend(_runs_to_dissolves(mask, change, half))
    return _merge_overlapping(found)


def _runs_to_dissolves(mask: np.ndarray, change: np.ndarray, half: int) -> list[Dissolve]:
    found: list[Dissolve] = []
    indices = np.flatnonzero(mask)
    if not len(indices):
        return found
    breaks = np.flatnonzero(np.diff(indices) > 2) + 1
    for run in np.split(indices, breaks):
        weights = change[run + half].astype(np.float64)
        middle = round(float((run * weights).sum() / weights.sum()))
        found.append(Dissolve(int(run[0]), middle, int(run[-1]) + 1))
    return found


def _merge_overlapping(dissolves: list[Dissolve]) -> list[Dissolve]:
    merged: list[Dissolve] = []
    for dissolve in sorted(dissolves, key=lambda d: d.start):
        if merged and dissolve.start <= merged[-1].end:
            last = merged[-1]
            # The longer window sees a slow dissolve whole; keep the wider run's middle.
            wider = dissolve if dissolve.end - dissolve.start > last.end - last.start else last
            merged[-1] = Dissolve(min(last.start, dissolve.start), wider.middle, max(last.end, dissolve.end))
        else:
            merged.append(dissolve)
    return merged


def build_shots(
    boundaries: dict[int, Transition],
    times: list[float],
    duration: float,
    min_shot_seconds: float,
) -> list[DetectedShot]:
    """Contiguous shots over [0, duration] from the frames where shots start; a shot shorter than
    ``min_shot_seconds`` joins the one before it (the first joins the one after it)."""
    frame_count = len(times)

    def start_time(frame: int) -> float:
        return times[frame] if frame < frame_count else duration

    starts = sorted(frame for frame in boundaries if 0 < frame < frame_count)
    edges = [0, *starts, frame_count]
    changed = True
    while changed and len(edges) > 2:
        changed = False
        for number in range(len(edges) - 1):
            if start_time(edges[number + 1]) - start_time(edges[number]) < min_shot_seconds:
                # Drop this short shot's start, or for the first shot its end.
                del edges[number if number > 0 else 1]
                changed = True
                break
    shots = []
    for number in range(len(edges) - 1):
        first, last = edges[number], edges[number + 1]
        shots.append(
            DetectedShot(
                index=number,
                start=round(start_time(first), 3),
                end=round(start_time(last), 3),
                start_frame=first,
                end_frame=last,
                transition=Transition.START if number == 0 else boundaries[first],
            )
        )
    return shots
