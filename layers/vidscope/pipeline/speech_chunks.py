"""The speech a batched transcription decodes, cut once and encoded once.

faster-whisper's ``BatchedInferencePipeline`` runs the Silero VAD over the whole media, packs the
speech into chunks of at most 30 s, and encodes and decodes them in batches. The language vote
(``spoken_language``) scores a few windows spread over the media, and scoring a window is an
encoder pass: 0.45 s on 2 CPU cores with base, as much as the one detection a bare transcription
makes, so three windows cost two passes more than the bare one.

Here the speech is cut exactly as the pipeline cuts it (its VAD options, its ``collect_chunks``),
the vote's windows are chunks of the transcription itself, and their encoder outputs are kept:
when the transcription reaches those chunks it takes the kept outputs instead of encoding again.
A window then costs one decoder step. The pipeline is handed the cut speech with each chunk's
span (``clip_timestamps``, with the VAD off), and the segments' times are mapped back to the
media with faster-whisper's own ``restore_speech_timestamps``, as its VAD path does: the same
chunks, the same features, the same transcript.

On media with fewer than ``WINDOWS`` chunks of speech (about 3 minutes) chunks are too coarse to
hear a switch of language inside one: the vote takes its own, overlapping windows there.

Only on CPU: a GPU's encoder output would have to come back to the host to be kept, and a GPU's
encoder pass is cheap anyway.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from vidscope.pipeline import spoken_language
from vidscope.pipeline.spoken_language import MIN_WINDOW_SECONDS, SAMPLING_RATE, WINDOWS, Detection

CHUNK_SECONDS = 30  # Whisper's input, the pipeline's chunk length
# The pipeline's own VAD options when it is given none (BatchedInferencePipeline.transcribe).
MIN_SILENCE_MS = 160


@dataclass(frozen=True)
class SpeechChunks:
    """The media's speech as the pipeline's VAD path would decode it."""

    speech: list[dict[str, int]]  # the VAD's spans in the media (samples)
    audio: Any  # the speech alone, span after span: the timeline the chunks are cut from
    spans: list[tuple[int, int]]  # each chunk's span in ``audio`` (samples)

    @property
    def clip_timestamps(self) -> list[dict[str, float]]:
        # The pipeline turns seconds back into samples with int(): half a sample more keeps a
        # float's rounding from moving a boundary by one sample.
        return [{"start": (a + 0.5) / SAMPLING_RATE, "end": (b + 0.5) / SAMPLING_RATE} for a, b in self.spans]

    def chunk(self, index: int) -> Any:
        start, end = self.spans[index]
        return self.audio[start:end]

    @property
    def long_chunks(self) -> list[int]:
        """The chunks long enough to tell a language by."""
        return [i for i, (a, b) in enumerate(self.spans) if b - a >= MIN_WINDOW_SECONDS * SAMPLING_RATE]

    @property
    def spread_enough(self) -> bool:
        """Whether the vote can take its windows from the chunks: only with ``WINDOWS`` of them.
        Fewer (under about 3 minutes of speech) are too coarse: a switch of language inside a
        30-s chunk would go unheard, where the vote's own windows, overlapping, hear it."""
        return len(self.long_chunks) >= WINDOWS


def cut(audio: Any) -> SpeechChunks | None:
    """``audio``'s speech in the pipeline's chunks; None when the VAD hears none."""
    import numpy as np
    from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

    options = VadOptions(max_speech_duration_s=CHUNK_SECONDS, min_silence_duration_ms=MIN_SILENCE_MS)
    speech = get_speech_timestamps(audio, options)
    if not speech:
        return None
    chunks, metadata = collect_chunks(audio, speech, max_duration=CHUNK_SECONDS)
    spans = []
    for meta in metadata:
        start = round(meta["offset"] * SAMPLING_RATE)
        spans.append((start, start + round(meta["duration"] * SAMPLING_RATE)))
    return SpeechChunks(speech=speech, audio=np.concatenate(chunks), spans=spans)


