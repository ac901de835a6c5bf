"""Test video made here, not downloaded: distinct moving, textured scenes joined by hard cuts and
cross-dissolves, with white flashes inside some shots and burned-in words over known frames,
encoded by PyAV (libx264). The returned truth says where every cut, dissolve, flash and word is."""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

DEFAULT_WORDS = ("SPRING SALE", "ADIDAS")


@dataclass(frozen=True)
class TextTruth:
    text: str
    start_frame: int
    end_frame: int  # exclusive
    fps: float

    @property
    def start(self) -> float:
        return self.start_frame / self.fps

    @property
    def end(self) -> float:
        return self.end_frame / self.fps


@dataclass(frozen=True)
class VideoTruth:
    """Where things are in a generated video; frames count from 0 and times are frame / fps."""

    path: Path
    width: int
    height: int
    fps: int
    frame_count: int
    cut_frames: tuple[int, ...]  # the first frame of the new shot at each hard cut
    dissolves: tuple[tuple[int, int], ...]  # [first blended frame, last blended frame + 1)
    flash_frames: tuple[int, ...]
    texts: tuple[TextTruth, ...]

    @property
    def duration(self) -> float:
        return self.frame_count / self.fps

    @property
    def cut_times(self) -> tuple[float, ...]:
        return tuple(frame / self.fps for frame in self.cut_frames)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "path": str(self.path)})

    @classmethod
    def from_json(cls, text: str) -> VideoTruth:
        data = json.loads(text)
        return cls(
            path=Path(data["path"]),
            width=data["width"],
            height=data["height"],
            fps=data["fps"],
            frame_count=data["frame_count"],
            cut_frames=tuple(data["cut_frames"]),
            dissolves=tuple((start, end) for start, end in data["dissolves"]),
            flash_frames=tuple(data["flash_frames"]),
            texts=tuple(TextTruth(**item) for item in data["texts"]),
        )

    @property
    def dissolve_midpoints(self) -> tuple[float, ...]:
        """A dissolve's shot boundary: halfway through its blended frames, in frames."""
        return tuple((start + end) / 2 for start, end in self.dissolves)


@dataclass
class _Shot:
    frames: int
    scene: int
    dissolve_in: int = 0  # blended frames shared with the previous shot, counted in this shot
    flash_at: int | None = None  # offset in the shot of the first white frame
    text: str | None = None
    text_span: tuple[int, int] = (0, 0)  # offsets in the shot, end exclusive


