"""Test media made here, not downloaded: espeak-ng speech muxed with a tiny video track into an
mp4 by PyAV, and silent media of any length for limit tests."""

from __future__ import annotations

import struct
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

_SAMPLE_RATE = 16_000
_FRAME_SAMPLES = 1024
_VIDEO_SIZE = (64, 36)


def speak(text: str, wav_path: Path, *, words_per_minute: int = 150, voice: str = "en-us", pitch: int = 50) -> None:
    """Synthesize ``text`` with espeak-ng (Debian package ``espeak-ng``) into a WAV file, in
    ``voice`` (a language: fr, de, es, …, optionally with a variant: ``en-us+m3``) at ``pitch``
    (0 to 99)."""
    argv = [
        "espeak-ng",
        "-v",
        voice,
        "-p",
        str(pitch),
        "-s",
        str(words_per_minute),
        "-w",
        str(wav_path),
        text,
    ]
    subprocess.run(  # noqa: S603 - fixed argv; espeak-ng comes from PATH (Debian package)
        argv,
        check=True,
        capture_output=True,
    )


def _read_mono(wav_path: Path) -> np.ndarray:
    """The WAV's samples as 16 kHz mono int16."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=_SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    with av.open(str(wav_path)) as container:
        for frame in container.decode(audio=0):
            chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(frame))
    chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(None))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


def write_mp4(samples: np.ndarray, out_path: Path) -> float:
    """Mux 16 kHz mono int16 ``samples`` as AAC with a 1 fps grey video track; returns seconds."""
    seconds = len(samples) / _SAMPLE_RATE
    with av.open(str(out_path), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=1)
        video.width, video.height = _VIDEO_SIZE
        video.pix_fmt = "yuv420p"
        audio = container.add_stream("aac", rate=_SAMPLE_RATE)
        audio.layout = "mono"
        audio.bit_rate = 32_000
        grey = np.full((_VIDEO_SIZE[1], _VIDEO_SIZE[0], 3), 128, dtype=np.uint8)
        for second in range(max(1, int(np.ceil(seconds)))):
            frame = av.VideoFrame.from_ndarray(grey, format="rgb24")
            frame.pts = second
            frame.time_base = Fraction(1, 1)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        for start in range(0, len(samples), _FRAME_SAMPLES):
            chunk = samples[start : start + _FRAME_SAMPLES]
            sound = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
            sound.sample_rate = _SAMPLE_RATE
            sound.pts = start
            container.mux(audio.encode(sound))
        container.mux(audio.encode(None))
    return seconds


def speech_mp4(
    text: str, out_path: Path, *, pause_seconds: float = 0.6, voice: str = "en-us", lead_in: np.ndarray | None = None
) -> list[dict[str, float | str]]:
    """An mp4 of ``text`` spoken sentence by sentence (newline-separated) in ``voice``, with short
    pauses, after ``lead_in`` (16 kHz int16 samples: music, silence) when given. Returns when each
    sentence is spoken: [{"text", "start", "end"}] in seconds."""
    return dialogue_mp4(
        [(voice, 50, line) for line in text.splitlines() if line.strip()],
        out_path,
        pause_seconds=pause_seconds,
        lead_in=lead_in,
    )


def dialogue_mp4(
    lines: list[tuple[str, int, str]],
    out_path: Path,
    *,
    pause_seconds: float = 0.6,
    lead_in: np.ndarray | None = None,
) -> list[dict[str, float | str]]:
    """An mp4 of ``lines`` — (espeak-ng voice, pitch, sentence) each — spoken one after another
    with short pauses. Returns when each is spoken: [{"text", "voice", "start", "end"}] in seconds."""
    pause = np.zeros(int(pause_seconds * _SAMPLE_RATE), dtype=np.int16)
    parts: list[np.ndarray] = [] if lead_in is None else [lead_in.astype(np.int16)]
    timings: list[dict[str, float | str]] = []
    offset = sum(len(p) for p in parts)
    with tempfile.TemporaryDirectory() as tmp:
        for i, (voice, pitch, sentence) in enumerate(lines):
            wav = Path(tmp) / f"{i}.wav"
            speak(sentence.strip(), wav, voice=voice, pitch=pitch)
            samples = _read_mono(wav)
            timings.append(
                {
                    "text": sentence.strip(),
                    "voice": f"{voice}/{pitch}",
                    "start": offset / _SAMPLE_RATE,
                    "end": (offset + len(samples)) / _SAMPLE_RATE,
                }
            )
            parts.extend([samples, pause])
            offset += len(samples) + len(pause)
    write_mp4(np.concatenate(parts), out_path)
    return timings


def music(seconds: float, *, seed: int = 7) -> np.ndarray:
    """``seconds`` of a synthetic tune (16 kHz int16): chords of sine tones on a beat, over a
    little noise — sound that is not speech, for a lead-in before it."""
    rng = np.random.default_rng(seed)
    beat = _SAMPLE_RATE // 2
    t = np.arange(beat) / _SAMPLE_RATE
    notes = (220.0, 247.0, 262.0, 294.0, 330.0, 349.0, 392.0, 440.0)
    bars = []
    for _ in range(int(seconds * 2)):
        root = notes[rng.integers(len(notes))]
        bars.append(sum(a * np.sin(2 * np.pi * root * k * t) for a, k in ((0.2, 1), (0.1, 1.5), (0.1, 2))))
    tune = np.concatenate(bars) + 0.02 * rng.standard_normal(len(bars) * beat)
    return np.asarray(np.clip(tune, -1, 1) * 32767, dtype=np.int16)


def silent_mp4(seconds: float, out_path: Path) -> float:
    """Silence of the given length, muxed like speech (for duration-limit tests)."""
    return write_mp4(np.zeros(int(seconds * _SAMPLE_RATE), dtype=np.int16), out_path)


def video_only_mp4(seconds: int, out_path: Path) -> float:
    """A grey 1 fps video with no audio track at all: media with nothing to hear."""
    with av.open(str(out_path), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=1)
        video.width, video.height = _VIDEO_SIZE
        video.pix_fmt = "yuv420p"
        grey = np.full((_VIDEO_SIZE[1], _VIDEO_SIZE[0], 3), 128, dtype=np.uint8)
        for second in range(seconds):
            frame = av.VideoFrame.from_ndarray(grey, format="rgb24")
            frame.pts = second
            frame.time_base = Fraction(1, 1)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
    return float(seconds)


def repeated_mp4(source: Path, times: int, out_path: Path) -> float:
    """``source``'s audio ``times`` over, as a new mp4: longer speech without a new recording."""
    return write_mp4(np.concatenate([_read_mono(source)] * times), out_path)