def _key(features: Any) -> bytes:
    return hashlib.blake2b(features.tobytes(), digest_size=16).digest()


class ReusingEncoder:
    """A ``WhisperModel`` for the speech ``chunks``, whose ``encode`` gives back the outputs it
    kept for chunks encoded before (by their features' digest), encoding only the others;
    everything else is the model's. Handed to ``BatchedInferencePipeline`` in the model's place."""

    def __init__(self, model: Any, chunks: SpeechChunks) -> None:
        self._model = model
        self.chunks = chunks
        self._kept: dict[bytes, Any] = {}  # features digest -> encoder output (numpy, one chunk)
        self._alive: Any = None  # the array the last stitched StorageView reads from

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def features(self, samples: Any) -> Any:
        """One chunk's features, as the pipeline computes them."""
        from faster_whisper.audio import pad_or_trim

        return pad_or_trim(self._model.feature_extractor(samples)[..., :-1])

    def scores(self, samples: Any, candidates: Sequence[str] | None) -> dict[str, float]:
        """The languages' probabilities on one chunk, keeping its encoder output for later."""
        import numpy as np

        features = self.features(samples)
        output = self._model.encode(features)
        self._kept[_key(features)] = np.array(output)[0]
        [ranked] = self._model.model.detect_language(output)
        return spoken_language.normalised(((token[2:-2], p) for token, p in ranked), candidates)

    def encode(self, features: Any) -> Any:
        import ctranslate2
        import numpy as np

        rows = features if features.ndim == 3 else features[None]
        if not self._kept:  # the vote's chunks all taken: nothing to look up
            return self._model.encode(rows)
        found = [self._kept.pop(_key(row), None) for row in rows]
        if all(output is None for output in found):
            return self._model.encode(rows)
        missing = [i for i, output in enumerate(found) if output is None]
        if missing:
            fresh = np.array(self._model.encode(np.ascontiguousarray(rows[missing])))
            for i, output in zip(missing, fresh, strict=True):
                found[i] = output
        # from_array shares the array's memory: it must outlive the batch's decoding, which ends
        # before the pipeline encodes its next batch.
        self._alive = np.ascontiguousarray(np.stack(found))
        return ctranslate2.StorageView.from_array(self._alive)


def _windows(chunks: SpeechChunks) -> list[int]:
    """Up to ``WINDOWS`` chunks at even steps through the speech, in ``spread`` order; chunks
    too short to tell a language by are passed over while longer ones exist."""
    eligible = chunks.long_chunks or list(range(len(chunks.spans)))
    count = min(WINDOWS, len(eligible))
    chosen = list(dict.fromkeys(eligible[n * len(eligible) // count] for n in range(count)))
    return [chosen[n] for n in spoken_language.spread(len(chosen))]


def detect(encoder: ReusingEncoder, candidates: Sequence[str] | None) -> Detection | None:
    """The media's language voted over chunks of its speech (``spoken_language.vote``), their
    encoder outputs kept in ``encoder`` for the transcription."""

    def scored() -> Iterator[tuple[float, dict[str, float]]]:
        for index in _windows(encoder.chunks):
            samples = encoder.chunks.chunk(index)
            yield samples.shape[0] / SAMPLING_RATE, encoder.scores(samples, candidates)

    return spoken_language.vote(scored())


def transcribed(encoder: ReusingEncoder, *, batch_size: int, **options: Any) -> Iterator[Any]:
    """faster-whisper's batched segments of the encoder's chunks, their times mapped back to the
    media."""
    from faster_whisper import BatchedInferencePipeline
    from faster_whisper.transcribe import restore_speech_timestamps

    chunks = encoder.chunks
    segments, _ = BatchedInferencePipeline(encoder).transcribe(
        chunks.audio,
        batch_size=batch_size,
        without_timestamps=False,
        vad_filter=False,
        clip_timestamps=chunks.clip_timestamps,
        **options,
    )
    return iter(restore_speech_timestamps(segments, chunks.speech, SAMPLING_RATE))
