"""Shorts the user defines: exactly the spans given, each edge moved onto the nearest word edge
within SNAP_SECONDS when the transcript has word timings (an edge inside a word goes to that
word's start or end, whichever is nearer, so no word is cut in half; an edge in a pause goes to a
word edge near it, if any), with what is said in it from the transcript, and the title given or
the opening words said. Never a score: the user chose them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vidscope.transcripts import Transcript, Word

SNAP_SECONDS = 0.3
_TITLE_WORDS = 8


@dataclass(frozen=True)
class GivenSpan:
    start: float
    end: float
    title: str | None = None


@dataclass(frozen=True)
class UserShort:
    start: float
    end: float
    title: str
    text: str


def _words(transcript: Transcript) -> list[Word]:
    return sorted((w for s in transcript.segments for w in s.words or ()), key=lambda w: w.start)


def _snap(time: float, words: Sequence[Word]) -> float:
    """The word edge nearest ``time`` within SNAP_SECONDS (of the word it falls inside, if it
    does: never into the middle of another word), else ``time``."""
    inside = next((w for w in words if w.start < time < w.end), None)
    edges = [inside.start, inside.end] if inside is not None else [e for w in words for e in (w.start, w.end)]
    near = [e for e in edges if abs(e - time) <= SNAP_SECONDS]
    return min(near, key=lambda e: (abs(e - time), e)) if near else time


def _said(transcript: Transcript, words: Sequence[Word], start: float, end: float) -> str:
    """What is said in [start, end): the words whose middle lies in it, else (no word timings)
    the segments whose middle does."""
    if words:
        return " ".join(w.word.strip() for w in words if start <= (w.start + w.end) / 2 < end).strip()
    return " ".join(s.text.strip() for s in transcript.segments if start <= (s.start + s.end) / 2 < end).strip()


def _title(given: str | None, text: str, number: int) -> str:
    if given:
        return given
    opening = text.split()
    if not opening:
        return f"Clip {number}"
    return " ".join(opening[:_TITLE_WORDS]) + ("…" if len(opening) > _TITLE_WORDS else "")


def user_shorts(transcript: Transcript, spans: Sequence[GivenSpan], *, duration_seconds: float) -> list[UserShort]:
    """``spans`` (in time order, apart, inside the media: the options checked them) snapped to
    word edges, each kept after the one before it and inside the media, with its text and title."""
    words = _words(transcript)
    shorts: list[UserShort] = []
    for number, span in enumerate(spans, start=1):
        start, end = _snap(span.start, words), _snap(span.end, words)
        start = max(start, shorts[-1].end if shorts else 0.0)
        end = min(end, duration_seconds)
        if end - start < (span.end - span.start) / 2:  # snapping would swallow the span: as given
            start, end = span.start, min(span.end, duration_seconds)
        start, end = round(start, 3), round(end, 3)
        text = _said(transcript, words, start, end)
        shorts.append(UserShort(start=start, end=end, title=_title(span.title, text, number), text=text))
    return shorts
