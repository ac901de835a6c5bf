"""The maths of matching two fingerprints: the bounded sample of keys a lookup asks
(``vidscope.fingerprints.keys`` says how a print is keyed), the votes of the hits on an offset,
and the alignment and score of two whole prints. Pure functions of the prints (no storage), so
the benchmark and the tests measure exactly what the index runs.

A hit is (job, its step, the query's step); the hits of one job that agree on the offset are its
votes, and the best candidates are then scored on the whole prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from vidscope.fingerprints.audio import AUDIO_STEP_SECONDS
from vidscope.fingerprints.keys import StoredPrint, audio_keys, visual_keys

# What a lookup asks at most, whatever the media's length: the lookup's cost is bounded.
MAX_QUERY_KEYS = 48  # audio keys, spread evenly over the query's media
MAX_VISUAL_QUERY_KEYS = 64  # picture keys (three per picture: ~21 pictures), spread the same way
MAX_CANDIDATES = 8  # jobs scored on their whole prints
MIN_VOTES = 2  # hits agreeing on one offset that make a job a candidate
VOTE_BUCKET_SECONDS = 0.5
# Scores: Chromaprint bits agree on ~50-60 % between unrelated sounds at their best offset and on
# > 90 % for a re-encoded copy; a pHash is 4-10 bits from its copy's and ~28-32 from another picture's.
AUDIO_AGREEMENT_FLOOR, AUDIO_AGREEMENT_FULL = 0.62, 0.86
PICTURE_BITS_FULL, PICTURE_BITS_NONE = 8, 20
MIN_AUDIO_OVERLAP = 24  # steps (~3 s) of overlap before two sounds are compared
MIN_VISUAL_OVERLAP = 4  # pictures (2 s)
MATCH_SIMILARITY = 0.5  # reported from here; a kind counts in ``both`` from here too

Kind = Literal["audio", "visual", "both"]


@dataclass(frozen=True)
class Print:
    """One media's fingerprint: Chromaprint values every ``AUDIO_STEP_SECONDS`` and pHashes every
    ``visual_step`` seconds (either may be empty)."""

    audio: np.ndarray  # uint32
    visual: np.ndarray  # uint64
    visual_step: float

    @staticmethod
    def of(audio: Sequence[int], visual: Sequence[int], visual_step: float) -> Print:
        return Print(np.asarray(audio, dtype=np.uint32), np.asarray(visual, dtype=np.uint64), visual_step)

    @staticmethod
    def stored(stored: StoredPrint) -> Print:
        return Print.of(stored.audio, stored.visual, stored.visual_step)


@dataclass(frozen=True)
class Hit:
    job_id: str
    kind: Literal["audio", "visual"]
    offset_seconds: float  # where the query's media starts inside the hit's


@dataclass(frozen=True)
class Match:
    job_id: str
    similarity: float
    offset_seconds: float
    kind: Kind


def _bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Differing bits of each pair of equal-width unsigned integers."""
    xor = np.bitwise_xor(a, b)
    counts: np.ndarray = np.unpackbits(xor.view(np.uint8).reshape(len(xor), -1), axis=1).sum(axis=1)
    return counts


def _spread(keys: list[tuple[str, int]], limit: int) -> list[tuple[str, int]]:
    """At most ``limit`` distinct keys, taken evenly over the media (not all from its start)."""
    distinct = list({key: step for key, step in reversed(keys)}.items())[::-1]
    distinct.sort(key=lambda pair: pair[1])
    if len(distinct) <= limit:
        return distinct
    picks = np.linspace(0, len(distinct) - 1, limit).round().astype(int)
    return [distinct[i] for i in sorted(set(picks.tolist()))]


def query_keys(fingerprint: Print) -> list[tuple[str, int]]:
    """The keys a lookup asks: a bounded, even sample of the print's own keys."""
    return [
        *_spread(audio_keys(fingerprint.audio.tolist()), MAX_QUERY_KEYS),
        *_spread(visual_keys(fingerprint.visual.tolist()), MAX_VISUAL_QUERY_KEYS),
    ]


def to_hit(job_id: str, key: str, query_step: int, indexed_step: int, visual_step: float) -> Hit:
    """A key found under another job: where the query would start inside it."""
    if key.startswith("A"):
        return Hit(job_id, "audio", (indexed_step - query_step) * AUDIO_STEP_SECONDS)
    return Hit(job_id, "visual", (indexed_step - query_step) * visual_step)


