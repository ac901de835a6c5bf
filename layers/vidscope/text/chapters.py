"""Chapters of a video: where its talk moves on to a new topic, each start moved onto a nearby cut.

Boundaries come from the transcript's lexical cohesion (TextTiling, Hearst 1997): between every two
sentences, the stemmed content words of the few sentences before are compared with those of the
few after; where the talk changes topic, the similarity drops into a valley, and the deepest
valleys become chapter starts, no two closer than a minimum chapter length (a twentieth of the
media, at least ten seconds). A start within a few seconds of a shot's cut moves onto the cut, so
that no chapter starts mid-shot when a cut is that close. Chapters cover the media from 0 to its
end, in order, with no gaps. The deployment's summarizer titles them and summarizes each in one
sentence.

Media without speech (an empty transcript) has no narrative to follow: its chapters fall back to
the shots, cut at the cuts nearest to even parts of about two minutes each (one chapter without
cuts), titled "Part 1", "Part 2", … with an empty summary.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from pydantic import BaseModel, Field

from vidscope.text import stems
from vidscope.text.summaries import Summarizer
from vidscope.transcripts import Segment, Transcript

_MIN_CHAPTER_SECONDS = 10.0
_MIN_CHAPTER_SHARE = 0.05  # of the media's duration: at most twenty chapters
_SNAP_SECONDS = 3.0  # a cut this close to a topic shift starts the chapter instead
_MIN_DEPTH = 0.1  # a valley shallower than this is noise, not a change of topic
_SILENT_PART_SECONDS = 120.0
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


class ChapterSpan(BaseModel):
    """One chapter: seconds from the media start, a short title and a one-sentence summary."""

    start: float = Field(ge=0)
    end: float = Field(ge=0)
    title: str
    summary: str


@dataclass(frozen=True)
class _Sentence:
    start: float
    end: float
    text: str
    terms: Counter[str]


def _split(segment: Segment) -> list[tuple[int, int]]:
    """Character spans of the sentences in ``segment`` (one segment can hold several, or part of one)."""
    from segtok.segmenter import split_single  # deferred: the analysis image's text libraries

    spans = []
    cursor = 0
    for sentence in split_single(segment.text):
        sentence = sentence.strip()
        at = segment.text.find(sentence, cursor) if sentence else -1
        if at != -1:
            spans.append((at, at + len(sentence)))
            cursor = at + len(sentence)
    return spans


def _sentences(transcript: Transcript) -> list[_Sentence]:
    """The transcript's sentences with their times (their words', or a share of their segment's
    by position when it has no word timings) and their stemmed content words."""
    stem, stop_words = stems.english()
    sentences = []
    for segment in transcript.segments:
        length = max(len(segment.text), 1)
        span = segment.end - segment.start
        for begin, end in _split(segment):
            said = segment.time_of(begin, end)
            start, stop = said or (segment.start + span * begin / length, segment.start + span * end / length)
            words = (w.lower() for w in _WORD.findall(segment.text[begin:end]))
            terms = Counter(stem(w) for w in words if len(w) > 2 and w not in stop_words)
            sentences.append(_Sentence(start=start, end=max(stop, start), text=segment.text[begin:end], terms=terms))
    return sentences


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(count * b[term] for term, count in a.items())
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm if norm else 0.0


def _gap_depths(sentences: list[_Sentence]) -> dict[int, float]:
    """For each valley of cohesion, the gap before sentence ``i``: how deep it is (its drop from
    the nearest peaks on both sides, TextTiling's depth score)."""
    count = len(sentences)
    window = min(max(round(count / 6), 3), 8)  # sentences compared on each side of a gap
    scores = []
    for gap in range(1, count):
        left: Counter[str] = sum((s.terms for s in sentences[max(0, gap - window) : gap]), Counter())
        right: Counter[str] = sum((s.terms for s in sentences[gap : gap + window]), Counter())
        scores.append(_cosine(left, right))
    # A light moving average: one sentence without shared words is not a change of topic.
    smooth = [sum(scores[max(0, i - 1) : i + 2]) / len(scores[max(0, i - 1) : i + 2]) for i in range(len(scores))]
    depths: dict[int, float] = {}
    i = 0
    while i < len(smooth):
        score = smooth[i]
        last = i  # a flat bottom counts once, at its middle
        while last + 1 < len(smooth) and math.isclose(smooth[last + 1], score, abs_tol=1e-9):
            last += 1
        if (i == 0 or smooth[i - 1] > score) and (last + 1 == len(smooth) or smooth[last + 1] > score):
            left_peak = right_peak = score
            j = i
            while j > 0 and smooth[j - 1] >= left_peak:
                j -= 1
                left_peak = smooth[j]
            j = last
            while j + 1 < len(smooth) and smooth[j + 1] >= right_peak:
                j += 1
                right_peak = smooth[j]
            depths[(i + last) // 2 + 1] = (left_peak - score) + (right_peak - score)
        i = last + 1
    return depths


def _snap(time: float, cuts: Sequence[float]) -> float:
    nearest = min(cuts, key=lambda cut: abs(cut - time), default=None)
    return nearest if nearest is not None and abs(nearest - time) <= _SNAP_SECONDS else time


def _fits(time: float, chosen: list[float], duration: float, min_length: float) -> bool:
    return all(abs(time - other) >= min_length for other in [0.0, duration, *chosen])


def _topic_starts(
    sentences: list[_Sentence], cuts: Sequence[float], duration: float, limit: int, min_length: float
) -> list[float]:
    """Chapter starts after the first: the deepest valleys of cohesion, snapped to nearby cuts."""
    depths = _gap_depths(sentences)
    if not depths or limit <= 1:
        return []
    values = list(depths.values())
    mean = sum(values) / len(values)
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    cutoff = max(_MIN_DEPTH, mean - spread / 2)  # TextTiling's liberal cutoff
    chosen: list[float] = []
    for gap, depth in sorted(depths.items(), key=lambda item: -item[1]):
        if depth < cutoff or len(chosen) == limit - 1:
            break
        time = _snap(sentences[gap].start, cuts)
        if _fits(time, chosen, duration, min_length):
            chosen.append(time)
    return sorted(chosen)


def _shot_starts(cuts: Sequence[float], duration: float, limit: int, min_length: float) -> list[float]:
    """Chapter starts after the first for media without speech: the cuts nearest to even parts."""
    parts = min(limit, max(1, round(duration / _SILENT_PART_SECONDS)))
    chosen: list[float] = []
    for part in range(1, parts):
        fitting = [c for c in cuts if _fits(c, chosen, duration, min_length)]
        if fitting:
            chosen.append(min(fitting, key=lambda cut: abs(cut - duration * part / parts)))
    return sorted(chosen)


def _unique(titles: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    unique = []
    for title in titles:
        seen[title.casefold()] += 1
        unique.append(title if seen[title.casefold()] == 1 else f"{title} ({seen[title.casefold()]})")
    return unique


def find_chapters(
    transcript: Transcript,
    shot_starts: Sequence[float],
    duration_seconds: float,
    *,
    max_chapters: int | None,
    writer: Summarizer,
) -> list[ChapterSpan]:
    """The chapters of media ``duration_seconds`` long, in order, covering it without gaps;
    ``max_chapters`` bounds their number (None: as many topics as the talk has); ``writer`` titles
    and summarizes them."""
    duration_seconds = math.floor(duration_seconds * 1000) / 1000  # ms, never past the media's end
    if duration_seconds <= 0:
        return []
    min_length = max(_MIN_CHAPTER_SECONDS, duration_seconds * _MIN_CHAPTER_SHARE)
    limit = max_chapters if max_chapters is not None else sys.maxsize
    cuts = sorted({round(start, 3) for start in shot_starts if 0 < start < duration_seconds})
    sentences = _sentences(transcript) if transcript.text.strip() else []
    if sentences:
        starts = _topic_starts(sentences, cuts, duration_seconds, limit, min_length)
    else:
        starts = _shot_starts(cuts, duration_seconds, limit, min_length)
    bounds = [0.0, *starts, duration_seconds]
    spans = list(pairwise(bounds))
    texts = [" ".join(s.text for s in sentences if start <= (s.start + s.end) / 2 < end) for start, end in spans]
    spoken = [i for i, text in enumerate(texts) if text.strip()]
    described = dict(zip(spoken, writer.describe_chapters([texts[i] for i in spoken]), strict=True))
    titles = _unique([described.get(i, ("", ""))[0].strip() or f"Part {i + 1}" for i in range(len(spans))])
    return [
        ChapterSpan(
            start=round(start, 3), end=round(end, 3), title=title, summary=described.get(i, ("", ""))[1].strip()
        )
        for i, ((start, end), title) in enumerate(zip(spans, titles, strict=True))
    ]