def lying_mkv(seconds: float, claimed_seconds: float, out_path: Path) -> float:
    """A Matroska file holding ``seconds`` of audio (a tone, so it decodes to real samples) whose
    header Duration element says ``claimed_seconds``: what a client does to pay for less."""
    samples = (np.sin(np.arange(int(seconds * _SAMPLE_RATE)) * 2 * np.pi * 440 / _SAMPLE_RATE) * 8000).astype(np.int16)
    with av.open(str(out_path), "w", format="matroska") as container:
        audio = container.add_stream("aac", rate=_SAMPLE_RATE)
        audio.layout = "mono"
        for start in range(0, len(samples), _FRAME_SAMPLES):
            sound = av.AudioFrame.from_ndarray(
                samples[start : start + _FRAME_SAMPLES].reshape(1, -1), format="s16", layout="mono"
            )
            sound.sample_rate = _SAMPLE_RATE
            sound.pts = start
            container.mux(audio.encode(sound))
        container.mux(audio.encode(None))
    data = bytearray(out_path.read_bytes())
    # EBML Duration: ID 0x4489, size 8, a big-endian double in TimecodeScale units (1 ms).
    at = data.index(b"\x44\x89\x88")
    data[at + 3 : at + 11] = struct.pack(">d", claimed_seconds * 1000)
    # ffmpeg also writes a per-track DURATION tag; a liar edits that too (same length, "00:00:01…").
    tag = data.find(b"DURATION")
    if tag != -1:
        value_at = data.index(b"00:", tag)
        claimed = (
            f"{int(claimed_seconds // 3600):02d}:{int(claimed_seconds % 3600 // 60):02d}:{claimed_seconds % 60:012.9f}"
        )
        data[value_at : value_at + len(claimed)] = claimed.encode()
    out_path.write_bytes(bytes(data))
    return seconds


def remux(out_path: Path, *, video: Path | None = None, audio: Path | None = None) -> None:
    """A new mp4 with the video track of ``video`` and the audio track of ``audio`` (either may be
    left out), their packets copied as they are: pictures with speech, or speech without pictures."""
    sources = [(path, kind) for path, kind in ((video, "video"), (audio, "audio")) if path is not None]
    inputs = [av.open(str(path)) for path, _ in sources]
    try:
        with av.open(str(out_path), "w", format="mp4") as output:
            pairs = []
            for container, (_, kind) in zip(inputs, sources, strict=True):
                stream = getattr(container.streams, kind)[0]
                pairs.append((container, stream, output.add_stream_from_template(stream)))
            for container, stream, target in pairs:
                for packet in container.demux(stream):
                    if packet.dts is None:
                        continue
                    packet.stream = target
                    output.mux(packet)
    finally:
        for container in inputs:
            container.close()


def noise_mp4(frames: int, out_path: Path, *, size: tuple[int, int] = (320, 240), fps: int = 30) -> int:
    """Random pictures stored losslessly (H.264, qp 0) and no sound: a file that holds many bytes
    for its seconds (about 180 KiB a frame at 320x240). Returns its size in bytes."""
    width, height = size
    rng = np.random.default_rng(0)
    with av.open(str(out_path), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "qp": "0"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        for index in range(frames):
            # yuv420p as one plane: the luma rows, then the two chroma planes' rows.
            planes = rng.integers(0, 256, (height * 3 // 2, width), dtype=np.uint8)
            picture = av.VideoFrame.from_ndarray(planes, format="yuv420p")
            picture.pts, picture.time_base = index, Fraction(1, fps)
            container.mux(video.encode(picture))
        container.mux(video.encode(None))
    return out_path.stat().st_size
