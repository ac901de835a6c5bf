"""Abuse: the worst job we can build on each path against an honest job on the same path, in
CPU-seconds per credit charged (DESIGN §7: worst / honest <= 3), measured side by side in one run.

Paths and what a job there is charged (``vidscope.catalog.cost_breakdown``, for the billed duration
``inspect_media`` finds, as ingestion does: the longest track the job reads, pictures denser than
1080p30 weighted by their pixel rate):

- vision: shots + thumbnails + on_screen_text (``see`` with text, and the stills the worker renders)
- ocr: on_screen_text alone (``see`` with text, no stills)
- download: download as mp4 (``remux``: copied, never re-encoded; a codec mp4 does not carry is
  refused, uncharged)
- render: shorts' clips (``render_clip``); charged the shorts price alone, although a shorts job
  pays its transcription too (the ratio would only fall)

Every job runs in a fresh process (spawned, so nothing is cached from an earlier job, as in a
worker); its CPU time is that process's user + system time (all threads) from the start of the
inspection to the end of the work, imports excluded. A file ingestion refuses (MediaUnsupported)
costs only its inspection and is charged nothing (the hold is refunded): its row shows what the
inspection cost, as a multiple of an honest credit's CPU (as does a job a stage refuses, uncharged).
The honest jobs run on a generated 1-minute 1280x720 30 fps video with a few cuts, dissolves, a
flash and captions, under a minute of 48 kHz stereo speech-like AAC (three 15 s 9:16 clips for
render; the mp4 copied for download).

Hostile media that scale with their length (4K at 240 fps) are measured on short samples made by
repeating one encoded group of pictures (the decoder does the same work every time): two sample
lengths, the CPU of a full billed minute extrapolated from the line through them (fixed costs kept
once). ``--full`` measures those jobs on a full minute instead (long: several CPU-minutes each,
and ~2 GB of temporary files).

Run: ``python -m bench.abuse [--full]`` (the honest video is built once into bench/.cache/).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import math
import resource
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from tests.support.media import remux as join_tracks
from tests.support.vision_media import make_cut_storm, make_small_print, make_still_video, make_video
from vidscope.catalog import MAX_MEDIA_BYTES, MAX_MEDIA_SECONDS, cost_breakdown
from vidscope.vision.request import ShotDetection, Stills, VisionRequest

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
GOAL = 3.0
MINUTE = 60.0
AUDIO_RATE = 48_000

VISION = ("shots", "thumbnails", "on_screen_text")
OCR = ("on_screen_text",)
DOWNLOAD = ("download",)
RENDER = ("shorts",)
PATHS = {"vision": VISION, "ocr": OCR, "download": DOWNLOAD, "render": RENDER}
# Shots as short as the options allow: one keyframe, one still and one text read per 0.1 s shot.
STORM_SHOTS = ShotDetection(min_seconds=0.1)

# 4K UHD (the largest picture ingestion accepts) at 240 fps (the densest timestamps it accepts).
UHD = (3840, 2160)
UHD_FPS = 240


# ---------------------------------------------------------------------------------------------
# Jobs and their measurement (in a fresh process each)


@dataclass(frozen=True)
class Job:
    path: str  # vision | ocr | download | render
    work: str  # see | remux | render
    reads_video: bool = True
    request: VisionRequest | None = None
    audio_only: bool = False
    clips: tuple[tuple[float, float], ...] = ()  # render: spans; () = the whole file
    aspect: str = "9:16"


@dataclass(frozen=True)
class Measured:
    inspect_cpu: float
    work_cpu: float
    duration_seconds: float  # what the work runs on
    billed_seconds: float  # what is charged
    size_bytes: int
    refused: str | None = None
    detail: str = ""

    @property
    def cpu(self) -> float:
        return self.inspect_cpu + self.work_cpu


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(job: Job, media: str) -> Measured:
    """Ingestion's inspection, then the path's work, as the pipeline runs them (child process)."""
    from vidscope.pipeline.errors import MediaUnsupported
    from vidscope.pipeline.ingestion import inspect_media

    path = Path(media)
    size = path.stat().st_size
    started = _cpu()
    try:
        facts = inspect_media(path, stop_after=MAX_MEDIA_SECONDS, reads_video=job.reads_video)
    except MediaUnsupported as exc:
        return Measured(_cpu() - started, 0.0, 0.0, 0.0, size, refused=f"ingestion: {exc}")
    inspected = _cpu()
    with tempfile.TemporaryDirectory(prefix="abuse-job-") as tmp:
        refused, detail = _work(job, path, facts.duration_seconds, Path(tmp))
    work = _cpu() - inspected
    return Measured(inspected - started, work, facts.duration_seconds, facts.billed_seconds, size, refused, detail)


def _work(job: Job, path: Path, seconds: float, tmp: Path) -> tuple[str | None, str]:
    if job.work == "see":
        from vidscope.pipeline.vision_worker import _render_stills
        from vidscope.vision.limits import UnsupportedPicture
        from vidscope.vision.stage import see

        assert job.request is not None
        try:
            seen = see(path, tmp / "vision", job.request)
        except UnsupportedPicture as exc:  # the worker fails the job without a retry
            return f"vision: {exc}", ""
        for stills in job.request.stills:
            _render_stills(seen.poster, seen.keyframes, tmp / "vision", stills)
        return None, f"{seen.frame_count} frames, {len(seen.shots)} shots, {len(seen.text)} text items"
    if job.work == "remux":
        from vidscope.editing.clips import DownloadFormatUnsupported, remux

        try:
            packaged = remux(path, tmp / ("out.m4a" if job.audio_only else "out.mp4"), audio_only=job.audio_only)
        except DownloadFormatUnsupported as exc:  # the download fails alone, uncharged
            return f"download: {exc}", ""
        return None, f"copied, {packaged.size_bytes / 1e6:.1f} MB out"
    from vidscope.editing.clips import render_clip

    spans = job.clips or ((0.0, seconds),)
    out = [render_clip(path, tmp / f"clip{n}.mp4", start=a, end=b, aspect=job.aspect) for n, (a, b) in enumerate(spans)]
    rendered = sum(clip.duration_seconds for clip in out)
    return None, f"{len(out)} clip(s) {out[0].width}x{out[0].height}, {rendered:.2f} s rendered"


def run_job(job: Job, media: Path) -> Measured:
    """``measure`` in a fresh spawned process: nothing warm from an earlier job."""
    module = importlib.import_module("bench.abuse")  # by its import name, so a spawned child finds it
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        result: Measured = pool.submit(module.measure, job, str(media)).result()
    return result


# ---------------------------------------------------------------------------------------------
# Credits, as the system charges them


def credits(capabilities: Sequence[str], seconds: float, size_bytes: int) -> int:
    """``cost_breakdown`` for the billed duration (and the size, where the price takes one)."""
    params = inspect.signature(cost_breakdown).parameters
    extra: dict[str, Any] = {}
    for name in params:
        if name not in ("capabilities", "duration_seconds") and ("byte" in name or "size" in name):
            extra[name] = size_bytes
    return sum(cost_breakdown(capabilities, seconds, **extra).values())


# ---------------------------------------------------------------------------------------------
# Media


def _speech_like(seconds: float, path: Path, *, channels: int = 2) -> None:
    """A 48 kHz AAC track that sounds like speech to a codec: a gliding voiced pitch with
    harmonics, syllable-rate envelope, pauses between phrases, a little breath noise."""
    rng = np.random.default_rng(11)
    total = round(seconds * AUDIO_RATE)
    layout = "stereo" if channels == 2 else "mono"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=AUDIO_RATE)
        stream.layout = layout
        phase = 0.0
        for at in range(0, total, 1024):
            t = np.arange(at, min(total, at + 1024)) / AUDIO_RATE
            pitch = 125 + 35 * np.sin(2 * np.pi * 0.37 * t) + 10 * np.sin(2 * np.pi * 2.9 * t)
            phases = phase + 2 * np.pi * np.cumsum(pitch) / AUDIO_RATE
            phase = float(phases[-1])
            voice = sum(np.sin(k * phases) / k for k in range(1, 9))
            envelope = np.sin(np.pi * ((t * 4.3) % 1.0)) ** 2 * ((t % 3.7) < 3.0)
            mono = 0.12 * voice * envelope + 0.01 * rng.standard_normal(t.size)
            samples = np.repeat(mono[None, :], channels, axis=0).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout=layout)
            frame.sample_rate, frame.pts, frame.time_base = AUDIO_RATE, at, Fraction(1, AUDIO_RATE)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def honest_video() -> Path:
    """1 minute of 1280x720 30 fps: ~10 s shots, a dissolve, a flash, captions, speech-like sound
    (cached; delete bench/.cache/abuse-* after changing the generators)."""
    path = CACHE / "abuse-honest-1min-720p-full-sound.mp4"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        pictures, sound = Path(tmp) / "v.mp4", Path(tmp) / "a.m4a"
        make_video(
            pictures,
            width=1280,
            height=720,
            fps=30,
            seconds=MINUTE,
            shot_seconds=(7.0, 13.0),
            dissolve_every=4,
            flash_every=4,
            text_every=2,
            words=("SPRING SALE", "FREE SHIPPING", "NEW COLLECTION"),
        )
        # A full minute: the AAC encoder's padding makes it decode to 60.02 s, which bills one
        # minute (catalog.BILLING_PADDING_SECONDS).
        _speech_like(MINUTE, sound)
        join_tracks(path, video=pictures, audio=sound)
    print(f"built {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def _with_sound(video: Path, seconds: float, out: Path) -> Path:
    sound = out.with_suffix(".sound.m4a")
    _speech_like(seconds, sound)
    join_tracks(out, video=video, audio=sound)
    return out


def _encode(
    path: Path, frames: Iterator[np.ndarray], *, size: tuple[int, int], fps: int, codec: str, **opts: str
) -> None:
    with av.open(str(path), "w", format="mp4") as container:
        stream: Any = container.add_stream(codec, rate=fps, options=opts)  # a video codec's stream
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.time_base = Fraction(1, fps)
        for index, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _uhd_frames(count: int) -> Iterator[np.ndarray]:
    """4K textured frames panning 16 px a frame (240 frames make a seamless loop), with fresh
    fine noise in every frame so the bitrate stays near what 2 GiB a minute allows."""
    width, height = UHD
    rng = np.random.default_rng(17)
    texture = cv2.GaussianBlur(rng.normal(0, 120, (height, width)).astype(np.float32), (0, 0), 6)
    ramp = np.linspace(60, 200, width, dtype=np.float32)[None, :, None]
    base = np.clip(ramp + texture[..., None] * np.array([0.5, 0.8, 1.0], dtype=np.float32), 0, 255).astype(np.uint8)
    noise = [rng.integers(-3, 4, (height, width, 1), dtype=np.int16) for _ in range(4)]
    for index in range(count):
        yield np.clip(np.roll(base, 16 * index, axis=1) + noise[index % 4], 0, 255).astype(np.uint8)


def repeat_video(source: Path, seconds: float, out: Path) -> None:
    """``source``'s one video track (one group of pictures, no B-frames) repeated, packets copied
    with shifted timestamps, until ``seconds``: the decoder does the same work in every repeat and
    the file costs nothing more to make."""
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        packets = [p for p in container.demux(stream) if p.dts is not None and p.pts is not None]
        first = min(p.pts for p in packets if p.pts is not None)
        span = max(p.pts + (p.duration or 0) for p in packets if p.pts is not None) - first
        time_base = packets[0].time_base
        end = round(seconds / time_base)
        with av.open(str(out), "w", format="mp4") as output:
            target = output.add_stream_from_template(stream)
            for repeat in range(math.ceil(end / span)):
                for packet in packets:
                    assert packet.pts is not None and packet.dts is not None
                    if packet.pts - first + repeat * span >= end:
                        return
                    copy = av.Packet(bytes(packet))
                    copy.pts, copy.dts = packet.pts + repeat * span, packet.dts + repeat * span
                    copy.duration, copy.time_base = packet.duration, packet.time_base
                    copy.is_keyframe = packet.is_keyframe
                    copy.stream = target
                    output.mux(copy)


def _us_stamps(path: Path, frames: int = 1800) -> None:
    """A silent 64x36 video whose frames are stamped 1 us apart: 1,800 frames "lasting" 1.8 ms."""
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=30, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv420p"
        stream.time_base = Fraction(1, 1_000_000)
        rng = np.random.default_rng(2)
        for index in range(frames):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 256, (36, 64, 3), dtype=np.uint8), format="bgr24")
            frame.pts, frame.time_base = index, Fraction(1, 1_000_000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _small_print_pages(path: Path, *, seconds: float, page_seconds: float, fps: int = 10) -> None:
    """Pages of ~1,800 small words (``make_small_print``), a new page every ``page_seconds``."""
    per_page = round(page_seconds * fps)
    pages = [make_small_print(seed=n) for n in range(math.ceil(seconds / page_seconds))]
    frames = (pages[index // per_page] for index in range(round(seconds * fps)))
    _encode(path, frames, size=(1280, 720), fps=fps, codec="libx264", preset="ultrafast", crf="20")


# ---------------------------------------------------------------------------------------------
# Cases


@dataclass
class Case:
    """One job on media built by ``build`` (into a folder). ``lengths``: for media whose cost
    follows its length, the sample lengths (seconds) ``build`` is called with, the full billed
    minute extrapolated from the line through them; empty: measured as built."""

    path: str
    name: str
    job: Job
    build: Callable[[Path, float], Path]
    lengths: tuple[float, ...] = ()
    honest: bool = False
    results: list[tuple[float, Measured]] = field(default_factory=list)


def _cached(folder: Path, name: str, make: Callable[[Path], None]) -> Path:
    path = folder / name
    if not path.exists():
        make(path)
    return path


def _uhd_gop(folder: Path) -> Path:
    """One second of 4K at 240 fps, one group of pictures (x264 ultrafast, crf 17: ~9 MB/s, within
    MAX_MEDIA_BYTES for a minute)."""
    return _cached(
        folder,
        "uhd-gop.mp4",
        lambda p: _encode(
            p, _uhd_frames(UHD_FPS), size=UHD, fps=UHD_FPS, codec="libx264", preset="ultrafast", crf="17", g="240"
        ),
    )


def _uhd_mpeg4_gop(folder: Path) -> Path:
    """A quarter second of 4K at 240 fps in MPEG-4 part 2: not H.264, yet a codec mp4 carries (copied)."""
    return _cached(
        folder,
        "uhd-mpeg4-gop.mp4",
        lambda p: _encode(p, _uhd_frames(UHD_FPS // 4), size=UHD, fps=UHD_FPS, codec="mpeg4", qscale="4", g="60"),
    )


def _uhd(folder: Path, seconds: float) -> Path:
    out = folder / f"uhd-{seconds:g}s.mp4"
    if not out.exists():
        repeat_video(_uhd_gop(folder), seconds, out)
    return out


def _uhd_mpeg4(folder: Path, seconds: float) -> Path:
    out = folder / f"uhd-mpeg4-{seconds:g}s.mp4"
    if not out.exists():
        repeat_video(_uhd_mpeg4_gop(folder), seconds, out)
    return out


def _uhd_speech(folder: Path, seconds: float) -> Path:
    out = folder / f"uhd-speech-{seconds:g}s.mp4"
    if not out.exists():
        _with_sound(_uhd(folder, seconds), seconds, out)
    return out


def _vp8(folder: Path, _: float) -> Path:
    """A silent minute of 640x360 30 fps VP8 (encoded at realtime speed) in WebM."""

    def make(path: Path) -> None:
        with av.open(str(path), "w", format="webm") as container:
            stream: Any = container.add_stream("libvpx", rate=30, options={"deadline": "realtime", "cpu-used": "8"})
            stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
            for index, image in enumerate(_panning(640, 360, round(MINUTE * 30))):
                frame = av.VideoFrame.from_ndarray(image, format="bgr24")
                frame.pts, frame.time_base = index, Fraction(1, 30)
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))

    return _cached(folder, "vp8-1min.webm", make)


def _panning(width: int, height: int, count: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(5)
    base = cv2.GaussianBlur(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), (0, 0), 4)
    for index in range(count):
        yield np.roll(base, 4 * index, axis=1)


def _tiny_ten_minutes(folder: Path, _: float) -> Path:
    def make(path: Path) -> None:
        pictures = folder / "tiny-pictures.mp4"
        make_cut_storm(pictures, frames=10 * 60 * 30, fps=30, width=160, height=90, shot_frames=3)
        _with_sound(pictures, 1.0, path)

    return _cached(folder, "tiny-10min-1s-sound.mp4", make)


def cases(honest: Path) -> list[Case]:
    def given(_: Path, __: float) -> Path:
        return honest

    def still(width: int, height: int) -> Callable[[Path, float], Path]:
        return lambda folder, _: _cached(
            folder, f"still-{width}x{height}.mp4", lambda p: make_still_video(p, width=width, height=height)
        )

    png_1280 = [Stills(width=1280, format="png")]
    storm = Job("vision", "see", request=VisionRequest(read_text=True, shots=STORM_SHOTS, stills=png_1280))
    seeing = Job("vision", "see", request=VisionRequest(read_text=True, stills=[Stills()]))
    storm_jpeg = Job("vision", "see", request=VisionRequest(read_text=True, shots=STORM_SHOTS, stills=[Stills()]))
    reading = Job("ocr", "see", request=VisionRequest(read_text=True))
    reading_storm = Job("ocr", "see", request=VisionRequest(read_text=True, shots=STORM_SHOTS))
    download = Job("download", "remux")
    honest_clips = Job("render", "render", clips=((0.0, 15.0), (20.0, 35.0), (40.0, 55.0)))

    def sliver(p: Path) -> None:
        make_cut_storm(p, frames=1800, fps=30, width=72, height=720, shot_frames=3)

    def storm_240(p: Path) -> None:
        make_cut_storm(p, frames=600, fps=240, width=640, height=360)

    def pages(every: float) -> Callable[[Path, float], Path]:
        return lambda f, _: _cached(
            f, f"small-print-{every:g}.mp4", lambda p: _small_print_pages(p, seconds=20.0, page_seconds=every)
        )

    return [
        Case("vision", "honest: 1 min 720p30, cuts + captions, 480 px JPEG stills", seeing, given, honest=True),
        Case(
            "vision", "silent 64x36, frames stamped 1 us apart", seeing, lambda f, _: _cached(f, "us.mp4", _us_stamps)
        ),
        Case("vision", "10 min 160x90, a cut every 0.1 s, 1 s of sound", storm_jpeg, _tiny_ten_minutes),
        Case("vision", "16000x720 picture", storm, still(16000, 720)),
        Case("vision", "4096x4096 picture", storm, still(4096, 4096)),
        Case("vision", "2x720 picture, PNG stills 1280 wide", storm, still(2, 720)),
        Case(
            "vision",
            "72x720 (10:1), a cut every 0.1 s for 1 min, PNG stills 1280 wide",
            storm,
            lambda f, _: _cached(f, "sliver-storm.mp4", sliver),
        ),
        Case(
            "vision",
            "640x360 cut storm: 600 frames, a cut every frame, at 240 fps",
            storm,
            lambda f, _: _cached(f, "storm-240.mp4", storm_240),
        ),
        Case("vision", "4K at 240 fps, ~9 MB/s, PNG stills 1280 wide", storm, _uhd, lengths=(1.0, 2.0)),
        Case("ocr", "honest: 1 min 720p30, cuts + captions", reading, given, honest=True),
        Case("ocr", "20 s of small print (~1,800 words a page), a new page every 0.5 s", reading, pages(0.5)),
        Case("ocr", "20 s of small print, a new page every 0.1 s, shots min 0.1 s", reading_storm, pages(0.1)),
        Case("download", "honest: 1 min 720p30 H.264 + AAC speech, mp4 (copied)", download, given, honest=True),
        Case("download", "10 min 160x90 with 1 s of sound, mp4", download, _tiny_ten_minutes),
        Case("download", "4K at 240 fps H.264, ~9 MB/s, mp4 (copied)", download, _uhd, lengths=(1.0, 2.0)),
        Case("download", "4K at 240 fps MPEG-4 part 2, mp4 (copied)", download, _uhd_mpeg4, lengths=(0.25, 0.5)),
        Case("download", "1 min 640x360 VP8 WebM (silent), mp4: refused, no mp4 carries VP8", download, _vp8),
        Case("render", "honest: 1 min 720p30 + speech, three 15 s clips at 9:16", honest_clips, given, honest=True),
        Case(
            "render",
            "4K at 240 fps + speech, all of it, aspect original",
            Job("render", "render", aspect="original"),
            _uhd_speech,
            lengths=(0.25, 0.5),
        ),
        Case(
            "render",
            "4K at 240 fps + speech, all of it, 9:16",
            Job("render", "render"),
            _uhd_speech,
            lengths=(0.25, 0.5),
        ),
    ]


# ---------------------------------------------------------------------------------------------
# Figures


@dataclass(frozen=True)
class Figure:
    cpu: float  # for the billed media (a full minute where extrapolated)
    credits: int
    refused: str | None
    note: str

    @property
    def per_credit(self) -> float | None:
        return self.cpu / self.credits if self.credits and not self.refused else None


def figure(case: Case) -> Figure:
    capabilities = PATHS[case.path]
    if len(case.results) == 1:
        _, m = case.results[0]
        charged = 0 if m.refused else credits(capabilities, m.billed_seconds, m.size_bytes)
        billed = f"{m.duration_seconds:.1f} s billed {m.billed_seconds:.1f} s"
        note = m.refused or f"{billed}, {m.size_bytes / 1e6:.1f} MB; {m.detail}"
        return Figure(m.cpu, charged, m.refused, note)
    (xa, a), (xb, b) = case.results[0], case.results[-1]
    slope = (b.cpu - a.cpu) / (xb - xa)
    full = b.cpu + slope * (MINUTE - xb)
    size = round(b.size_bytes / b.duration_seconds * MINUTE)
    # A minute of it is billed as the sample is: its length times the pixel-rate weight.
    charged = credits(capabilities, MINUTE * b.billed_seconds / b.duration_seconds, size)
    over = f" (a minute of it would be {size / 2**30:.1f} GiB, over MAX_MEDIA_BYTES)" if size > MAX_MEDIA_BYTES else ""
    note = (
        f"extrapolated to 60 s from {a.cpu:.1f} CPU-s at {xa:g} s and {b.cpu:.1f} at {xb:g} s "
        f"({slope:.1f} CPU-s per media second); billed {b.billed_seconds / b.duration_seconds:.1f} s a second; "
        f"{b.size_bytes / b.duration_seconds / 1e6:.0f} MB/s{over}; {b.detail}"
    )
    return Figure(full, charged, b.refused, note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="measure the 4K jobs on a full minute, not extrapolated")
    parser.add_argument("--only", default="", help="comma-separated paths to run (vision,ocr,download,render)")
    args = parser.parse_args()
    honest = honest_video()
    wanted = set(args.only.split(",")) if args.only else set(PATHS)
    todo = [case for case in cases(honest) if case.path in wanted]
    with tempfile.TemporaryDirectory(prefix="abuse-media-") as tmp:
        folder = Path(tmp)
        for case in todo:
            lengths = ((MINUTE,) if args.full and case.lengths else case.lengths) or (0.0,)
            for length in lengths:
                started = time.perf_counter()
                media = case.build(folder, length)
                built = time.perf_counter() - started
                measured = run_job(case.job, media)
                case.results.append((length, measured))
                print(
                    f"  [{case.path}] {case.name}{f' ({length:g} s)' if length else ''}: "
                    f"{measured.cpu:.2f} CPU-s (inspection {measured.inspect_cpu:.2f}) "
                    f"{'refused' if measured.refused else ''} (media built in {built:.0f} s)",
                    flush=True,
                )
    report(todo)


def report(todo: list[Case]) -> None:
    figures = {id(case): figure(case) for case in todo}
    baseline: dict[str, float] = {}
    for case in todo:
        per_credit = figures[id(case)].per_credit
        if case.honest and per_credit is not None:
            baseline[case.path] = per_credit
    header = f"{'path':<9} {'case':<68} {'CPU-s':>8} {'credits':>7} {'CPU-s/cr':>9} {'honest':>7} {'ratio':>8}  verdict"
    print("\n" + header + "\n" + "-" * len(header))
    worst: dict[str, tuple[float, Case]] = {}
    for case in todo:
        fig = figures[id(case)]
        honest = baseline.get(case.path)
        if case.honest or honest is None:
            if case.honest:
                print(
                    f"{case.path:<9} {case.name[:68]:<68} {fig.cpu:8.2f} {fig.credits:7d} {fig.per_credit or 0:9.3f} "
                    f"{'':>7} {'1.00':>8}  baseline"
                )
            continue
        if fig.refused:
            ratio = fig.cpu / honest  # the refusal's CPU in honest credits, charged none
            verdict = f"refused (costs {ratio:.3f} of an honest credit's CPU, charged 0)"
            row = f"{case.path:<9} {case.name[:68]:<68} {fig.cpu:8.2f} {0:7d} {'-':>9} {honest:7.3f} {'-':>8}"
            print(f"{row}  {verdict}")
            continue
        per_credit = fig.per_credit or 0.0
        ratio = per_credit / honest
        verdict = "ok" if ratio <= GOAL else f"OVER {GOAL:g}"
        if ratio > worst.get(case.path, (-1.0, case))[0]:
            worst[case.path] = (ratio, case)
        print(
            f"{case.path:<9} {case.name[:68]:<68} {fig.cpu:8.2f} {fig.credits:7d} {per_credit:9.3f} "
            f"{honest:7.3f} {ratio:8.2f}  {verdict}"
        )
    print("\nNotes:")
    for case in todo:
        print(f"  [{case.path}] {case.name}: {figures[id(case)].note}")
    print(f"\nWorst / honest CPU-s per credit per path (goal <= {GOAL:g}, DESIGN §7):")
    for path, (ratio, case) in worst.items():
        print(f"  {path:<9} {ratio:10.2f}  {'ok' if ratio <= GOAL else 'OVER'}  ({case.name})")


if __name__ == "__main__":
    main()
