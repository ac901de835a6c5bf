"""Media for the fingerprint tests and benchmark, made here: a seeded clip (smooth random scenes
that drift, over a seeded melody of chords) and its variants — re-encoded, rescaled, cropped,
trimmed, brightened, sped up — decoded and encoded again with PyAV, as a re-upload would be."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

_RATE = 22_050
_FPS = 12
_SIZE = (320, 240)


def _scene(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A smooth random picture, larger than the frame so that it can drift: a few coloured blobs
    and a gradient."""
    big_w, big_h = width + 64, height + 64
    ys, xs = np.mgrid[0:big_h, 0:big_w].astype(np.float32)
    picture = np.zeros((big_h, big_w, 3), np.float32)
    for channel in range(3):
        picture[..., channel] = rng.uniform(30, 120) + rng.uniform(-0.3, 0.3) * xs + rng.uniform(-0.3, 0.3) * ys
    for _ in range(6):
        cx, cy, r = rng.uniform(0, big_w), rng.uniform(0, big_h), rng.uniform(20, 70)
        blob = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * r * r))
        picture += blob[..., None] * rng.uniform(-120, 160, size=3)
    return np.clip(picture, 0, 255).astype(np.uint8)


def _melody(rng: np.random.Generator, seconds: float) -> np.ndarray:
    """Chords of two or three harmonic tones, 0.2-0.5 s each, with soft edges: tonal sound, which
    is what Chromaprint's chroma features describe."""
    samples = np.zeros(round(seconds * _RATE), np.float32)
    at = 0
    while at < len(samples):
        length = min(round(rng.uniform(0.2, 0.5) * _RATE), len(samples) - at)
        t = np.arange(length) / _RATE
        note = np.zeros(length, np.float32)
        for _ in range(int(rng.integers(2, 4))):
            pitch = 220.0 * 2 ** (int(rng.integers(0, 24)) / 12)
            for harmonic, weight in ((1, 1.0), (2, 0.4), (3, 0.2)):
                note += weight * np.sin(2 * np.pi * pitch * harmonic * t).astype(np.float32)
        edge = min(length // 2, round(0.02 * _RATE))
        envelope = np.ones(length, np.float32)
        if edge:
            envelope[:edge] = np.linspace(0, 1, edge)
            envelope[-edge:] = np.linspace(1, 0, edge)
        samples[at : at + length] = note * envelope
        at += length
    return (samples / max(1e-6, float(np.abs(samples).max())) * 0.6 * 32767).astype(np.int16)


def _encode(
    path: Path, frames: list[np.ndarray], fps: float, audio: np.ndarray | None, rate: int, *, crf: int = 23
) -> None:
    """Frames (RGB) and mono int16 samples as H.264 + AAC in an mp4."""
    with av.open(str(path), "w", format="mp4") as container:
        height, width = frames[0].shape[:2]
        video = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"crf": str(crf), "preset": "veryfast"}
        sound = None
        if audio is not None:
            sound = container.add_stream("aac", rate=rate)
            sound.layout = "mono"
            sound.bit_rate = 64_000
        for index, picture in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1) / video.codec_context.framerate
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if sound is not None and audio is not None:
            for start in range(0, len(audio), 1024):
                chunk = av.AudioFrame.from_ndarray(audio[None, start : start + 1024], format="s16", layout="mono")
                chunk.sample_rate, chunk.pts = rate, start
                container.mux(sound.encode(chunk))
            container.mux(sound.encode(None))


def make_clip(path: Path, *, seed: int, seconds: float = 20.0, with_audio: bool = True) -> None:
    """A distinct clip per seed: drifting random scenes of 1.5-3 s over a random melody."""
    rng = np.random.default_rng(seed)
    width, height = _SIZE
    frames: list[np.ndarray] = []
    while len(frames) < round(seconds * _FPS):
        scene = _scene(rng, width, height)
        dx, dy = rng.uniform(-2, 2, size=2)
        for step in range(round(rng.uniform(1.5, 3.0) * _FPS)):
            x, y = int(32 + dx * step) % 64, int(32 + dy * step) % 64
            frames.append(scene[y : y + height, x : x + width])
    frames = frames[: round(seconds * _FPS)]
    _encode(path, frames, _FPS, _melody(rng, seconds) if with_audio else None, _RATE)


@dataclass(frozen=True)
class Variant:
    """How a copy differs from its source."""

    trim_start: float = 0.0  # seconds cut from the start: the copy starts this far inside the source
    trim_end: float = 0.0  # seconds cut from the end
    width: int | None = None  # rescaled to this width (even heights kept)
    crop: float = 0.0  # this fraction of each dimension cut away around the centre
    brightness: int = 0  # added to every channel
    speed: float = 1.0  # played this much faster (pictures and sound)
    crf: int = 30  # re-encoded at this quality (worse than the source's 23)


def _decode(path: Path) -> tuple[list[np.ndarray], float, np.ndarray, int]:
    with av.open(str(path)) as container:
        fps = float(container.streams.video[0].average_rate or _FPS)
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    resampler = av.AudioResampler(format="s16", layout="mono", rate=_RATE)
    chunks: list[np.ndarray] = []
    with av.open(str(path)) as container:
        if container.streams.audio:
            for frame in container.decode(audio=0):
                chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(frame))
    audio = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    return frames, fps, audio, _RATE


def _picture(picture: np.ndarray, variant: Variant) -> np.ndarray:
    height, width = picture.shape[:2]
    if variant.crop:
        cut_y, cut_x = round(height * variant.crop / 2), round(width * variant.crop / 2)
        picture = picture[cut_y : height - cut_y, cut_x : width - cut_x]
    if variant.brightness:
        picture = np.clip(picture.astype(np.int16) + variant.brightness, 0, 255).astype(np.uint8)
    target_w = variant.width or width
    target_h = round(target_w * picture.shape[0] / picture.shape[1] / 2) * 2
    if (target_w, target_h) != (picture.shape[1], picture.shape[0]):
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
        picture = frame.reformat(width=target_w, height=target_h).to_ndarray(format="rgb24")
    return np.ascontiguousarray(picture)


def make_variant(source: Path, path: Path, variant: Variant) -> None:
    """``source`` changed as ``variant`` says and encoded again."""
    frames, fps, audio, rate = _decode(source)
    first, last = round(variant.trim_start * fps), len(frames) - round(variant.trim_end * fps)
    kept = [_picture(p, variant) for p in frames[first:last]]
    sound = audio[round(variant.trim_start * rate) : len(audio) - round(variant.trim_end * rate)]
    if variant.speed != 1.0 and len(sound):
        positions = np.arange(0, len(sound) - 1, variant.speed)
        sound = np.interp(positions, np.arange(len(sound)), sound.astype(np.float32)).astype(np.int16)
    _encode(path, kept, fps * variant.speed, sound if len(sound) else None, rate, crf=variant.crf)
