"""Clips for shorts and the download's container, made with PyAV (no ffmpeg binary in the images).

``render_clip`` cuts [start, end) out of a video, crops every frame to the requested aspect with a
window that follows a focus (the box of on-screen text active at that time, as fractions of the
frame), else the frame's busiest region (the column, or row, energy of its luma gradient), else the
centre, glides that window smoothly over time, scales it to at most ``max_height`` and encodes
H.264 + AAC into an mp4 whose timestamps start at 0 (moov first, so players start at once).

The crop works on the decoded YUV planes directly: no RGB round trip per frame, which is most of
the cost of a naive crop at 720p and above.

``remux`` re-packages media as mp4 (video + audio) or m4a (audio only) for the download, copying
the packets where the mp4 family carries the codec as is (H.264 video, AAC audio), else encoding
H.264/AAC.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator, Sequence
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


class ClipInfo(BaseModel):
    """What was written: the picture size, the duration and the file's size."""

    width: int
    height: int
    duration_seconds: float = Field(ge=0)
    size_bytes: int = Field(ge=0)


class PackagedMedia(BaseModel):
    """A re-packaged media file: its duration, its size and whether every stream was copied as is."""

    duration_seconds: float = Field(ge=0)
    size_bytes: int = Field(ge=0)
    copied: bool


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


def _output_size(crop_width: int, crop_height: int, aspect: str, max_height: int) -> tuple[int, int]:
    # Heights are multiples of 4: PyAV's yuv420p arrays hold the chroma planes as whole rows of luma width.
    height = max(4, 4 * (min(crop_height, max_height) // 4))
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
        seek_to = max(0.0, start - _SEEK_MARGIN_SECONDS) + origin
        container.seek(int(seek_to / (stream.time_base or _FIXED_TIME_BASE)), stream=stream, backward=True)
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


def _encode_audio(output: Any, samples: np.ndarray, rate: int, layout: str) -> deque[av.Packet[Any]]:
    """AAC packets of ``samples``, encoded up front (audio is small) so the video loop can
    interleave them by time."""
    stream = output.add_stream("aac", rate=rate)
    stream.layout = layout
    stream.bit_rate = _AUDIO_BIT_RATE
    packets: deque[av.Packet[Any]] = deque()
    step = 1024  # the AAC frame size
    for at in range(0, samples.shape[1], step):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples[:, at : at + step]), format="fltp", layout=layout
        )
        frame.sample_rate = rate
        frame.pts = at
        frame.time_base = Fraction(1, rate)
        packets.extend(stream.encode(frame))
    packets.extend(stream.encode(None))
    return packets


def _packet_time(packet: av.Packet[Any]) -> float:
    stamp = packet.dts if packet.dts is not None else packet.pts
    return float(stamp * packet.time_base) if stamp is not None and packet.time_base is not None else 0.0


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