class _SceneLook:
    """One scene: a two-colour gradient over shared noise texture, panning, with a moving disc and
    stripes, so that frames are neither flat nor static and scenes differ in colour and layout."""

    def __init__(self, index: int, width: int, height: int, texture: np.ndarray) -> None:
        rng = random.Random(index * 7919 + 13)
        hue_a = (index * 47) % 180
        hue_b = (hue_a + 35 + rng.randrange(40)) % 180
        value_a = 110 + rng.randrange(110)
        value_b = 255 - value_a // 2
        colours = np.array([[[hue_a, 200, value_a], [hue_b, 170, value_b]]], dtype=np.uint8)
        a, b = cv2.cvtColor(colours, cv2.COLOR_HSV2BGR)[0].astype(np.float32)
        ramp = np.linspace(0.0, 1.0, width, dtype=np.float32) if index % 2 else np.linspace(0.0, 1.0, height)[:, None]
        ramp = np.broadcast_to(ramp, (height, width)).astype(np.float32)[..., None]
        base = a * (1 - ramp) + b * ramp + texture[..., None] * (0.4 + 0.2 * (index % 3))
        stripes = (np.sin(np.arange(width, dtype=np.float32) / (6 + index % 5)) * 18)[None, :, None]
        self.base = np.clip(base + stripes, 0, 255).astype(np.uint8)
        self.speed = (1 + index % 2) * max(1, width // 640)
        self.disc_colour = tuple(int(255 - channel) for channel in (a + b) / 2)
        self.width, self.height = width, height
        self.phase = rng.random() * 6.28

    def frame(self, t: int) -> np.ndarray:
        image: np.ndarray = np.roll(self.base, (t * self.speed) % self.width, axis=1)
        x = int(self.width * (0.5 + 0.35 * np.sin(self.phase + t / 40)))
        y = int(self.height * (0.5 + 0.3 * np.cos(self.phase + t / 55)))
        cv2.circle(image, (x, y), self.height // 6, self.disc_colour, -1)
        return image


def _draw_text(image: np.ndarray, text: str) -> None:
    height = image.shape[0]
    scale = height / 200
    thickness = max(2, height // 120)
    (text_w, text_h), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, thickness)
    x = max(4, (image.shape[1] - text_w) // 2)
    y = int(height * 0.78)
    pad = text_h // 2
    cv2.rectangle(image, (x - pad, y - text_h - pad), (x + text_w + pad, y + baseline + pad), (0, 0, 0), -1)
    cv2.putText(image, text, (x, y), cv2.FONT_HERSHEY_DUPLEX, scale, (255, 255, 255), thickness, cv2.LINE_AA)


def _write(path: Path, shots: list[_Shot], width: int, height: int, fps: int) -> VideoTruth:
    texture = cv2.GaussianBlur(
        np.random.default_rng(7).normal(0, 120, (height, width)).astype(np.float32), (0, 0), height / 120
    )
    cuts: list[int] = []
    dissolves: list[tuple[int, int]] = []
    flashes: list[int] = []
    texts: list[TextTruth] = []
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "20"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        frame_index = 0
        for number, shot in enumerate(shots):
            if number and not shot.dissolve_in:
                cuts.append(frame_index)
            if shot.dissolve_in:
                dissolves.append((frame_index, frame_index + shot.dissolve_in))
            previous = shots[number - 1] if number else None
            scene_looks = {shot.scene: _SceneLook(shot.scene, width, height, texture)}
            if previous is not None and shot.dissolve_in:
                scene_looks[previous.scene] = _SceneLook(previous.scene, width, height, texture)
            for offset in range(shot.frames):
                image = scene_looks[shot.scene].frame(frame_index)
                if previous is not None and offset < shot.dissolve_in:
                    alpha = (offset + 1) / (shot.dissolve_in + 1)
                    before = scene_looks[previous.scene].frame(frame_index)
                    image = cv2.addWeighted(before, 1 - alpha, image, alpha, 0)
                if shot.flash_at is not None and shot.flash_at <= offset < shot.flash_at + 3:
                    image = cv2.addWeighted(image, 0.1, np.full_like(image, 255), 0.9, 0)
                    flashes.append(frame_index)
                if shot.text is not None and shot.text_span[0] <= offset < shot.text_span[1]:
                    _draw_text(image, shot.text)
                video_frame = av.VideoFrame.from_ndarray(image, format="bgr24")
                video_frame.pts = frame_index
                container.mux(stream.encode(video_frame))
                frame_index += 1
            if shot.text is not None:
                start = frame_index - shot.frames
                texts.append(TextTruth(shot.text, start + shot.text_span[0], start + shot.text_span[1], fps))
        container.mux(stream.encode(None))
    return VideoTruth(
        path, width, height, fps, frame_index, tuple(cuts), tuple(dissolves), tuple(flashes), tuple(texts)
    )


def make_video(
    path: Path,
    *,
    width: int = 640,
    height: int = 360,
    fps: int = 30,
    seconds: float = 12.0,
    shot_seconds: tuple[float, float] = (1.8, 2.6),
    dissolve_every: int = 3,
    flash_every: int = 4,
    text_every: int = 2,
    words: tuple[str, ...] = DEFAULT_WORDS,
    seed: int = 1,
) -> VideoTruth:
    """Write an H.264 mp4 of about ``seconds`` and return where its cuts, dissolves (1 s cross-fades,
    every ``dissolve_every``-th transition), flashes (3 white frames in every ``flash_every``-th shot)
    and words (one of ``words`` over the middle of every ``text_every``-th shot) are."""
    rng = random.Random(seed)
    total = round(seconds * fps)
    shots: list[_Shot] = []
    used = 0
    while used < total:
        length = min(round(rng.uniform(*shot_seconds) * fps), total - used)
        shot = _Shot(frames=length, scene=len(shots))
        number = len(shots)
        if number and number % dissolve_every == dissolve_every - 1 and length > 2 * fps:
            shot.dissolve_in = fps
        body_start = shot.dissolve_in
        body = length - body_start
        if number % flash_every == flash_every - 1 and body >= fps:
            shot.flash_at = body_start + body // 2 - 1
        if number % text_every == 1 and body >= fps:
            shot.text = words[(number // text_every) % len(words)]
            shot.text_span = (body_start + body // 5, length - body // 5)
        shots.append(shot)
        used += length
    if len(shots) > 1 and shots[-1].frames < fps // 2:  # no sliver of a last shot
        shots[-2].frames += shots.pop().frames
    return _write(path, shots, width, height, fps)


def make_audio_only(path: Path, *, seconds: float = 2.0) -> None:
    """An m4a with a quiet tone and no video track, for the no-video error path."""
    rate = 16_000
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate)
        stream.layout = "mono"
        samples = (np.sin(np.arange(round(seconds * rate)) * 2 * np.pi * 440 / rate) * 3000).astype(np.int16)
        for start in range(0, len(samples), 1024):
            chunk = samples[start : start + 1024][None, :]
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def make_cut_storm(
    path: Path, *, frames: int, fps: int, width: int = 64, height: int = 36, shot_frames: int = 1, seed: int = 5
) -> None:
    """A tiny H.264 mp4 that cuts to a new picture every ``shot_frames`` frames, at a frame rate
    ``fps`` that may be far above any real camera's: the worst case for a shot detector whose
    windows grow with the frame rate."""
    rng = np.random.default_rng(seed)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        image = np.zeros((height, width, 3), dtype=np.uint8)
        for index in range(frames):
            if index % shot_frames == 0:
                colour = rng.integers(0, 256, 3)
                image = np.clip(colour + rng.normal(0, 30, (height, width, 3)), 0, 255).astype(np.uint8)
            video_frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            video_frame.pts = index
            container.mux(stream.encode(video_frame))
        container.mux(stream.encode(None))


def make_still_video(path: Path, *, width: int, height: int, frames: int = 3, fps: int = 10) -> None:
    """A few frames of one grey gradient at any size (odd shapes included: 2x720, 16000x720)."""
    ramp = np.linspace(40, 220, width * height, dtype=np.float32).reshape(height, width)
    image = cv2.cvtColor(ramp.astype(np.uint8), cv2.COLOR_GRAY2BGR)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        for index in range(frames):
            video_frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            video_frame.pts = index
            container.mux(stream.encode(video_frame))
        container.mux(stream.encode(None))


def make_small_print(*, words: int = 1800, width: int = 1280, height: int = 720, seed: int = 3) -> np.ndarray:
    """A frame full of small print: ``words`` short random capitals in ~50 lines, dark on light
    (a page of terms, a spreadsheet): thousands of text boxes for an OCR detector."""
    rng = random.Random(seed)
    image = np.full((height, width, 3), 235, dtype=np.uint8)
    written, y = 0, 12
    while written < words and y < height:
        x = 4
        while x < width - 40 and written < words:
            word = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(rng.randint(2, 4)))
            cv2.putText(image, word, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.33, (20, 20, 20), 1, cv2.LINE_AA)
            x += cv2.getTextSize(word, cv2.FONT_HERSHEY_SIMPLEX, 0.33, 1)[0][0] + 10
            written += 1
        y += 14
    return image


def make_caption(*, text: str = "SPRING SALE", width: int = 1280, height: int = 720) -> np.ndarray:
    """A frame with one large caption: the usual cost of reading a frame."""
    image = np.full((height, width, 3), 90, dtype=np.uint8)
    cv2.putText(image, text, (width // 4, height * 3 // 4), cv2.FONT_HERSHEY_DUPLEX, 2.5, (255, 255, 255), 5)
    return image
