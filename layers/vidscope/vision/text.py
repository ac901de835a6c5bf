"""On-screen text: RapidOCR (its ONNX models ship in the wheel; nothing is downloaded) on the
keyframes and on frames sampled every TEXT_SAMPLE_SECONDS where the picture changed since the last
frame read; the same text on consecutive samples becomes one item with a start and an end."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from vidscope.vision.frames import Frame, change_picture, local_change, to_bgr
from vidscope.vision.keyframes import encode_jpeg
from vidscope.vision.limits import MAX_TEXT_BOXES, TextBudget
from vidscope.vision.models import Box, DetectedShot, ScreenText

if TYPE_CHECKING:
    from rapidocr import RapidOCR

_log = logging.getLogger(__name__)

TEXT_DIR = "text"
# OCR costs ~0.25-0.4 s a frame on 2 cores at OCR_MAX_SIDE: one sample per 2 s keeps a 10-minute
# video that changes all the time within its budget (DESIGN §9).
TEXT_SAMPLE_SECONDS = 2.0
# The detector sees the frame with its longer side at most this: captions on 720p stay legible,
# and RapidOCR's default (shorter side at least 736) would upscale and cost twice as much.
OCR_MAX_SIDE = 800
# Readings below this are mostly noise; the capability filters by its own min_confidence later.
MIN_CONFIDENCE = 0.5
# A cell of the change grid moving this much (0-255) means the picture changed: read it again.
_CHANGED = 6.0
# A reading continues an earlier one when their boxes overlap this much.
_SAME_PLACE_IOU = 0.3
_MAX_LINE_HEIGHT = 0.4
_WORDLIKE = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class Reading:
    text: str
    confidence: float
    box: Box


@dataclass(eq=False)  # samples are told apart by identity; they hold arrays
class TextSample:
    frame: int
    time: float
    change: np.ndarray  # the grey at CHANGE_SIZE, to tell whether a later frame is any different
    jpeg: bytes | None  # None: no different from the sample read before it (same_as)
    same_as: TextSample | None = None
    file: str | None = None  # set when the picture is already written (a keyframe)
    readings: list[Reading] = field(default_factory=list)


class TextReader:
    """RapidOCR with its bundled models, reading upright text at OCR_MAX_SIDE: detection on the
    whole frame, then recognition of at most ``max_boxes`` boxes (the largest and most confident),
    so a frame full of small print costs a bounded number of recognitions."""

    def __init__(self, max_boxes: int = MAX_TEXT_BOXES) -> None:
        # Imported here: onnxruntime takes a second to import and shots alone never need it.
        from rapidocr import RapidOCR

        if max_boxes < 1:
            raise ValueError(f"max_boxes must be >= 1, not {max_boxes}")
        self.max_boxes = max_boxes
        self._engine: RapidOCR = RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.use_cls": False,  # burned-in text is upright; the angle model costs time
                "Det.limit_type": "max",
                "Det.limit_side_len": OCR_MAX_SIDE,
            }
        )

    def detect(self, picture: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The text boxes RapidOCR's detector finds (quadrilaterals, (n, 4, 2) in ``picture``'s
        pixels) and their scores, before any recognition."""
        from rapidocr.ch_ppocr_det import TextDetOutput

        found = self._engine(picture, use_rec=False)
        if not isinstance(found, TextDetOutput) or found.boxes is None or found.scores is None:
            return np.zeros((0, 4, 2), dtype=np.float32), np.zeros(0, dtype=np.float32)
        return np.asarray(found.boxes, dtype=np.float32), np.asarray(found.scores, dtype=np.float32)

    def read(self, picture: np.ndarray) -> list[Reading]:
        """The text on ``picture``: of its detected boxes the ``max_boxes`` with the largest area x
        detection score are recognised, and kept when they read as words."""
        from rapidocr.main import RapidOCRError
        from rapidocr.utils.process_img import get_rotate_crop_image

        boxes, scores = self.detect(picture)
        if not len(boxes):
            return []
        chosen = np.sort(np.argsort(-_box_areas(boxes) * scores, kind="stable")[: self.max_boxes])
        crops = [get_rotate_crop_image(picture, boxes[number].copy()) for number in chosen]
        try:
            recognised = self._engine.recognize_txt(crops)
        except RapidOCRError:  # nothing legible in any box
            return []
        if recognised.txts is None:
            return []
        height, width = picture.shape[:2]
        readings = []
        for number, text, score in zip(chosen, recognised.txts, recognised.scores, strict=True):
            text = " ".join(str(text).split())
            # A lone character is nearly always a shape read as a letter (a disc as "O").
            if float(score) < MIN_CONFIDENCE or len(_WORDLIKE.findall(text)) < 2:
                continue
            points = boxes[number]
            xs, ys = np.clip(points[:, 0], 0, width), np.clip(points[:, 1], 0, height)
            box = Box(
                left=float(xs.min()) / width,
                top=float(ys.min()) / height,
                width=float(xs.max() - xs.min()) / width,
                height=float(ys.max() - ys.min()) / height,
            )
            if box.height > _MAX_LINE_HEIGHT:  # a "line" as tall as the frame is a misread texture
                continue
            readings.append(Reading(text, float(score), box))
        return readings