def render_clip(
    source: Path,
    out: Path,
    *,
    start: float,
    end: float,
    aspect: str = "9:16",
    focus: Sequence[tuple[float, Box]] = (),
    max_height: int = 1280,
    glide_seconds: float = _GLIDE_SECONDS,
) -> ClipInfo:
    """Write [``start``, ``end``) of ``source`` (seconds from its start) to ``out`` as an H.264 +
    AAC mp4 cropped to ``aspect`` (``ASPECTS``), at most ``max_height`` high. ``focus`` lists
    (time, box) pairs, each box active from its time until the next one's; the crop window centres
    on the active box, else on the frame's busiest region. A span past the media's end stops there.
    ValueError: no video track, an unknown aspect or an empty span."""
    if not end > start >= 0:
        raise ValueError(f"an empty span: [{start}, {end})")
    focus = sorted(focus, key=lambda item: item[0])
    with av.open(str(source)) as container:
        if not container.streams.video:
            raise ValueError(f"{source.name} has no video track to make a clip of")
        video = container.streams.video[0]
        video.thread_type = "AUTO"  # frame threads: decoding is half the work
        time_base = video.time_base or _FIXED_TIME_BASE
        origin = float(video.start_time * time_base) if video.start_time is not None else 0.0
        if container.duration is not None:
            # A span past the media's end stops at it: no seconds of black and silence appended.
            end = min(end, container.duration / av.time_base)
            if end <= start:
                raise ValueError(f"{source.name} ends before {start} s")
        audio = _clip_audio(source, start, end, origin)
        fps = video.average_rate or video.guessed_rate or Fraction(30)
        width, height = video.codec_context.width, video.codec_context.height
        crop_width, crop_height = _crop_size(width, height, aspect)
        out_width, out_height = _output_size(crop_width, crop_height, aspect, max_height)
        horizontal = crop_width < width - width % 2  # the window slides along x (else along y)
        window, room = (crop_width, width - crop_width) if horizontal else (crop_height, height - crop_height)

        with av.open(str(out), "w", format="mp4", options=_MP4_OPTIONS) as output:
            encoder = output.add_stream("libx264", rate=fps, options=_ENCODE_OPTIONS)
            encoder.width, encoder.height, encoder.pix_fmt = out_width, out_height, "yuv420p"
            encoder.codec_context.time_base = _FIXED_TIME_BASE
            waiting: deque[av.Packet[Any]] = deque()
            if audio is not None:
                waiting = _encode_audio(output, *audio)

            def mux_video(packets: list[av.Packet[Any]]) -> None:
                for packet in packets:
                    # Audio up to this picture first: the file stays interleaved for streaming.
                    while waiting and _packet_time(waiting[0]) <= _packet_time(packet):
                        output.mux(waiting.popleft())
                    output.mux(packet)

            container.seek(int((start + origin) / time_base), stream=video, backward=True)
            centre: float | None = None  # of the window, in pixels along its axis
            target = 0.5 * (width if horizontal else height)
            measured_at = -math.inf
            last_time: float | None = None
            last_pts = -1
            for frame in container.decode(video):
                time = (frame.time - origin) if frame.time is not None else start
                if time < start:
                    continue
                if time >= end:
                    break
                if frame.format.name != "yuv420p" or frame.width % 2 or frame.height % 2:
                    frame = frame.reformat(width=width - width % 2, height=height - height % 2, format="yuv420p")
                luma, blue, red = _yuv_planes(frame)
                box = _focus_at(focus, time)
                if box is not None:
                    target = (box.left + box.width / 2) * width if horizontal else (box.top + box.height / 2) * height
                elif room and time - measured_at >= _SALIENCY_EVERY_SECONDS:
                    share = _busiest_centre(luma, window, horizontal)
                    target = share * (width if horizontal else height)
                    measured_at = time
                if centre is None or last_time is None:
                    centre = target
                else:
                    glide = 1.0 - math.exp(-(time - last_time) / glide_seconds) if glide_seconds > 0 else 1.0
                    centre += (target - centre) * glide
                last_time = time
                offset = 2 * (round(min(max(centre - window / 2, 0), room)) // 2)  # even: chroma is halved
                x, y = (offset, 0) if horizontal else (0, offset)
                planes = (
                    _resized(luma[y : y + crop_height, x : x + crop_width], out_width, out_height),
                    _resized(
                        blue[y // 2 : (y + crop_height) // 2, x // 2 : (x + crop_width) // 2],
                        out_width // 2,
                        out_height // 2,
                    ),
                    _resized(
                        red[y // 2 : (y + crop_height) // 2, x // 2 : (x + crop_width) // 2],
                        out_width // 2,
                        out_height // 2,
                    ),
                )
                picture = av.VideoFrame.from_ndarray(
                    np.concatenate([p.reshape(-1) for p in planes]).reshape(-1, out_width), format="yuv420p"
                )
                pts = max(last_pts + 1, round((time - start) / _FIXED_TIME_BASE))
                picture.pts, picture.time_base, last_pts = pts, _FIXED_TIME_BASE, pts
                mux_video(encoder.encode(picture))
            if last_pts < 0:
                raise ValueError(f"{source.name} has no picture in [{start}, {end})")
            mux_video(encoder.encode(None))
            while waiting:
                output.mux(waiting.popleft())
    duration, written_width, written_height = _probe(out)
    return ClipInfo(
        width=written_width, height=written_height, duration_seconds=round(duration, 3), size_bytes=out.stat().st_size
    )


def remux(source: Path, out: Path, *, audio_only: bool) -> PackagedMedia:
    """``source`` re-packaged as an mp4 (its video and audio) or, with ``audio_only``, an m4a
    (its audio): packets copied where H.264/AAC allow, else encoded to them. ValueError: no track
    to package."""
    with av.open(str(source)) as container:
        video = container.streams.video[0] if container.streams.video and not audio_only else None
        audio = container.streams.audio[0] if container.streams.audio else None
        if audio is None and (audio_only or video is None):
            raise ValueError(f"{source.name} has no {'audio' if audio_only else 'audio or video'} track to package")
        kept = [s for s in (video, audio) if s is not None]
        # "ipod" is the muxer behind .m4a: the same boxes as mp4, an audio brand players expect.
        with av.open(str(out), "w", format="ipod" if audio_only else "mp4", options=_MP4_OPTIONS) as output:
            copied: dict[int, bool] = {}
            targets: dict[int, Any] = {}  # PyAV's stubs type each kind apart; both are used alike here
            coders: dict[int, _AudioTranscoder] = {}
            for stream in kept:
                copy = stream.codec_context.name == ("h264" if stream.type == "video" else "aac")
                copied[stream.index] = copy
                if copy:
                    targets[stream.index] = output.add_stream_from_template(stream)
                elif stream.type == "video":
                    stream.thread_type = "AUTO"
                    pictures = output.add_stream("libx264", rate=stream.average_rate or 30, options=_ENCODE_OPTIONS)
                    pictures.width = stream.codec_context.width - stream.codec_context.width % 2
                    pictures.height = stream.codec_context.height - stream.codec_context.height % 2
                    pictures.pix_fmt = "yuv420p"
                    pictures.codec_context.time_base = stream.time_base or _FIXED_TIME_BASE
                    targets[stream.index] = pictures
                else:
                    rate = _audio_rate(stream.codec_context.sample_rate or 48_000)
                    layout = _audio_layout(stream.codec_context.channels or 2)
                    sound = output.add_stream("aac", rate=rate)
                    sound.layout, sound.bit_rate = layout, _AUDIO_BIT_RATE
                    targets[stream.index] = sound
                    coders[stream.index] = _AudioTranscoder(sound, rate, layout, stream)
            for packet in container.demux(kept):
                target = targets[packet.stream.index]
                if copied[packet.stream.index]:
                    if packet.dts is None:
                        continue  # the demuxer's end-of-stream marker, nothing to write
                    packet.stream = target
                    output.mux(packet)
                else:
                    for frame in packet.decode():
                        if isinstance(frame, av.VideoFrame):
                            picture = frame.reformat(width=target.width, height=target.height, format="yuv420p")
                            picture.pts, picture.time_base = frame.pts, frame.time_base
                            output.mux(target.encode(picture))
                        elif isinstance(frame, av.AudioFrame):
                            output.mux(coders[packet.stream.index].encode(frame))
            for index, target in targets.items():
                if index in coders:
                    output.mux(coders[index].encode(None))  # flushes its encoder too
                elif not copied[index]:
                    output.mux(target.encode(None))
    duration, _, _ = _probe(out)
    return PackagedMedia(
        duration_seconds=round(duration, 3), size_bytes=out.stat().st_size, copied=all(copied.values())
    )


class _AudioTranscoder:
    """Decoded audio to AAC: resampled, cut into the encoder's frame size, timed by sample count
    from the first frame's time (so a track that starts late stays in place)."""

    def __init__(self, target: Any, rate: int, layout: str, source: Any) -> None:
        self._target = target
        self._rate = rate
        self._resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        self._fifo = av.AudioFifo()
        self._next_pts: int | None = None
        self._origin = float(source.start_time * source.time_base) if source.start_time is not None else 0.0

    def encode(self, frame: av.AudioFrame | None) -> list[av.Packet[Any]]:
        if self._next_pts is None and frame is not None:
            begins = (frame.time - self._origin) if frame.time is not None else 0.0
            self._next_pts = max(0, round(begins * self._rate))
        for resampled in self._resampler.resample(frame):
            resampled.pts = None  # the FIFO checks continuity of stamps; samples are counted instead
            self._fifo.write(resampled)
        packets: list[av.Packet[Any]] = []
        size = self._target.codec_context.frame_size or 1024
        while self._fifo.samples >= size or (frame is None and self._fifo.samples):
            chunk = self._fifo.read(min(size, self._fifo.samples))
            if chunk is None:
                break
            chunk.pts = self._next_pts or 0
            chunk.time_base = Fraction(1, self._rate)
            self._next_pts = chunk.pts + chunk.samples
            packets.extend(self._target.encode(chunk))
        if frame is None:
            packets.extend(self._target.encode(None))
        return packets
