"""Rendering a styled video: the source's frames through the 3D LUT the client gets as a .cube
file (turned into tables on the decoder's YUV planes: FFmpeg's lut3d filter converts every frame
to RGB and back and took 46 ms a 720p frame, the tables ~10) into H.264 at the source's size,
frame rate and timestamps, with its sound replaced by the loudness-matched samples, as AAC, in an
mp4 that starts playing before it is fully fetched. Nothing past ``max_seconds`` is decoded."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from vidscope.style.audio import RATE
from vidscope.style.measure import frame_times

# x264's speed preset and quality, measured by bench/style.py on a 20-s 720p30 clip (the same LUT;
# structure = edge-map correlation with the source, 0.922 before encoding; CPU-s of the whole render):
#   superfast CRF 18: 0.907, 16.5 MB, 13.5 CPU-s    superfast CRF 16: 0.912, 24.6 MB, 12.7-14.5
#   superfast CRF 14: 0.916, 34.1 MB, 14.1          veryfast (the MKL LUT): 0.006-0.009 below superfast
#   ultrafast CRF 18: 0.910, 22.8 MB,  9.3          ultrafast CRF 17: 0.913, 26.0 MB, 8.6
# ultrafast (no deblocking, no B-frames, CAVLC) keeps edges as well as superfast a CRF step finer, in
# 6 % more bytes and ~40 % less CPU; back to back on the loaded bench machine its wall time stayed near
# its CPU time where superfast's frame threads took 2.6x theirs. tune=grain kept 0.006 more at CRF 18
# in twice the bytes.
X264_PRESET = "ultrafast"
X264_CRF = "17"
_AUDIO_BITRATE = 160_000
_AUDIO_FRAME = 1024  # AAC's frame: what the encoder takes at once
# Frames graded side by side, and how far ahead of the encoder (each a 1.4 MB 720p picture).
_LUT_THREADS = 2
_LUT_AHEAD = 4
_PROGRESS_EVERY = 0.01  # of the media: whoever listens decides how often to record it


@dataclass(frozen=True)
class Rendered:
    width: int
    height: int
    fps: float
    frames: int
    duration_seconds: float  # the last frame's end, or the sound's, whichever is later
    size_bytes: int


_CHROMA_BITS = 6  # the tables' chroma axes: 64 steps of 4 code values each
_CHROMA_SHIFT = 8 - _CHROMA_BITS
_CHROMA_STEPS = 1 << _CHROMA_BITS


class YuvLut:
    """The 3D LUT turned into look-up tables on the decoder's own YUV 4:2:0 planes, built once by
    running every (Y, U, V) code through the frame's colour conversion (PyAV's libswscale, with the
    stream's matrix and range), the LUT (trilinear) and back: per frame, one table read per luma
    sample keyed by its chroma, and one per chroma sample keyed by the mean luma under it. Chroma is
    keyed at 6 bits (the LUT's own grid has 33 points per axis)."""

    def __init__(self, lut: np.ndarray, template_frame: Any) -> None:
        import av

        from vidscope.style.transfer import apply_lut

        luma, u, v = np.meshgrid(
            np.arange(256, dtype=np.uint8),
            (np.arange(_CHROMA_STEPS) << _CHROMA_SHIFT) + (1 << _CHROMA_SHIFT) // 2,
            (np.arange(_CHROMA_STEPS) << _CHROMA_SHIFT) + (1 << _CHROMA_SHIFT) // 2,
            indexing="ij",
        )
        side = 16 * _CHROMA_STEPS  # 256 x 64 x 64 codes as a square picture
        planes = np.stack([p.astype(np.uint8).reshape(side, side) for p in (luma, u, v)])
        grid = av.VideoFrame.from_ndarray(planes, format="yuv444p")
        # The conversion the decoder's frames get when measured (their matrix; PyAV's default range).
        grid.colorspace = template_frame.colorspace
        bgr = grid.reformat(format="bgr24").to_ndarray()
        graded = av.VideoFrame.from_ndarray(apply_lut(bgr, lut), format="bgr24")
        back = graded.reformat(format="yuv444p", dst_colorspace=template_frame.colorspace).to_ndarray()
        self._y, self._u, self._v = (np.ascontiguousarray(plane.reshape(-1)) for plane in back)

    def apply(self, frame: Any) -> Any:
        """A yuv420p frame (even sides) through the tables, as a new frame."""
        import av
        import cv2

        height, width = frame.height, frame.width
        planes = frame.to_ndarray()  # yuv420p: Y rows, then U's and V's quarter planes
        luma = planes[:height]
        u = planes[height : height + height // 4].reshape(height // 2, width // 2)
        v = planes[height + height // 4 :].reshape(height // 2, width // 2)
        chroma = ((u >> _CHROMA_SHIFT).astype(np.uint32) << _CHROMA_BITS) | (v >> _CHROMA_SHIFT)
        # Each luma sample reads the chroma sample it shares (nearest: what the decoder's planes say).
        chroma_up = cv2.resize(chroma.view(np.float32), (width, height), interpolation=cv2.INTER_NEAREST)
        key = (luma.astype(np.uint32) << (2 * _CHROMA_BITS)) | chroma_up.view(np.uint32)
        mean_luma = cv2.resize(luma, (width // 2, height // 2), interpolation=cv2.INTER_AREA).astype(np.uint32)
        chroma_key = (mean_luma << (2 * _CHROMA_BITS)) | chroma
        out = np.concatenate([self._y[key].ravel(), self._u[chroma_key].ravel(), self._v[chroma_key].ravel()])
        graded = av.VideoFrame.from_ndarray(out.reshape(-1, width), format="yuv420p")
        graded.colorspace, graded.color_range = frame.colorspace, frame.color_range
        return graded


def _even(frame: Any) -> Any:
    """The frame as yuv420p with even sides (H.264 4:2:0 needs them): an odd last row or column
    is dropped."""
    width, height = frame.width - frame.width % 2, frame.height - frame.height % 2
    if frame.format.name == "yuv420p" and (width, height) == (frame.width, frame.height):
        return frame
    return frame.reformat(width=width, height=height, format="yuv420p")


def _graded(frames: Iterable[tuple[Any, float]], lut: np.ndarray) -> Iterator[tuple[Any, Any, float]]:
    """Each decoded frame with its time and its picture through ``lut``'s tables, in order: the
    tables are applied on _LUT_THREADS worker threads, up to _LUT_AHEAD frames ahead of the encoder
    (numpy's and OpenCV's work lets go of the GIL, so decoding, grading and x264's own threads run side by
    side: the calling thread's CPU time on the bench fell from 4.3-5.2 s to 0.9 s of 7.3-8.6)."""
    tables: YuvLut | None = None
    pending: deque[tuple[Any, Future[Any], float]] = deque()
    with ThreadPoolExecutor(_LUT_THREADS, thread_name_prefix="style-lut") as pool:
        for frame, time in frames:
            picture = _even(frame)
            tables = tables or YuvLut(lut, picture)
            pending.append((frame, pool.submit(tables.apply, picture), time))
            if len(pending) > _LUT_AHEAD:
                done, graded, at = pending.popleft()
                yield done, graded.result(), at
        while pending:
            done, graded, at = pending.popleft()
            yield done, graded.result(), at


def encode_sound(samples: np.ndarray, target: Path) -> None:
    """``samples`` (frames x channels at RATE) as AAC in an m4a at ``target``."""
    import av

    with av.open(str(target), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=RATE)
        stream.layout = "mono" if samples.shape[1] == 1 else "stereo"
        stream.bit_rate = _AUDIO_BITRATE
        for start in range(0, len(samples), _AUDIO_FRAME):
            chunk = np.ascontiguousarray(samples[start : start + _AUDIO_FRAME].T)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=stream.layout.name)
            frame.sample_rate, frame.pts, frame.time_base = RATE, start, Fraction(1, RATE)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


class _Sound:
    """Encoded sound (an m4a) muxed packet by packet as the pictures reach its time (interleaved)."""

    def __init__(self, container: Any, encoded: Path | None) -> None:
        import av

        self._input = av.open(str(encoded)) if encoded is not None else None
        self._stream = self._packets = None
        self._pending: Any = None
        if self._input is not None:
            source = self._input.streams.audio[0]
            self._stream = container.add_stream_from_template(source)
            self._packets = (p for p in self._input.demux(source) if p.dts is not None)

    def until(self, container: Any, seconds: float | None) -> None:
        if self._stream is None or self._packets is None:
            return
        while True:
            packet = self._pending if self._pending is not None else next(self._packets, None)
            if packet is None:
                break
            if seconds is not None and packet.pts is not None and float(packet.pts * packet.time_base) > seconds:
                self._pending = packet
                return
            self._pending = None
            packet.stream = self._stream
            container.mux(packet)

    def close(self) -> None:
        if self._input is not None:
            self._input.close()


def render(
    source: Path,
    target: Path,
    *,
    lut: np.ndarray,
    sound: Path | None,
    max_seconds: float,
    on_progress: Callable[[float], None] | None = None,
) -> Rendered:
    """``source``'s pictures through ``lut`` (``transfer.build_lut``) with ``sound`` (an m4a made
    by ``encode_sound``, or None for none) as an H.264/AAC mp4 at ``target``; ``on_progress``
    hears the share of ``max_seconds`` rendered at every percent of it."""
    import av

    frames, last_end, reported = 0, 0.0, 0.0
    with (
        av.open(str(source)) as inp,
        av.open(str(target), "w", format="mp4", options={"movflags": "+faststart"}) as out,
    ):
        video_in = inp.streams.video[0]
        video_in.thread_type = "AUTO"
        rate = video_in.average_rate or video_in.guessed_rate or Fraction(30)
        video_out = out.add_stream("libx264", rate=rate, options={"preset": X264_PRESET, "crf": X264_CRF})
        width, height = video_in.codec_context.width, video_in.codec_context.height
        video_out.width, video_out.height = width - width % 2, height - height % 2
        video_out.pix_fmt, video_out.time_base = "yuv420p", video_in.time_base
        video_out.thread_type = "AUTO"
        new_sound = _Sound(out, sound)
        first_pts = None
        for frame, graded, time in _graded(frame_times(inp, video_in, max_seconds), lut):
            first_pts = frame.pts if first_pts is None else first_pts
            graded.pts, graded.time_base = frame.pts - first_pts, video_in.time_base
            out.mux(video_out.encode(graded))
            frames += 1
            last_end = time + 1 / float(rate)
            new_sound.until(out, time)
            if on_progress is not None and time - reported >= _PROGRESS_EVERY * max_seconds:
                on_progress(min(1.0, time / max_seconds))
                reported = time
        out.mux(video_out.encode(None))
        new_sound.until(out, None)
        new_sound.close()
    duration = last_end
    return Rendered(video_out.width, video_out.height, float(rate), frames, duration, target.stat().st_size)