def candidates(hits: Iterable[Hit]) -> list[tuple[str, float]]:
    """The jobs whose hits agree on an offset at least ``MIN_VOTES`` times, best first (at most
    ``MAX_CANDIDATES``), each with that offset."""
    votes: Counter[tuple[str, int]] = Counter()
    for hit in hits:
        votes[(hit.job_id, round(hit.offset_seconds / VOTE_BUCKET_SECONDS))] += 1
    best: dict[str, tuple[int, float]] = {}
    for (job_id, bucket), count in votes.items():
        # Neighbouring buckets are one offset cut by a bucket edge.
        total = count + votes.get((job_id, bucket - 1), 0) + votes.get((job_id, bucket + 1), 0)
        if total >= MIN_VOTES and total > best.get(job_id, (0, 0.0))[0]:
            best[job_id] = (total, bucket * VOTE_BUCKET_SECONDS)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
    return [(job_id, offset) for job_id, (_count, offset) in ranked[:MAX_CANDIDATES]]


def _overlap(query: np.ndarray, other: np.ndarray, shift: int) -> tuple[np.ndarray, np.ndarray]:
    """``query[i]`` beside ``other[i + shift]`` wherever both exist."""
    start, end = max(0, -shift), min(len(query), len(other) - shift)
    if end <= start:
        return query[:0], other[:0]
    return query[start:end], other[start + shift : end + shift]


def audio_similarity(query: np.ndarray, other: np.ndarray, near_seconds: float) -> tuple[float, float]:
    """(similarity 0-1, offset seconds) of the best alignment within a second of ``near_seconds``."""
    centre = round(near_seconds / AUDIO_STEP_SECONDS)
    reach = round(1.0 / AUDIO_STEP_SECONDS)
    best = (0.0, near_seconds)
    for shift in range(centre - reach, centre + reach + 1):
        mine, theirs = _overlap(query, other, shift)
        if len(mine) < MIN_AUDIO_OVERLAP:
            continue
        agreement = 1.0 - float(_bits(mine, theirs).mean()) / 32
        score = (agreement - AUDIO_AGREEMENT_FLOOR) / (AUDIO_AGREEMENT_FULL - AUDIO_AGREEMENT_FLOOR)
        score = min(1.0, max(0.0, score))
        if score > best[0]:
            best = (score, shift * AUDIO_STEP_SECONDS)
    return best


def visual_similarity(query: np.ndarray, other: np.ndarray, step: float, near_seconds: float) -> tuple[float, float]:
    """(similarity 0-1, offset seconds): each picture scores 1 within ``PICTURE_BITS_FULL`` bits of
    the other's at the same time and 0 from ``PICTURE_BITS_NONE``; the mean, at the best of the
    alignments within two pictures of ``near_seconds``."""
    centre = round(near_seconds / step)
    best = (0.0, near_seconds)
    for shift in range(centre - 2, centre + 3):
        mine, theirs = _overlap(query, other, shift)
        if len(mine) < MIN_VISUAL_OVERLAP:
            continue
        bits = _bits(mine, theirs).astype(np.float64)
        scores = np.clip((PICTURE_BITS_NONE - bits) / (PICTURE_BITS_NONE - PICTURE_BITS_FULL), 0.0, 1.0)
        score = float(scores.mean())
        if score > best[0]:
            best = (score, shift * step)
    return best


def score(job_id: str, query: Print, other: Print, near_seconds: float) -> Match:
    """How alike the two prints are near the voted offset, and where the query starts in ``other``.
    Similarity is the better of the two senses; the offset the sound's (finer steps) when it matched."""
    audio, audio_at = audio_similarity(query.audio, other.audio, near_seconds)
    visual, visual_at = (0.0, near_seconds)
    if len(query.visual) and len(other.visual) and query.visual_step == other.visual_step:
        visual, visual_at = visual_similarity(query.visual, other.visual, query.visual_step, near_seconds)
    kinds = [k for k, s in (("audio", audio), ("visual", visual)) if s >= MATCH_SIMILARITY]
    kind: Kind = "both" if len(kinds) == 2 else "visual" if kinds == ["visual"] else "audio"
    offset = audio_at if audio >= MATCH_SIMILARITY else visual_at
    return Match(job_id, round(max(audio, visual), 3), round(offset, 3), kind)
