"""Speech to text with faster-whisper: model, device and compute type from configuration."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from vidscope.catalog import MAX_MEDIA_SECONDS
from vidscope.pipeline import speech_chunks, spoken_language
from vidscope.pipeline.spoken_language import Detection
from vidscope.pipeline.whisper_models import BUNDLED_PREFIX, bundled_path
from vidscope.transcripts import UNDETERMINED_LANGUAGE, Segment, SpeechRequest, Transcript, Word


@dataclass(frozen=True)
class WhisperConfig:
    # A faster-whisper model name, a local CTranslate2 directory, or a bundled one:
    # "bundled:base" (multilingual) or "bundled:tiny.en" (English only, ~3x faster on CPU).
    model: str
    device: str = "cpu"
    compute_type: str = "int8"
    batch_size: int = 8  # 0: sequential decoding

    @property
    def model_path(self) -> str:
        if self.model.startswith(BUNDLED_PREFIX):
            return bundled_path(self.model.removeprefix(BUNDLED_PREFIX))
        return self.model


class LanguageNotSupported(ValueError):
    """A forced language that the configured model cannot transcribe (an English-only model)."""


@dataclass(frozen=True)
class _Language:
    """The language to decode in (None: let the model choose per window) and what was heard."""

    decode: str | None
    reported: str
    confidence: float | None
    heard: tuple[str, ...] = ()


def _language(model: Any, request: SpeechRequest, detect: Callable[[], Detection | None]) -> _Language:
    if not model.model.is_multilingual:  # tiny.en: faster-whisper pins English, nothing to detect
        if request.language not in (None, "en"):
            raise LanguageNotSupported(f"the configured model transcribes English only, not {request.language!r}")
        return _Language(decode="en", reported="en", confidence=None)
    if request.language is not None:
        return _Language(decode=request.language, reported=request.language, confidence=1.0)
    detection = detect()
    if detection is None:  # no speech the VAD could hear: the model's own guess, within the set
        first = request.languages[0] if request.languages else None
        return _Language(decode=first, reported=first or UNDETERMINED_LANGUAGE, confidence=None)
    return _Language(
        decode=None if detection.switches else detection.language,
        reported=detection.language,
        confidence=detection.confidence,
        heard=detection.heard,
    )


@cache
def _model(config: WhisperConfig) -> Any:
    from faster_whisper import WhisperModel  # deferred: ~0.4 s, needed by the worker only

    return WhisperModel(config.model_path, device=config.device, compute_type=config.compute_type)


def decode_audio(media: Path, max_seconds: float, sampling_rate: int = 16_000) -> Any:
    """``media``'s first audio track as mono float32 at ``sampling_rate``, at most ``max_seconds``
    of it: decoding stops there, so a file that lied about its length past ingestion still costs
    no more GPU time than the limit allows."""
    import av
    import numpy as np

    limit = int(max_seconds * sampling_rate)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=sampling_rate)
    chunks: list[Any] = []
    kept = 0
    with av.open(str(media)) as container:
        if not container.streams.audio:  # a silent video: nothing to hear, an empty transcript
            return np.zeros(0, dtype=np.float32)
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
                kept += chunks[-1].shape[0]
            if kept >= limit:
                break
        else:
            chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))
    samples = np.concatenate(chunks)[:limit] if chunks else np.zeros(0, dtype=np.int16)
    return samples.astype(np.float32) / 32768.0


def _words(raw: list[Any] | None, start: float, end: float) -> list[Word] | None:
    """faster-whisper's word timings (numpy floats, a leading space on each word), kept inside
    their segment: the alignment can overshoot its edges by a few hundredths of a second."""
    if raw is None:
        return None
    words = []
    for word in raw:
        word_start = min(max(round(float(word.start), 3), start), end)
        word_end = min(max(round(float(word.end), 3), word_start), end)
        if word.word.strip():
            words.append(Word(start=word_start, end=word_end, word=word.word.strip()))
    return words


def _segments(
    model: Any,
    audio: Any,
    config: WhisperConfig,
    options: dict[str, Any],
    encoder: speech_chunks.ReusingEncoder | None,
) -> Iterator[Any]:
    """faster-whisper's segments of ``audio``: batched when configured, from the chunks cut for
    the vote when there are some (their times mapped back to the media, as the pipeline's VAD path
    maps them)."""
    if config.batch_size == 0:
        return iter(model.transcribe(audio, beam_size=1, **options)[0])
    if encoder is not None:
        return speech_chunks.transcribed(encoder, batch_size=config.batch_size, **options)
    from faster_whisper import BatchedInferencePipeline

    # With timestamps, a batch's 30 s window comes back as several segments: brand proofs then
    # point at a few seconds of speech rather than half a minute.
    segments, _ = BatchedInferencePipeline(model).transcribe(
        audio, batch_size=config.batch_size, without_timestamps=False, **options
    )
    return iter(segments)


def transcribe(
    media: Path,
    config: WhisperConfig,
    on_segment: Callable[[Segment, float], None] | None = None,
    *,
    max_seconds: float = MAX_MEDIA_SECONDS,
    request: SpeechRequest | None = None,
) -> Transcript:
    """Transcribe at most ``max_seconds`` of ``media``; ``on_segment(segment, media_seconds)`` is
    called as each segment comes out, so callers can report progress and stop early by raising."""
    audio = decode_audio(media, max_seconds)
    if audio.size == 0:
        return Transcript.from_segments([], language=UNDETERMINED_LANGUAGE, duration_seconds=0.0)
    model = _model(config)
    request = request or SpeechRequest()
    # Batched on CPU, the speech is cut once as the pipeline would cut it, and on media with
    # enough of it the vote's windows are chunks whose encodings the transcription reuses
    # (speech_chunks); otherwise the vote reads windows of its own.
    reuse = config.batch_size > 0 and config.device == "cpu" and model.model.is_multilingual and not request.language
    chunks = speech_chunks.cut(audio) if reuse else None
    encoder = speech_chunks.ReusingEncoder(model, chunks) if chunks is not None else None
    language = _language(
        model,
        request,
        lambda: (
            speech_chunks.detect(encoder, request.languages)
            if encoder is not None and encoder.chunks.spread_enough
            else spoken_language.detect(model, audio, request.languages)
        ),
    )
    # Word timings place brand proofs and chapter starts on the words themselves; they cost about
    # 5 % more decoding time (tiny.en, int8 CPU: 1.07x sequential, 1.04x batched). A media that
    # switches language is decoded with the language found again for every 30 s window.
    options: dict[str, Any] = {"word_timestamps": True, "language": language.decode}
    options["multilingual"] = language.decode is None
    segments = _segments(model, audio, config, options, encoder)
    duration = audio.shape[0] / spoken_language.SAMPLING_RATE
    collected: list[Segment] = []
    for raw in segments:
        start, end = round(float(raw.start), 3), round(float(raw.end), 3)
        segment = Segment(start=start, end=end, text=raw.text.strip(), words=_words(raw.words, start, end))
        if language.heard[1:]:
            segment.language = spoken_language.segment_language(model, audio, start, end, language.heard)
        collected.append(segment)
        if on_segment is not None:
            on_segment(segment, duration)
    transcript = Transcript.from_segments(
        collected,
        language=language.reported,
        duration_seconds=duration,
        language_confidence=language.confidence,
    )
    if request.speakers:
        from vidscope.pipeline import speakers  # deferred: ONNX Runtime, only for jobs that ask

        transcript = speakers.label(transcript, speakers.diarize(audio, request.speakers_expected))
    return transcript
