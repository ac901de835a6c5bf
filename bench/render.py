"""Shorts rendering and the download's remux: a generated 2-minute 1280x720 30 fps H.264 video with
a 48 kHz stereo AAC track, cut into N clips of 30 s at 9:16 (``render_clip``: decode, crop following
the busiest region, scale, encode H.264 veryfast + AAC), then re-packaged whole as mp4 and as m4a
(``remux``).

Printed: each clip's wall time, its time per output second and that as a multiple of real time
(< 1: faster than the clip plays), and the remux time per media minute.

Run: ``python -m bench.render [--clips 3] [--aspect 9:16]`` (the video is built once into bench/.cache/).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from tests.support.media import remux as join_tracks
from tests.support.vision_media import make_video
from vidscope.editing.clips import remux, render_clip

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
SECONDS = 120.0
CLIP_SECONDS = 30.0
AUDIO_RATE = 48_000


def _stereo_track(path: Path, seconds: float) -> None:
    """A 48 kHz stereo AAC track: two tones under quiet noise, so the encoder has real work."""
    rng = np.random.default_rng(3)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=AUDIO_RATE)
        stream.layout = "stereo"
        total = round(seconds * AUDIO_RATE)
        for at in range(0, total, 1024):
            t = np.arange(at, min(total, at + 1024)) / AUDIO_RATE
            left = 0.2 * np.sin(2 * np.pi * 440 * t) + 0.02 * rng.standard_normal(t.size)
            right = 0.2 * np.sin(2 * np.pi * 660 * t) + 0.02 * rng.standard_normal(t.size)
            samples = np.stack([left, right]).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = AUDIO_RATE, at, Fraction(1, AUDIO_RATE)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def build() -> Path:
    """The bench video, cached (delete bench/.cache/render-* after changing the generators)."""
    path = CACHE / "render-2min-720p.mp4"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        make_video(Path(tmp) / "video.mp4", width=1280, height=720, fps=30, seconds=SECONDS, shot_seconds=(3.0, 9.0))
        _stereo_track(Path(tmp) / "audio.m4a", SECONDS)
        join_tracks(path, video=Path(tmp) / "video.mp4", audio=Path(tmp) / "audio.m4a")
    print(f"built {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=3)
    parser.add_argument("--aspect", default="9:16")
    args = parser.parse_args()
    source = build()
    with av.open(str(source)) as container:
        assert container.duration is not None
        media_seconds = container.duration / av.time_base
    gap = (media_seconds - CLIP_SECONDS) / max(1, args.clips - 1)
    per_second = []
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(args.clips):
            start = round(min(index * gap, media_seconds - CLIP_SECONDS), 3)
            out = Path(tmp) / f"clip-{index}.mp4"
            started = time.perf_counter()
            info = render_clip(source, out, start=start, end=start + CLIP_SECONDS, aspect=args.aspect)
            wall = time.perf_counter() - started
            ratio = wall / info.duration_seconds  # seconds of work per second of clip = x real time
            per_second.append(ratio)
            print(
                f"clip {index}: {start:6.1f}-{start + CLIP_SECONDS:6.1f} s -> {info.width}x{info.height} "
                f"{info.duration_seconds:.3f} s, {info.size_bytes / 1e6:.1f} MB in {wall:.2f} s "
                f"({ratio:.3f} s per output second = {ratio:.2f}x real time)",
                flush=True,
            )
        mean = sum(per_second) / len(per_second)
        print(f"render mean: {mean:.3f} s per output second ({mean:.2f}x real time, {1 / mean:.1f}x playback speed)")
        for audio_only, suffix in ((False, "mp4"), (True, "m4a")):
            out = Path(tmp) / f"download.{suffix}"
            started = time.perf_counter()
            packaged = remux(source, out, audio_only=audio_only)
            wall = time.perf_counter() - started
            print(
                f"remux {suffix}: {packaged.duration_seconds:.3f} s (source {media_seconds:.3f} s), "
                f"{packaged.size_bytes / 1e6:.1f} MB (packets copied), {wall:.3f} s "
                f"= {wall / (media_seconds / 60):.3f} s per media minute"
            )


if __name__ == "__main__":
    main()
