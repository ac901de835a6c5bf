"""Which language the media speaks, heard from the audio all along it, not from its first 30 s.

Whisper detects a language from one 30-second window; a video that opens with music, a jingle or
a presenter's greeting in another language is then transcribed in the wrong one. Here the VAD's
speech (Silero, shipped with faster-whisper) is cut into a few windows spread over the whole
media, the model scores every language on each window, and the windows vote, each weighted by the
seconds of speech it holds. A window that another language wins clearly marks a media that
switches language: its segments then get a language each.

The cost stays near one detection whatever the length: on long media the VAD reads only the
audio around each window's place (not the whole media, ~2 s a 10-minute file), and the windows
are scored first, last, middle, then the rest, so three that one language wins clearly end the
vote (a short insert in another language between them can then go unheard). A batched
transcription on CPU votes on its own chunks instead (``speech_chunks``), reusing their encodings:
the vote then costs a decoder step per window."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

SAMPLING_RATE = 16_000
WINDOWS = 6  # windows spread over the media: a few encoder passes, each ~5 % of a transcription's cost
WINDOW_SECONDS = 30.0  # Whisper's input
MIN_WINDOW_SECONDS = 6.0  # less speech than this says little about its language
SWITCH_PROBABILITY = 0.75  # a window won this clearly by another language: the media switches
AGREEING_WINDOWS = 3  # spread windows that one language wins clearly: the vote is decided
REGION_SECONDS = 40.0  # on long media, the audio around a window's place that the VAD reads


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float
    # Every language that won a window clearly (the main one first): more than one = it switches.
    heard: tuple[str, ...]
    scores: dict[str, float] = field(default_factory=dict)  # the vote, summing to 1

    @property
    def switches(self) -> bool:
        return len(self.heard) > 1


def speech_spans(audio: Any) -> list[tuple[int, int]]:
    """The speech in ``audio`` (16 kHz mono float32) as sample spans, by the Silero VAD."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return [(c["start"], c["end"]) for c in get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=500))]


def windows(spans: Sequence[tuple[int, int]], count: int = WINDOWS) -> list[list[tuple[int, int]]]:
    """Up to ``count`` windows of speech, each at most ``WINDOW_SECONDS`` of it, starting at even
    steps through the speech (so the last minutes count as much as the first)."""
    total = sum(end - start for start, end in spans)
    count = max(1, min(count, int(total / (MIN_WINDOW_SECONDS * SAMPLING_RATE))))
    limit = int(WINDOW_SECONDS * SAMPLING_RATE)
    chosen: list[list[tuple[int, int]]] = []
    for n in range(count):
        skip = total * n // count  # speech samples before this window begins
        window: list[tuple[int, int]] = []
        held = 0
        for start, end in spans:
            if skip >= end - start:
                skip -= end - start
                continue
            begin, skip = start + skip, 0
            take = min(end - begin, limit - held)
            window.append((begin, begin + take))
            held += take
            if held >= limit:
                break
        if window:
            chosen.append(window)
    return chosen


def spread(count: int) -> list[int]:
    """Window numbers in the order they are scored: first, last, middle, then the rest."""
    head = list(dict.fromkeys([0, count - 1, count // 2]))[:count]
    return head + [n for n in range(count) if n not in head]


def _spread_windows(audio: Any) -> Iterator[list[tuple[int, int]]]:
    """The speech windows, in ``spread`` order. Media longer than ``WINDOWS`` regions (with room
    to spare) has the VAD run only on the ``REGION_SECONDS`` at each window's place; where those
    hold too little speech (music, silence), the VAD reads everything."""
    region = int(REGION_SECONDS * SAMPLING_RATE)
    total = int(audio.shape[0])
    if total > 2 * WINDOWS * region:
        found = 0
        for n in spread(WINDOWS):
            begin = (total - region) * n // (WINDOWS - 1)
            spans = [(begin + a, begin + b) for a, b in speech_spans(audio[begin : begin + region])]
            if sum(b - a for a, b in spans) >= MIN_WINDOW_SECONDS * SAMPLING_RATE:
                found += 1
                yield windows(spans, count=1)[0]
        if found:
            return
    chosen = windows(speech_spans(audio))
    yield from (chosen[n] for n in spread(len(chosen)))


def normalised(ranked: Iterable[tuple[str, float]], candidates: Sequence[str] | None) -> dict[str, float]:
    """The model's language probabilities (code, p), kept to ``candidates`` when given, summing to 1."""
    probabilities = {code: float(p) for code, p in ranked if candidates is None or code in candidates}
    total = sum(probabilities.values())
    return {code: p / total for code, p in probabilities.items()} if total > 0 else {}


def _scores(model: Any, samples: Any, candidates: Sequence[str] | None) -> dict[str, float]:
    """Each language's probability on ``samples`` (at most 30 s), among ``candidates`` when given."""
    _, _, ranked = model.detect_language(audio=samples)
    return normalised(ranked, candidates)


def detect(model: Any, audio: Any, candidates: Sequence[str] | None = None) -> Detection | None:
    """The media's language, voted over speech windows; None when the VAD hears no speech."""
    import numpy as np

    def scored() -> Iterator[tuple[float, dict[str, float]]]:
        for window in _spread_windows(audio):
            samples = np.concatenate([audio[start:end] for start, end in window])
            yield samples.shape[0] / SAMPLING_RATE, _scores(model, samples, candidates)

    return vote(scored())


def vote(scored: Iterable[tuple[float, dict[str, float]]]) -> Detection | None:
    """The language of windows scored in ``spread`` order, each (seconds of speech, language
    probabilities): the speech-weighted vote, ended early once ``AGREEING_WINDOWS`` agree clearly.
    ``scored`` is read lazily, so a window after the decision costs nothing."""
    tally: dict[str, float] = {}
    winners: dict[str, float] = {}
    clear: list[str | None] = []  # each scored window's clear winner, if it had one
    for weight, scores in scored:
        if not scores:
            continue
        for code, p in scores.items():
            tally[code] = tally.get(code, 0.0) + weight * p
        best = max(scores, key=lambda code: scores[code])
        clear.append(best if scores[best] >= SWITCH_PROBABILITY else None)
        if clear[-1] is not None:
            winners[best] = winners.get(best, 0.0) + weight
        if len(clear) >= AGREEING_WINDOWS and clear[0] is not None and clear.count(clear[0]) == len(clear):
            break
    if not tally:
        return None
    total = sum(tally.values())
    ranked = sorted(tally, key=lambda code: -tally[code])
    heard = (ranked[0], *sorted((c for c in winners if c != ranked[0]), key=lambda c: -winners[c]))
    return Detection(
        language=ranked[0],
        confidence=round(tally[ranked[0]] / total, 3),
        heard=heard,
        scores={code: round(tally[code] / total, 4) for code in ranked[:5]},
    )


def segment_language(model: Any, audio: Any, start: float, end: float, heard: Sequence[str]) -> str:
    """The language of the speech between ``start`` and ``end`` seconds, among those ``heard``
    (a short segment is padded with the speech around it: a word or two tells little)."""
    middle = (start + end) / 2
    half = max(end - start, MIN_WINDOW_SECONDS) / 2
    begin = max(0, int((middle - half) * SAMPLING_RATE))
    samples = audio[begin : begin + int(2 * half * SAMPLING_RATE)]
    scores = _scores(model, samples, heard)
    return max(scores, key=lambda code: scores[code]) if scores else heard[0]
