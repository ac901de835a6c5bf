"""Media with known style, made here (PyAV, libx264 + AAC): a natural-looking scene (soft colour
fields, textured ground, a few objects) filmed by a camera that holds, pans, tilts, zooms or
shakes, optionally graded (teal shadows, orange highlights, more contrast and saturation), cut
into shots of known lengths, over sound of a known loudness (pink noise and tones)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import cv2
import numpy as np

Camera = Literal["static", "pan", "tilt", "zoom", "shaky"]
RATE = 48_000


def scene(width: int, height: int, seed: int) -> np.ndarray:
    """A BGR canvas: a sky-to-ground gradient, soft colour fields, grain-free texture and shapes."""
    rng = np.random.default_rng(seed)
    rows = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    sky, ground = np.array([200, 170, 120], np.float32), np.array([60, 110, 90], np.float32)
    canvas = np.broadcast_to(sky * (1 - rows) + ground * rows, (height, width, 3)).copy()
    fields = cv2.resize(rng.normal(0, 40, (6, 8, 3)).astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    detail = cv2.GaussianBlur(rng.normal(0, 50, (height, width)).astype(np.float32), (0, 0), 1.5)
    canvas += fields + detail[:, :, None]
    for _ in range(12):
        colour = tuple(float(c) for c in rng.uniform(20, 235, 3))
        centre = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
        if rng.uniform() < 0.5:
            cv2.circle(canvas, centre, int(rng.uniform(2, max(3, height / 6))), colour, -1, cv2.LINE_AA)
        else:
            size = rng.uniform(2, max(3, height / 5), 2).astype(int)
            cv2.rectangle(canvas, centre, (centre[0] + int(size[0]), centre[1] + int(size[1])), colour, -1)
    drawn: np.ndarray = np.clip(canvas, 0, 255).astype(np.uint8)
    return drawn


def teal_orange(picture: np.ndarray) -> np.ndarray:
    """A strong grade: shadows pushed to teal, highlights to orange, contrast and saturation up."""
    lab = cv2.cvtColor(picture.astype(np.float32) / 255, cv2.COLOR_BGR2Lab)
    lightness = lab[:, :, 0]
    shade = (lightness - 50) / 50  # -1 in the shadows, +1 in the highlights
    lab[:, :, 0] = np.clip(50 + (lightness - 50) * 1.35, 0, 100)
    lab[:, :, 1] = lab[:, :, 1] * 1.4 + 14 * shade
    lab[:, :, 2] = lab[:, :, 2] * 1.4 + 30 * shade
    bgr = cv2.cvtColor(lab, cv2.COLOR_Lab2BGR)
    graded: np.ndarray = np.clip(bgr * 255 + 0.5, 0, 255).astype(np.uint8)
    return graded


def _window(camera: Camera, t: float, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """The map from frame to canvas (2x the frame) at ``t`` seconds (for WARP_INVERSE_MAP)."""
    x, y, zoom = 0.55 * width, 0.55 * height, 1.0
    if camera == "pan":
        x += 0.15 * width * t  # 15 % of the frame's width a second
    elif camera == "tilt":
        y += 0.15 * width * t
    elif camera == "zoom":
        x, y, zoom = width, height, float(np.exp(0.12 * t))  # 12 % a second, into the canvas's middle
    elif camera == "shaky":
        x += rng.normal(0, 0.012 * width)
        y += rng.normal(0, 0.012 * width)
    return np.array([[1 / zoom, 0, x - width / 2 / zoom], [0, 1 / zoom, y - height / 2 / zoom]], dtype=np.float32)


@dataclass(frozen=True)
class Clip:
    path: Path
    width: int
    height: int
    fps: int
    seconds: float
    shot_starts: tuple[float, ...]


def _tone_bed(seconds: float, level: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    white = rng.normal(0, 1, n)
    spectrum = np.fft.rfft(white)
    spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))  # pink: -3 dB an octave
    pink = np.fft.irfft(spectrum, n)
    t = np.arange(n) / RATE
    tones = np.sin(2 * np.pi * 220 * t) + 0.5 * np.sin(2 * np.pi * 660 * t)
    mix = pink / np.abs(pink).max() + 0.3 * tones / np.abs(tones).max()
    mix *= 0.5 + 0.5 * (np.sin(2 * np.pi * 0.25 * t) > 0)  # loud and soft passages: a loudness range
    bed: np.ndarray = (level * mix / np.abs(mix).max()).astype(np.float32)
    return bed


def make_clip(
    path: Path,
    *,
    seconds: float = 4.0,
    size: tuple[int, int] = (320, 180),
    fps: int = 25,
    camera: Camera = "static",
    grade: Callable[[np.ndarray], np.ndarray] | None = None,
    shot_seconds: Sequence[float] = (),
    peak: float | None = 0.25,
    seed: int = 1,
) -> Clip:
    """A clip of ``seconds``: a new scene after each of ``shot_seconds`` (shot lengths; the last
    shot fills the rest), sound peaking at ``peak`` (None: no sound track; 0: digital silence)."""
    width, height = size
    rng = np.random.default_rng(seed)
    starts = [0.0, *np.cumsum(shot_seconds)]
    starts = [s for s in starts if s < seconds]
    frames = round(seconds * fps)
    with av.open(str(path), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "18"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.time_base = Fraction(1, fps)
        audio = container.add_stream("aac", rate=RATE) if peak is not None else None
        if audio is not None:
            audio.layout = "stereo"
        drawn, canvas = -1, np.zeros((1, 1, 3), np.uint8)
        for index in range(frames):
            t = index / fps
            shot = sum(1 for start in starts if start <= t + 1e-9) - 1
            if shot != drawn:
                canvas, drawn = scene(width * 2, height * 2, seed * 100 + shot), shot
            window = _window(camera, t, width, height, rng)
            picture = cv2.warpAffine(
                canvas,
                window,
                (width, height),
                flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                borderMode=cv2.BORDER_REFLECT,
            )
            if grade is not None:
                picture = grade(picture)
            frame = av.VideoFrame.from_ndarray(picture, format="bgr24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if audio is not None and peak is not None:
            bed = _tone_bed(seconds, peak, seed)
            stereo = np.stack([bed, bed * 0.9])
            for start in range(0, stereo.shape[1], 1024):
                chunk = np.ascontiguousarray(stereo[:, start : start + 1024])
                sound = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
                sound.sample_rate, sound.pts = RATE, start
                container.mux(audio.encode(sound))
            container.mux(audio.encode(None))
    return Clip(path, width, height, fps, seconds, tuple(starts))


def edge_correlation(one: np.ndarray, two: np.ndarray) -> float:
    """The structure two BGR pictures share: the correlation of their edge maps (the Sobel gradient's
    magnitude of their grey), 1 for the same edges whatever their contrast."""
    magnitudes = []
    for picture in (one, two):
        grey = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY).astype(np.float32)
        magnitudes.append(cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1)).ravel())
    return float(np.corrcoef(np.stack(magnitudes))[0, 1])


def structure_kept(source: Path, output: Path, seconds: float, every: int = 15) -> float:
    """The mean edge-map correlation of ``output``'s frames with ``source``'s at the same frames (every
    ``every``-th): a render keeps every frame and its timestamp, so the n-th of each show one moment."""
    correlations = []
    with av.open(str(source)) as a, av.open(str(output)) as b:
        pairs = zip(a.decode(video=0), b.decode(video=0), strict=False)
        for number, (one, two) in enumerate(pairs):
            if number >= seconds * float(a.streams.video[0].average_rate or 0):
                break
            if number % every == 0:
                correlations.append(edge_correlation(one.to_ndarray(format="bgr24"), two.to_ndarray(format="bgr24")))
    return float(np.mean(correlations))