def _box_areas(boxes: np.ndarray) -> np.ndarray:
    """The areas of (n, 4, 2) quadrilaterals (the shoelace formula)."""
    x, y = boxes[:, :, 0], boxes[:, :, 1]
    areas: np.ndarray = np.abs((x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y).sum(axis=1)) / 2
    return areas


class TextSampler:
    """Keeps a frame every TEXT_SAMPLE_SECONDS, as a JPEG when it differs from the last one kept."""

    def __init__(self, size: tuple[int, int]) -> None:
        self._size = size
        self._next_time = 0.0
        self._last_read: TextSample | None = None
        self.samples: list[TextSample] = []

    def offer(self, frame: Frame) -> None:
        if frame.time < self._next_time:
            return
        self._next_time = frame.time + TEXT_SAMPLE_SECONDS
        change = change_picture(frame.luma)
        last = self._last_read
        if last is not None and local_change(change, last.change) < _CHANGED:
            self.samples.append(TextSample(frame.index, frame.time, change, None, same_as=last))
            return
        self._last_read = TextSample(frame.index, frame.time, change, encode_jpeg(to_bgr(frame.source, self._size)))
        self.samples.append(self._last_read)


def is_new_picture(change: np.ndarray, samples: list[TextSample]) -> bool:
    """Whether a picture differs from every sample that will be read."""
    return all(local_change(change, s.change) >= _CHANGED for s in samples if s.jpeg is not None)


def _iou(a: Box, b: Box) -> float:
    left, top = max(a.left, b.left), max(a.top, b.top)
    right, bottom = min(a.left + a.width, b.left + b.width), min(a.top + a.height, b.top + b.height)
    overlap = max(0.0, right - left) * max(0.0, bottom - top)
    union = a.width * a.height + b.width * b.height - overlap
    return overlap / union if union > 0 else 0.0


@dataclass(eq=False)
class _Track:
    key: str
    text: str
    box: Box
    first: TextSample
    last: TextSample
    confidences: list[float]
    best: tuple[float, TextSample]


def _merge(samples: list[TextSample]) -> list[_Track]:
    """Readings of the same text in the same place on consecutive samples become one track."""
    open_tracks: list[_Track] = []
    done: list[_Track] = []
    for sample in samples:
        continued: list[_Track] = []
        for reading in sample.readings:
            key = reading.text.casefold()
            match = next(
                (
                    t
                    for t in open_tracks
                    if t.key == key and t not in continued and _iou(t.box, reading.box) >= _SAME_PLACE_IOU
                ),
                None,
            )
            if match is None:
                match = _Track(key, reading.text, reading.box, sample, sample, [], (-1.0, sample))
                open_tracks.append(match)
            match.last = sample
            match.confidences.append(reading.confidence)
            pictured = sample.same_as or sample
            if reading.confidence > match.best[0]:
                match.best = (reading.confidence, pictured)
            continued.append(match)
        done.extend(t for t in open_tracks if t not in continued)
        open_tracks = continued
    return done + open_tracks


