"""Clips for shorts and the download's container, made with PyAV (no ffmpeg binary in the images).

``render_clip`` cuts [start, end) out of a video, crops every frame to the requested aspect with a
window that follows a focus (the box of on-screen text active at that time, as fractions of the
frame), else the frame's busiest region (the column, or row, energy of its luma gradient), else the
centre, glides that window smoothly over time, scales it to at most ``max_side`` on its long side
(MAX_CLIP_SIDE), keeps at most MAX_CLIP_FPS frames a second (by their timestamps) and encodes
H.264 + AAC into an mp4 whose timestamps start at 0 (moov first, so players start at once).

The crop works on the decoded YUV planes directly: no RGB round trip per frame, which is most of
the cost of a naive crop at 720p and above.

``remux`` re-packages media as mp4 (video + audio) or m4a (audio only) for the download by copying
its packets; it never transcodes (``DownloadFormatUnsupported`` for a codec the container does not carry).

Both stop at ``billed_seconds``, the media's billed duration (what ingestion decoded): a file may
stamp its packets past what it holds (a second of sound spread over twenty), and nothing the job
did not pay for is copied, decoded or rendered.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
from pydantic import BaseModel, Field

from vidscope.vision.models import Box

ASPECTS: dict[str, tuple[int, int] | None] = {
    "9:16": (9, 16),
    "1:1": (1, 1),
    "16:9": (16, 9),
    "4:5": (4, 5),
    "original": None,
}
_ENCODE_OPTIONS = {"preset": "veryfast", "crf": "23"}
_MP4_OPTIONS = {"movflags": "+faststart"}  # the index first: a player streams it from a URL at once
_AAC_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)
_AUDIO_BIT_RATE = 128_000
_SEEK_MARGIN_SECONDS = 0.5  # AAC needs the frame before to decode the first wanted one cleanly
_GLIDE_SECONDS = 0.5  # time constant of the crop window's movement: steady, yet follows a move
_SALIENCY_WIDTH = 160  # luma is measured at this width: gradients of the main shapes survive
_SALIENCY_EVERY_SECONDS = 0.2  # the busiest region is measured this often; the glide fills in
_FIXED_TIME_BASE = Fraction(1, 90_000)  # fine enough to keep a variable frame rate's timing
# A clip's encoding follows its pixels per second, whatever the source's: at most this many frames a
# second (a frame shown less than the interval after the last kept one is dropped; the slack keeps
# every frame of 30 fps stamped to the millisecond) and this many pixels on its long side.
MAX_CLIP_FPS = 30
_MIN_FRAME_INTERVAL = 1.0 / MAX_CLIP_FPS - 0.002
MAX_CLIP_SIDE = 1280
# What the download's containers carry as is, by FFmpeg's codec names: the mp4 muxer's (those
# players know), and of them the m4a ("ipod") muxer's; audio the m4a muxer refuses goes in an mp4
# muxer's file, the same boxes under another brand. Anything else is refused, never re-encoded: an
# encode at the source's size and rate costs hundreds of times what a download is paid.
_MP4_CODECS = frozenset(
    {"h264", "hevc", "av1", "vp9", "mpeg4", "mpeg2video", "mjpeg"}
    | {"aac", "mp3", "opus", "flac", "alac", "ac3", "eac3", "mp2"}
)
_M4A_CODECS = frozenset({"aac", "alac", "ac3"})


class ClipInfo(BaseModel):
    """What was written: the picture size, the duration and the file's size."""

    width: int
    height: int
    duration_seconds: float = Field(ge=0)
    size_bytes: int = Field(ge=0)


class PackagedMedia(BaseModel):
    """A re-packaged media file (its packets copied): its duration and its size."""

    duration_seconds: float = Field(ge=0)
    size_bytes: int = Field(ge=0)


