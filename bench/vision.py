"""Vision: a generated 1280x720 30 fps video (10 minutes by default) with known hard cuts,
cross-dissolves, white flashes and burned-in words, through the vision stage and through bare
PySceneDetect, measured side by side in one run.

Printed: shot precision/recall/F1 at +-1 frame and +-0.25 s, for hard cuts and for dissolves
separately (the same for bare PySceneDetect's cuts), cuts wrongly put at flashes, OCR recall (the
share of burned-in words read with an overlapping time range), the wall time of ``see()`` (shots,
keyframes and text) as a share of the media's duration, and the time of shots alone
(``detect_shots``: the same decode and detection, no keyframes, no text) over
``scenedetect.detect(path, AdaptiveDetector())``. Targets (DESIGN §9): vision <= 0.5 x real time
on 2 cores, shots <= 1.2 x bare PySceneDetect, F1 >= 0.95 on hard cuts.

Run: ``python -m bench.vision [--minutes 10]`` (the video and its truth are built once into bench/.cache/).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from scenedetect import AdaptiveDetector, detect

from tests.support.vision_media import VideoTruth, make_video
from vidscope.vision.models import Transition, VisionOutput
from vidscope.vision.stage import detect_shots, see

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
WORDS = ("SPRING SALE", "ADIDAS", "FREE SHIPPING", "NIKE", "LIMITED OFFER", "COCA COLA")
ROUNDS = 2  # shots alone and bare PySceneDetect alternate; each keeps its fastest round


def build(minutes: float) -> VideoTruth:
    """The bench video, ~7 s shots: every 6th transition a 1 s dissolve, a flash in every 5th shot,
    a word over every 3rd; cached with its truth (delete bench/.cache/vision-* after changing
    tests/support/vision_media.py)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"vision-{minutes:g}min-720p.mp4"
    truth_file = path.with_suffix(".json")
    if path.exists() and truth_file.exists():
        return VideoTruth.from_json(truth_file.read_text())
    started = time.perf_counter()
    truth = make_video(
        path,
        width=1280,
        height=720,
        fps=30,
        seconds=minutes * 60,
        shot_seconds=(2.5, 12.0),
        dissolve_every=6,
        flash_every=5,
        text_every=3,
        words=WORDS,
    )
    print(f"built {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    truth_file.write_text(truth.to_json())
    return truth


def matches(truth: list[float], found: list[float], tolerance: float) -> int:
    """How many of ``found`` pair one-to-one with a ``truth`` within ``tolerance`` (greedy, in order)."""
    paired = 0
    pending = sorted(truth)
    for value in sorted(found):
        near = [t for t in pending if abs(t - value) <= tolerance]
        if near:
            pending.remove(min(near, key=lambda t: abs(t - value)))
            paired += 1
    return paired


def scores(label: str, truth: list[float], found: list[float], fps: int) -> None:
    for tolerance, name in ((1.0, "+-1 frame"), (0.25 * fps, "+-0.25 s")):
        hit = matches(truth, found, tolerance)
        precision = hit / len(found) if found else 0.0
        recall = hit / len(truth) if truth else 0.0
        f1 = 2 * precision * recall / (precision + recall) if hit else 0.0
        print(
            f"  {label:<30} {name:<10} P {precision:.3f}  R {recall:.3f}  F1 {f1:.3f}  "
            f"({hit} of {len(truth)} true, {len(found)} found)"
        )


def text_recall(truth: VideoTruth, output: VisionOutput) -> tuple[int, int]:
    read = 0
    for item in truth.texts:
        if any(
            item.text.casefold() in seen.text.casefold() and seen.start < item.end and seen.end > item.start
            for seen in output.text
        ):
            read += 1
    return read, len(truth.texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    truth = build(args.minutes)
    duration = truth.duration

    out_dir = Path(tempfile.mkdtemp(prefix="vision-bench-"))
    started = time.perf_counter()
    output = see(truth.path, out_dir)
    vision_s = time.perf_counter() - started
    shutil.rmtree(out_dir)

    shots_s, bare_s = [], []
    bare_scenes = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        detect_shots(truth.path)
        shots_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        bare_scenes = detect(str(truth.path), AdaptiveDetector())
        bare_s.append(time.perf_counter() - started)

    cuts = [float(shot.start_frame) for shot in output.shots if shot.transition == Transition.CUT]
    fades = [float(shot.start_frame) for shot in output.shots if shot.transition == Transition.FADE]
    bare_cuts = [float(start.frame_num) for start, _ in bare_scenes[1:]]
    true_cuts = [float(frame) for frame in truth.cut_frames]
    true_fades = list(truth.dissolve_midpoints)
    flash_frames = set(truth.flash_frames)
    at_flash = [f for f in cuts + fades if any(abs(f - x) <= 1 for x in flash_frames)]
    bare_at_flash = [f for f in bare_cuts if any(abs(f - x) <= 1 for x in flash_frames)]

    print(
        f"\n{args.minutes:g} min 1280x720 @ {truth.fps} fps: {len(true_cuts)} hard cuts, {len(true_fades)} dissolves, "
        f"{len(flash_frames) // 3} flashes, {len(truth.texts)} burned-in words"
    )
    print(
        f"shots found: {len(output.shots)} ({len(cuts)} cuts, {len(fades)} fades); "
        f"bare PySceneDetect: {len(bare_scenes)} scenes"
    )
    scores("hard cuts (vision)", true_cuts, cuts, truth.fps)
    scores("dissolves (vision)", true_fades, fades, truth.fps)
    scores("hard cuts (bare PySceneDetect)", true_cuts, bare_cuts, truth.fps)
    scores("dissolves (bare PySceneDetect)", true_fades, bare_cuts, truth.fps)
    print(f"  boundaries put at flashes: vision {len(at_flash)}, bare PySceneDetect {len(bare_at_flash)}")
    read, total = text_recall(truth, output)
    print(f"OCR text recall: {read}/{total} = {read / total:.3f} ({len(output.text)} text items reported)")
    print(
        f"see() (shots + keyframes + text): {vision_s:.1f} s = {vision_s / duration:.3f} x real time  (target <= 0.5)"
    )
    print(f"shots alone (detect_shots), rounds: {', '.join(f'{s:.1f}' for s in shots_s)} s")
    print(f"bare PySceneDetect detect(AdaptiveDetector), rounds: {', '.join(f'{s:.1f}' for s in bare_s)} s")
    print(f"ratio shots / bare PySceneDetect: {min(shots_s) / min(bare_s):.2f}  (target <= 1.2)")


if __name__ == "__main__":
    main()