def spread_order(count: int) -> list[int]:
    """0..count-1, coarse to fine: the first and then ever finer halvings of the range, so that any
    prefix is spread over all of it (reading stops early when the budget runs out)."""
    order: list[int] = []
    taken = [False] * count
    stride = 1 << max(0, count - 1).bit_length()
    while stride:
        for number in range(0, count, stride):
            if not taken[number]:
                taken[number] = True
                order.append(number)
        stride //= 2
    return order


def read_samples(reader: TextReader, samples: list[TextSample], duration: float, budget: TextBudget) -> int:
    """Reads the samples that have a picture, at most ``budget.frames(duration)`` of them and
    while ``budget.cpu_seconds(duration)`` of CPU time last, spread over the media; samples
    unchanged since one read carry its readings. Returns how many pictures were read."""
    pictured = [sample for sample in samples if sample.jpeg is not None]
    frames, cpu_seconds = budget.frames(duration), budget.cpu_seconds(duration)
    started = time.process_time()
    read = 0
    for number in spread_order(len(pictured))[:frames]:
        if time.process_time() - started >= cpu_seconds:
            break
        sample = pictured[number]
        picture = cv2.imdecode(np.frombuffer(sample.jpeg or b"", np.uint8), cv2.IMREAD_COLOR)
        sample.readings = reader.read(picture) if picture is not None else []
        read += 1
    if read < len(pictured):
        _log.warning(
            "text budget: read %d of %d pictures (%d frames, %.0f CPU-s)", read, len(pictured), frames, cpu_seconds
        )
    for sample in samples:
        if sample.jpeg is None and sample.same_as is not None:
            sample.readings = sample.same_as.readings
    return read


def read_screen_text(
    reader: TextReader,
    samples: list[TextSample],
    shots: list[DetectedShot],
    duration: float,
    out_dir: Path,
    budget: TextBudget | None = None,
) -> list[ScreenText]:
    """Reads the samples that have a picture (within ``budget``, by default ``TextBudget()``),
    carries readings over unchanged samples, merges them into items and writes one JPEG per
    item's best sighting (reusing keyframe files)."""
    samples = sorted(samples, key=lambda s: s.time)
    read_samples(reader, samples, duration, budget if budget is not None else TextBudget())
    shot_ends = [shot.end for shot in shots]
    sample_times = [sample.time for sample in samples]
    items = []
    for track in _merge(samples):
        # It shows until the next sample that did not show it, the shot's end or a sampling step.
        shot_end = next((end for end in shot_ends if end > track.last.time), duration)
        next_sample = next((time for time in sample_times if time > track.last.time), duration)
        start = round(track.first.time, 3)
        last = min(track.last.time + TEXT_SAMPLE_SECONDS, next_sample, shot_end)
        end = min(max(round(last, 3), start + 0.001), duration)
        sample = track.best[1]
        if sample.file is None and sample.jpeg is not None:
            sample.file = f"{TEXT_DIR}/frame_{sample.frame:06d}.jpg"
            (out_dir / TEXT_DIR).mkdir(parents=True, exist_ok=True)
            (out_dir / sample.file).write_bytes(sample.jpeg)
        if sample.file is None:  # unreachable: a track starts on a sample that was read
            continue
        items.append(
            ScreenText(
                start=start,
                end=end,
                text=track.text,
                confidence=round(sum(track.confidences) / len(track.confidences), 4),
                box=track.box,
                file=sample.file,
            )
        )
    return sorted(items, key=lambda item: (item.start, item.box.top, item.box.left))