class DownloadFormatUnsupported(Exception):
    """A track of the media is in a codec the download's container does not carry as is (and
    downloads are never re-encoded). Step Functions matches the class name, which
    ``vidscope.pipeline.errors`` maps to DOWNLOAD_FORMAT_UNSUPPORTED (this room imports nothing of
    the pipeline): the download fails alone, uncharged."""


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def _crop_size(width: int, height: int, aspect: str) -> tuple[int, int]:
    """The largest window of ``aspect`` inside a ``width`` x ``height`` frame (even sides)."""
    if aspect not in ASPECTS:
        raise ValueError(f"unknown aspect {aspect!r}; one of {', '.join(ASPECTS)}")
    ratio = ASPECTS[aspect]
    if ratio is None:
        return width - width % 2, height - height % 2
    across, down = ratio
    if width * down > height * across:  # wider than the aspect: full height, part of the width
        return min(_even(height * across / down), width - width % 2), height - height % 2
    return width - width % 2, min(_even(width * down / across), height - height % 2)


def _output_size(crop_width: int, crop_height: int, aspect: str, max_side: int) -> tuple[int, int]:
    scale = min(1.0, max_side / max(crop_width, crop_height))  # the long side at most max_side
    # Heights are multiples of 4: PyAV's yuv420p arrays hold the chroma planes as whole rows of luma width.
    height = max(4, 4 * (int(crop_height * scale) // 4))
    ratio = ASPECTS[aspect]
    across, down = ratio if ratio is not None else (crop_width, crop_height)
    return _even(height * across / down), height


def _focus_at(focus: Sequence[tuple[float, Box]], time: float) -> Box | None:
    """The focus box active at ``time``: the latest one begun by then, else the first (the window
    waits where the first focus will be rather than jumping to it)."""
    active: Box | None = focus[0][1] if focus else None
    for begins, box in focus:
        if begins > time:
            break
        active = box
    return active


def _busiest_centre(luma: np.ndarray, window: int, horizontal: bool) -> float:
    """Where a window ``window`` pixels wide (or high) holds the most gradient energy, as the
    centre's fraction of the frame: a cheap stand-in for saliency (faces, text and moving subjects
    are edgy; skies, walls and blur are not)."""
    scale = _SALIENCY_WIDTH / luma.shape[1]
    small = cv2.resize(luma, (_SALIENCY_WIDTH, max(2, round(luma.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    small = small.astype(np.float32)
    energy = np.abs(np.diff(small, axis=1))[:-1, :] + np.abs(np.diff(small, axis=0))[:, :-1]
    profile = energy.sum(axis=0 if horizontal else 1)
    size = profile.shape[0]
    span = min(size, max(1, round(window * scale)))
    sums = np.convolve(profile, np.ones(span, dtype=np.float32), mode="valid")
    if not np.any(sums > 0):
        return 0.5
    best = int(np.argmax(sums))
    return float((best + span / 2) / size)


def _yuv_planes(frame: av.VideoFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of a yuv420p frame's planes without their row padding (no copy)."""
    planes = []
    for plane in frame.planes[:3]:
        rows = np.frombuffer(memoryview(plane), dtype=np.uint8).reshape(plane.height, plane.line_size)
        planes.append(rows[:, : plane.width])
    return planes[0], planes[1], planes[2]


def _resized(plane: np.ndarray, width: int, height: int) -> np.ndarray:
    if plane.shape[1] == width and plane.shape[0] == height:
        return np.ascontiguousarray(plane)
    return cv2.resize(plane, (width, height), interpolation=cv2.INTER_AREA)


def _audio_rate(rate: int) -> int:
    return rate if rate in _AAC_RATES else 48_000


def _audio_layout(channels: int) -> str:
    return "mono" if channels == 1 else "stereo"


def _seek(container: Any, stream: Any, seconds: float) -> None:
    """To the last keyframe of ``stream`` at or before ``seconds`` (media time)."""
    container.seek(int(seconds / (stream.time_base or _FIXED_TIME_BASE)), stream=stream, backward=True)


def _start_seconds(stream: Any) -> float:
    """When ``stream`` starts in its media's time (its stamps are taken relative to it)."""
    return float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0


def _clip_audio(source: Path, start: float, end: float, origin: float) -> tuple[np.ndarray, int, str] | None:
    """The source's audio over [start, end) as planar float samples (channels x samples), exactly
    (end - start) long (silence where the source has none), with its rate and layout; None
    without an audio track."""
    with av.open(str(source)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        rate = _audio_rate(stream.codec_context.sample_rate or 48_000)
        layout = _audio_layout(stream.codec_context.channels or 2)
        channels = 1 if layout == "mono" else 2
        wanted = round((end - start) * rate)
        samples = np.zeros((channels, wanted), dtype=np.float32)
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        _seek(container, stream, max(0.0, start - _SEEK_MARGIN_SECONDS) + origin)
        anchor: float | None = None  # the time of the first decoded sample; later ones follow it
        position = 0
        for frame in _decoded_audio(container, stream, resampler):
            if anchor is None:
                anchor = frame.time - origin if frame.time is not None else start
            chunk = frame.to_ndarray().reshape(channels, -1)
            begins = round((anchor - start) * rate) + position
            position += chunk.shape[1]
            if begins >= wanted:
                break
            lo, hi = max(0, begins), min(wanted, begins + chunk.shape[1])
            if hi > lo:
                samples[:, lo:hi] = chunk[:, lo - begins : hi - begins]
        return samples, rate, layout


def _decoded_audio(container: Any, stream: Any, resampler: av.AudioResampler) -> Iterator[av.AudioFrame]:
    for frame in container.decode(stream):
        yield from resampler.resample(frame)
    yield from resampler.resample(None)


def _probe(path: Path) -> tuple[float, int, int]:
    """The duration (the longest stream's) and the picture size of a written file."""
    with av.open(str(path)) as container:
        durations = [
            float(s.duration * s.time_base) for s in container.streams if s.duration is not None and s.time_base
        ]
        if not durations and container.duration is not None:
            durations = [container.duration / av.time_base]
        video = container.streams.video[0] if container.streams.video else None
        width = video.codec_context.width if video is not None else 0
        height = video.codec_context.height if video is not None else 0
        return max(durations, default=0.0), width, height


class _AacEncoder:
    """Audio to AAC on a new stream of ``output``: resampled to the encoder's format, cut into its
    frame size (``av.AudioFifo``), timed by sample count from the first frame's time."""

    def __init__(self, output: Any, rate: int, layout: str) -> None:
        self.stream = output.add_stream("aac", rate=rate)
        self.stream.layout, self.stream.bit_rate = layout, _AUDIO_BIT_RATE
        self._rate = rate
        self._resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        self._fifo = av.AudioFifo()
        self._next_pts: int | None = None

    def encode(self, frame: av.AudioFrame | None) -> list[av.Packet[Any]]:
        """The packets ``frame`` completes; None flushes the rest and the encoder."""
        if self._next_pts is None and frame is not None:
            begins = frame.time if frame.time is not None else 0.0
            self._next_pts = max(0, round(begins * self._rate))
        for resampled in self._resampler.resample(frame):
            resampled.pts = None  # the FIFO checks continuity of stamps; samples are counted instead
            self._fifo.write(resampled)
        packets: list[av.Packet[Any]] = []
        size = self.stream.codec_context.frame_size or 1024
        while self._fifo.samples >= size or (frame is None and self._fifo.samples):
            chunk = self._fifo.read(min(size, self._fifo.samples))
            if chunk is None:
                break
            chunk.pts = self._next_pts or 0
            chunk.time_base = Fraction(1, self._rate)
            self._next_pts = chunk.pts + chunk.samples
            packets.extend(self.stream.encode(chunk))
        if frame is None:
            packets.extend(self.stream.encode(None))
        return packets


class _ClipSound:
    """A clip's audio (``_clip_audio``'s samples) handed to its encoder as the pictures advance, so
    the muxer interleaves the two by time and the file streams from its start."""

    def __init__(self, output: Any, samples: np.ndarray, rate: int, layout: str) -> None:
        self._encoder = _AacEncoder(output, rate, layout)
        self._samples, self._rate, self._layout = samples, rate, layout
        self._sent = 0

    def until(self, seconds: float) -> list[av.Packet[Any]]:
        """The packets of the samples up to ``seconds`` into the clip not sent yet."""
        upto = min(self._samples.shape[1], round(seconds * self._rate))
        if upto <= self._sent:
            return []
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(self._samples[:, self._sent : upto]), format="fltp", layout=self._layout
        )
        frame.sample_rate, frame.pts, frame.time_base = self._rate, self._sent, Fraction(1, self._rate)
        self._sent = upto
        return self._encoder.encode(frame)

    def finish(self) -> list[av.Packet[Any]]:
        """The rest of the samples and the encoder's tail."""
        return [*self.until(self._samples.shape[1] / self._rate), *self._encoder.encode(None)]


@dataclass
class _CropWindow:
    """The window a clip shows of each frame: ``crop`` pixels of the (even-sided) frame, placed
    on the active focus box, else the busiest region, else the centre, gliding from place to place,
    scaled to ``out``."""

    width: int  # of the source frame
    height: int
    crop: tuple[int, int]
    out: tuple[int, int]
    focus: Sequence[tuple[float, Box]]
    glide_seconds: float
    centre: float | None = None  # of the window, in pixels along its axis
    target: float = 0.0  # where the window is heading
    measured_at: float = -math.inf  # when the busiest region was last measured
    last_time: float | None = None
    horizontal: bool = field(init=False)  # the window slides along x (else along y)

    def __post_init__(self) -> None:
        self.horizontal = self.crop[0] < self.width - self.width % 2
        self.target = 0.5 * self.length

    @classmethod
    def over(
        cls, width: int, height: int, *, aspect: str, max_side: int, focus: Sequence[tuple[float, Box]], glide: float
    ) -> _CropWindow:
        crop = _crop_size(width, height, aspect)
        out = _output_size(*crop, aspect, max_side)
        return cls(width, height, crop, out, sorted(focus, key=lambda item: item[0]), glide)

    @property
    def length(self) -> int:
        """The frame's size along the window's axis."""
        return self.width if self.horizontal else self.height

    @property
    def window(self) -> int:
        return self.crop[0] if self.horizontal else self.crop[1]

    def picture(self, frame: av.VideoFrame, time: float) -> av.VideoFrame:
        """The window's picture of ``frame`` (yuv420p, even sides) shown at ``time``."""
        luma, blue, red = _yuv_planes(frame)
        offset = self._offset(time, luma)
        x, y = (offset, 0) if self.horizontal else (0, offset)
        (crop_width, crop_height), (out_width, out_height) = self.crop, self.out
        planes = (
            _resized(luma[y : y + crop_height, x : x + crop_width], out_width, out_height),
            *(
                _resized(
                    chroma[y // 2 : (y + crop_height) // 2, x // 2 : (x + crop_width) // 2],
                    out_width // 2,
                    out_height // 2,
                )
                for chroma in (blue, red)
            ),
        )
        return av.VideoFrame.from_ndarray(
            np.concatenate([p.reshape(-1) for p in planes]).reshape(-1, out_width), format="yuv420p"
        )

    def _offset(self, time: float, luma: np.ndarray) -> int:
        """Where the window starts along its axis at ``time`` (even: chroma is halved)."""
        room = self.length - self.window
        self._aim(time, luma, room)
        if self.centre is None or self.last_time is None:
            self.centre = self.target
        else:
            glide = 1.0 - math.exp(-(time - self.last_time) / self.glide_seconds) if self.glide_seconds > 0 else 1.0
            self.centre += (self.target - self.centre) * glide
        self.last_time = time
        return 2 * (round(min(max(self.centre - self.window / 2, 0), room)) // 2)

    def _aim(self, time: float, luma: np.ndarray, room: int) -> None:
        box = _focus_at(self.focus, time)
        if box is not None:
            middle = box.left + box.width / 2 if self.horizontal else box.top + box.height / 2
            self.target = middle * self.length
        elif room and time - self.measured_at >= _SALIENCY_EVERY_SECONDS:
            self.target = _busiest_centre(luma, self.window, self.horizontal) * self.length
            self.measured_at = time


def _clip_span(container: Any, source: Path, start: float, end: float, billed_seconds: float | None) -> float:
    """Where the clip ends: at ``end``, or at the media's end or its billed duration when either
    comes first (no seconds of black and silence appended, nothing decoded past what was paid for)."""
    if billed_seconds is not None:
        end = min(end, billed_seconds)
    if container.duration is not None:
        end = min(end, container.duration / av.time_base)
    if end <= start:
        raise ValueError(f"{source.name} ends before {start} s")
    return end


def _frames_between(container: Any, video: Any, start: float, end: float) -> Iterator[tuple[float, av.VideoFrame]]:
    """The frames of ``video`` shown in [``start``, ``end``) (seconds from its start), at most
    MAX_CLIP_FPS a second (by their timestamps), each with its time, as yuv420p with even sides."""
    origin = _start_seconds(video)
    width, height = video.codec_context.width, video.codec_context.height
    _seek(container, video, start + origin)
    kept = -math.inf
    for frame in container.decode(video):
        time = (frame.time - origin) if frame.time is not None else start
        if time >= end:
            return
        if time < start or time - kept < _MIN_FRAME_INTERVAL:
            continue
        kept = time
        if frame.format.name != "yuv420p" or frame.width % 2 or frame.height % 2:
            frame = frame.reformat(width=width - width % 2, height=height - height % 2, format="yuv420p")
        yield time, frame


def _h264_stream(output: Any, rate: Any, width: int, height: int, time_base: Fraction) -> Any:
    pictures = output.add_stream("libx264", rate=rate, options=_ENCODE_OPTIONS)
    pictures.width, pictures.height, pictures.pix_fmt = width, height, "yuv420p"
    pictures.codec_context.time_base = time_base
    return pictures


def render_clip(
    source: Path,
    out: Path,
    *,
    start: float,
    end: float,
    aspect: str = "9:16",
    focus: Sequence[tuple[float, Box]] = (),
    max_side: int = MAX_CLIP_SIDE,
    glide_seconds: float = _GLIDE_SECONDS,
    billed_seconds: float | None = None,
) -> ClipInfo:
    """Write [``start``, ``end``) of ``source`` (seconds from its start) to ``out`` as an H.264 +
    AAC mp4 cropped to ``aspect`` (``ASPECTS``), at most ``max_side`` on its long side and
    MAX_CLIP_FPS frames a second, whatever the source's size and rate. ``focus`` lists
    (time, box) pairs, each box active from its time until the next one's; the crop window centres
    on the active box, else on the frame's busiest region. A span past the media's end, or past
    ``billed_seconds``, stops there. ValueError: no video track, an unknown aspect or an empty span."""
    return render_montage(
        source,
        out,
        spans=[(start, end)],
        aspect=aspect,
        focus=focus,
        max_side=max_side,
        glide_seconds=glide_seconds,
        billed_seconds=billed_seconds,
    )


def render_montage(
    source: Path,
    out: Path,
    *,
    spans: Sequence[tuple[float, float]],
    aspect: str = "original",
    focus: Sequence[tuple[float, Box]] = (),
    max_side: int = MAX_CLIP_SIDE,
    glide_seconds: float = _GLIDE_SECONDS,
    billed_seconds: float | None = None,
) -> ClipInfo:
    """``render_clip`` over several spans of ``source`` (in time order, not overlapping), played
    one after the other in one mp4: a preview's moments. Each span is bounded as ``render_clip``
    bounds its one (the media's end, ``billed_seconds``, MAX_CLIP_FPS, ``max_side``)."""
    if not spans or any(not end > start >= 0 for start, end in spans):
        raise ValueError(f"empty spans: {list(spans)}")
    if any(later[0] < earlier[1] for earlier, later in itertools.pairwise(spans)):
        raise ValueError(f"spans out of order or overlapping: {list(spans)}")
    with av.open(str(source)) as container:
        if not container.streams.video:
            raise ValueError(f"{source.name} has no video track to make a clip of")
        video = container.streams.video[0]
        video.thread_type = "AUTO"  # frame threads: decoding is half the work
        bounded = [(start, _clip_span(container, source, start, end, billed_seconds)) for start, end in spans]
        sound = _montage_audio(source, bounded, _start_seconds(video))
        window = _CropWindow.over(
            video.codec_context.width,
            video.codec_context.height,
            aspect=aspect,
            max_side=max_side,
            focus=focus,
            glide=glide_seconds,
        )
        with av.open(str(out), "w", format="mp4", options=_MP4_OPTIONS) as output:
            rate = min(video.average_rate or video.guessed_rate or Fraction(MAX_CLIP_FPS), Fraction(MAX_CLIP_FPS))
            pictures = _h264_stream(output, rate, *window.out, _FIXED_TIME_BASE)
            audio = _ClipSound(output, *sound) if sound is not None else None
            last_pts, offset = -1, 0.0
            for start, end in bounded:
                for time, frame in _frames_between(container, video, start, end):
                    picture = window.picture(frame, time)
                    at = offset + time - start  # seconds into the clip
                    picture.pts = last_pts = max(last_pts + 1, round(at / _FIXED_TIME_BASE))
                    picture.time_base = _FIXED_TIME_BASE
                    # Audio up to this picture first: mux() interleaves what it is given by time.
                    output.mux([*(audio.until(at) if audio else []), *pictures.encode(picture)])
                offset += end - start
            if last_pts < 0:
                raise ValueError(f"{source.name} has no picture in {bounded}")
            output.mux([*pictures.encode(None), *(audio.finish() if audio else [])])
    duration, written_width, written_height = _probe(out)
    return ClipInfo(
        width=written_width, height=written_height, duration_seconds=round(duration, 3), size_bytes=out.stat().st_size
    )


def _montage_audio(
    source: Path, spans: Sequence[tuple[float, float]], origin: float
) -> tuple[np.ndarray, int, str] | None:
    """The source's audio over each span, one after the other (``_clip_audio``'s samples)."""
    parts = [_clip_audio(source, start, end, origin) for start, end in spans]
    present = [p for p in parts if p is not None]
    if not present:
        return None
    _, rate, layout = present[0]
    return np.concatenate([samples for samples, _, _ in present], axis=1), rate, layout


def _past(packet: av.Packet[Any], billed_seconds: float | None) -> bool:
    """Whether ``packet`` is decoded at or after ``billed_seconds`` from its stream's start."""
    if billed_seconds is None or packet.dts is None or packet.time_base is None:
        return False
    start = packet.stream.start_time or 0
    return float((packet.dts - start) * packet.time_base) >= billed_seconds


def _muxer(streams: Sequence[Any], audio_only: bool) -> str:
    """The muxer whose file carries every one of ``streams`` as is; DownloadFormatUnsupported for a codec
    none of the download's containers carries."""
    codecs = {s.codec_context.codec.canonical_name for s in streams}
    if refused := sorted(codecs - _MP4_CODECS):
        kind = "m4a" if audio_only else "mp4"
        raise DownloadFormatUnsupported(
            f"the media's {' and '.join(refused)} cannot be copied into an {kind} file as is, and downloads are "
            "never re-encoded"
        )
    # "ipod" is the muxer behind .m4a: the same boxes as mp4, an audio brand players expect.
    return "ipod" if audio_only and codecs <= _M4A_CODECS else "mp4"


def remux(source: Path, out: Path, *, audio_only: bool, billed_seconds: float | None = None) -> PackagedMedia:
    """``source`` re-packaged as an mp4 (its video and audio) or, with ``audio_only``, an m4a
    (its audio), packets copied as they are, each stream up to ``billed_seconds`` from its start
    (in decode order, so a copied picture never loses the one it refers to). ValueError: no track
    to package; DownloadFormatUnsupported: a track the container does not carry as is (never re-encoded)."""
    with av.open(str(source)) as container:
        video = container.streams.video[0] if container.streams.video and not audio_only else None
        audio = container.streams.audio[0] if container.streams.audio else None
        if audio is None and (audio_only or video is None):
            raise ValueError(f"{source.name} has no {'audio' if audio_only else 'audio or video'} track to package")
        kept = [s for s in (video, audio) if s is not None]
        with av.open(str(out), "w", format=_muxer(kept, audio_only), options=_MP4_OPTIONS) as output:
            # opaque: the stream takes the source's codec as it is (a decoder such as libdav1d has
            # no encoder of its name for PyAV to look up).
            targets = {s.index: output.add_stream_from_template(s, opaque=True) for s in kept}
            ended: set[int] = set()
            for packet in container.demux(kept):
                index = packet.stream.index
                if not packet.size:
                    continue  # the demuxer's end-of-stream marker, nothing to write
                if index in ended or _past(packet, billed_seconds):
                    ended.add(index)
                    if len(ended) == len(kept):
                        break  # the rest of the file is never read
                    continue
                packet.stream = targets[index]
                output.mux(packet)
    duration, _, _ = _probe(out)
    return PackagedMedia(duration_seconds=round(duration, 3), size_bytes=out.stat().st_size)
