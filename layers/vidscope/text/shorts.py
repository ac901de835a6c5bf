"""Shorts: the stretches of a talk that stand on their own as a short vertical clip, each with the
reason it was picked.

A candidate is a run of whole sentences (segtok over the joined segment texts, so a sentence split
across segments stays whole; its time from its words' timings, else its segment's time shared out
by character position) lasting ``min_seconds`` to ``max_seconds``. Each candidate gets four
components, each 0-1, and a score that is their weighted mean (``_WEIGHTS``):

- ``hook``: how its first seconds catch a viewer: a question (1.0), a strong claim such as "The
  secret is…" or "Here's why…" (0.9), an instruction such as "Imagine…" or "Stop…" (0.8), a
  number said in the first five seconds (0.7), else 0. A question that starts within those five
  seconds, after a first sentence without a hook, counts at 0.8 of its worth.
- ``topic``: how much it is about one of the transcript's topics (the caller's, e.g. the
  summary's key topics, else YAKE's key phrases of the transcript): mentions of its most-mentioned
  topic (stemmed, stop words left out, so "running shoe" matches "running shoes"), full at three,
  times how focused it is (that topic's share of all topic mentions in it, counted half).
- ``self_contained``: whether it can be watched without what comes before or after: the mean of
  "does not open on a word that leans on what came before" (And, But, So, It, They, …), "ends on
  a full stop" (a question at the end counts half: its answer is outside), and the pauses before
  and after it (full at 0.6 s: the speaker stops there too).
- ``density``: how much of it is talk, not silence or filler: its sentences' share of its time,
  less five times its share of filler words (um, uh, …).

Boundaries start at the first word's start and end at the last word's end; then each moves onto a
shot cut within 1 s, when the cut lies in the pause before the first word (start) or after the
last word (end), so that no word is cut, lost or taken in, and the span stays within the limits.
Without word timings the sentence times are estimates, and any cut within 1 s is taken. Spans are
chosen greedily by score (ties: earlier, then shorter), never overlapping, at most ``count``, and
returned ordered by start: fewer when the talk does not hold that many.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate, pairwise

from pydantic import BaseModel, Field

from vidscope.text import stems
from vidscope.transcripts import Transcript, Word

_SNAP_SECONDS = 1.0
_HOOK_SECONDS = 5.0
_FULL_PAUSE_SECONDS = 0.6
_FULL_TOPIC_MENTIONS = 3
_FOCUSED_SHARE = 0.7  # of all topic mentions in the span: "stays on one topic"
_OWN_TOPICS = 8  # YAKE phrases taken from the transcript when the caller gives no topics
_FILLER_PENALTY = 5.0
_OPENER_WORDS = 8  # words of the opening quoted in the reason

# Why these weights: the topic and the hook decide whether anyone watches; a clip that needs its
# context or idles is worse, but still watchable.
_WEIGHTS = {"hook": 0.3, "topic": 0.35, "self_contained": 0.2, "density": 0.15}

_TOKEN = re.compile(r"[\w']+")
_TERMINAL = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")  # a stop, maybe inside a closing quote
_NUMBER = re.compile(
    r"\b(?:\d[\d,.]*%?|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundred|hundreds|thousand|thousands|million|millions|billion|billions|percent|dozen|half)\b",
    re.IGNORECASE,
)
_STRONG_OPENER = re.compile(
    r"^(?:here'?s (?:why|how|what|the)|the (?:secret|truth|problem|trick|key|reason|biggest|best|worst|one thing|"
    r"mistake)|what if|nobody|no one|everyone|everybody|you won'?t|you need|this is (?:why|how|the)|did you know|"
    r"the (?:first|last|only) )",
    re.IGNORECASE,
)
_IMPERATIVES = frozenset(
    [
        "imagine",
        "look",
        "listen",
        "stop",
        "try",
        "think",
        "picture",
        "remember",
        "watch",
        "forget",
        "consider",
        "let's",
        "don't",
        "never",
        "check",
        "take",
        "make",
        "start",
        "meet",
        "notice",
        "ask",
        "avoid",
    ]
)
# Words that point back at something said before: a clip opening on one starts mid-thought.
_DANGLING = frozenset(
    [
        "and",
        "but",
        "so",
        "or",
        "because",
        "which",
        "also",
        "then",
        "it",
        "it's",
        "its",
        "they",
        "them",
        "their",
        "he",
        "she",
        "his",
        "her",
        "him",
        "there",
        "however",
        "anyway",
        "plus",
        "yeah",
        "well",
    ]
)
_FILLERS = frozenset(["um", "uh", "uhm", "erm", "er", "hmm", "mm", "ah"])


class ShortSpan(BaseModel):
    """A stretch of the media worth a short: its times (seconds, ms precision), a title, why it
    was picked in one sentence, what is said in it, and its score with the components behind it."""

    start: float = Field(ge=0)
    end: float = Field(ge=0)
    title: str
    reason: str
    text: str
    score: float = Field(ge=0, le=1, description="the weighted mean of the components")
    components: dict[str, float] = Field(
        description="each 0-1: hook (its opening catches a viewer), topic (about one of the talk's topics), "
        "self_contained (needs nothing before or after it), density (talk, not silence or filler)"
    )


@dataclass(frozen=True)
class _Sentence:
    start: float
    end: float
    text: str
    words: tuple[Word, ...]  # empty where the transcript has no word timings
    stems: tuple[str, ...]  # its content words, stemmed, in order
    tokens: int
    fillers: int


@dataclass(frozen=True)
class _Hook:
    strength: float
    kind: str  # "question", "claim", "instruction", "number" or "" (none)
    opener: str  # the quoted opening


@dataclass(frozen=True)
class _Topics:
    names: tuple[str, ...]
    stems: tuple[tuple[str, ...], ...]


def _content_stems(text: str, stem: Callable[[str], str], stop_words: frozenset[str]) -> tuple[str, ...]:
    words = (w.lower() for w in _TOKEN.findall(text))
    return tuple(stem(w) for w in words if w not in stop_words and not w.isdigit())


def _sentences(transcript: Transcript, max_seconds: float) -> list[_Sentence]:
    """The transcript's sentences in order, split over the joined text so that one sentence spread
    over two segments stays one; a "sentence" longer than ``max_seconds`` (talk without
    punctuation) is split at its segments' ends instead."""
    from segtok.segmenter import split_single  # deferred: the analysis image's text libraries

    stem, stop_words = stems.english()
    segments = [s for s in transcript.segments if s.text.strip()]
    offsets: list[int] = []
    joined = ""
    words: list[tuple[int, int, Word]] = []
    for segment in segments:
        offsets.append(len(joined))
        words.extend((len(joined) + b, len(joined) + e, w) for b, e, w in segment.placed_words())
        joined += segment.text + " "
    timed = [bool(s.placed_words()) for s in segments]
    word_begins = [b for b, _, _ in words]  # in text order: segments in order, words placed left to right

    def segment_at(position: int) -> int:
        return max(0, bisect_left(offsets, position + 1) - 1)

    def estimated_time(position: int) -> float:
        i = segment_at(position)
        segment = segments[i]
        share = min(1.0, max(0.0, (position - offsets[i]) / max(len(segment.text), 1)))
        return segment.start + (segment.end - segment.start) * share

    def sentence(begin: int, end: int) -> _Sentence | None:
        text = joined[begin:end].strip()
        if not text:
            return None
        # Words overlapping [begin, end): those starting before ``end``, from one before ``begin`` on.
        nearby = words[max(0, bisect_left(word_begins, begin) - 1) : bisect_left(word_begins, end)]
        inside = tuple(w for b, e, w in nearby if b < end and e > begin)
        every_part_timed = all(timed[i] for i in range(segment_at(begin), segment_at(max(begin, end - 1)) + 1))
        if inside and every_part_timed:
            start, stop = inside[0].start, max(w.end for w in inside)
        else:
            inside, start, stop = (), estimated_time(begin), estimated_time(end)
        tokens = [t.lower() for t in _TOKEN.findall(text)]
        return _Sentence(
            start=start,
            end=max(stop, start),
            text=text,
            words=inside,
            stems=_content_stems(text, stem, stop_words),
            tokens=len(tokens),
            fillers=sum(t in _FILLERS for t in tokens),
        )

    found: list[_Sentence] = []
    cursor = 0
    for piece in split_single(joined):
        piece = piece.strip()
        at = joined.find(piece, cursor) if piece else -1
        if at == -1:
            continue
        cursor = at + len(piece)
        whole = sentence(at, cursor)
        if whole is None:
            continue
        if whole.end - whole.start <= max_seconds:
            found.append(whole)
            continue
        bounds = [at, *(o for o in offsets if at < o < cursor), cursor]
        found.extend(s for b, e in pairwise(bounds) if (s := sentence(b, e)) is not None)
    return found


def _topics(transcript: Transcript, given: Sequence[str]) -> _Topics:
    from vidscope.text.summarizers import _key_phrases

    stem, stop_words = stems.english()
    names = [t.strip() for t in given if t.strip()] or _key_phrases(transcript.text, _OWN_TOPICS)
    kept: dict[tuple[str, ...], str] = {}
    for name in names:
        found = _content_stems(name, stem, stop_words)
        if found and found not in kept:
            kept[found] = name
    return _Topics(names=tuple(kept.values()), stems=tuple(kept))


def _mentions(stems: tuple[str, ...], topic: tuple[str, ...]) -> int:
    width = len(topic)
    return sum(stems[i : i + width] == topic for i in range(len(stems) - width + 1))


def _opener(text: str, *, question: bool) -> str:
    words = text.split()
    quoted = " ".join(words[:_OPENER_WORDS])
    if len(words) > _OPENER_WORDS:
        quoted = quoted.rstrip(",;:") + ("…?" if question else "…")
    return quoted


def _hook(first: _Sentence, second: _Sentence | None) -> _Hook:
    """What in the span's first seconds makes a viewer stay (module docstring)."""
    text = first.text.strip()
    if text.endswith("?"):
        return _Hook(1.0, "question", _opener(text, question=True))
    if _STRONG_OPENER.match(text):
        return _Hook(0.9, "claim", _opener(text, question=False))
    first_word = next(iter(_TOKEN.findall(text.lower())), "")
    if first_word in _IMPERATIVES:
        return _Hook(0.8, "instruction", _opener(text, question=False))
    if first.words:
        early = " ".join(w.word for w in first.words if w.start < first.start + _HOOK_SECONDS)
    else:
        early = " ".join(text.split()[:12])  # about five seconds of talk
    if _NUMBER.search(early):
        return _Hook(0.7, "number", _opener(text, question=False))
    if second is not None and second.text.strip().endswith("?") and second.start < first.start + _HOOK_SECONDS:
        return _Hook(0.8, "question", _opener(second.text.strip(), question=True))
    return _Hook(0.0, "", _opener(text, question=False))


@dataclass(frozen=True)
class _Candidate:
    first: int
    last: int  # inclusive
    start: float
    end: float
    score: float
    components: dict[str, float]
    topic: int | None  # index of its most-mentioned topic
    topic_mentions: int
    all_mentions: int


def _words_before_after(sentences: list[_Sentence], first: int, last: int) -> tuple[float, float]:
    """Where the talk around the span ends before it and resumes after it."""
    before = sentences[first - 1].end if first > 0 else 0.0
    after = sentences[last + 1].start if last + 1 < len(sentences) else float("inf")
    return before, after


def _snapped(
    start: float,
    end: float,
    *,
    before: float,
    after: float,
    timed: bool,
    cuts: Sequence[float],
    duration: float,
    min_seconds: float,
    max_seconds: float,
) -> tuple[float, float]:
    """``start``/``end`` moved onto the nearest cut within ``_SNAP_SECONDS`` where the rules allow
    (module docstring); unchanged where none does."""

    def fits(a: float, b: float) -> bool:
        return min_seconds <= round(round(b, 3) - round(a, 3), 3) <= max_seconds and 0 <= a < b <= duration

    def nearest(time: float, low: float, high: float, other: float, *, is_start: bool) -> float:
        near = sorted((c for c in cuts if abs(c - time) <= _SNAP_SECONDS), key=lambda c: (abs(c - time), c))
        for cut in near:
            if timed and not low <= cut <= high:
                continue
            if fits(cut, other) if is_start else fits(other, cut):
                return cut
        return time

    # A pause before the first word (or after the last) is where a cut loses and takes in no word.
    start = nearest(start, max(before, start - _SNAP_SECONDS), start, end, is_start=True)
    return start, nearest(end, end, min(after, end + _SNAP_SECONDS), start, is_start=False)


def _candidates(
    sentences: list[_Sentence], topics: _Topics, duration: float, min_seconds: float, max_seconds: float
) -> list[_Candidate]:
    count = len(sentences)
    # Prefix sums, so that each run is scored in time proportional to the number of topics.
    mentions = [[_mentions(s.stems, t) for t in topics.stems] for s in sentences]
    topic_sums = [list(accumulate((m[k] for m in mentions), initial=0)) for k in range(len(topics.stems))]
    spoken = list(accumulate((s.end - s.start for s in sentences), initial=0.0))
    tokens = list(accumulate((s.tokens for s in sentences), initial=0))
    fillers = list(accumulate((s.fillers for s in sentences), initial=0))
    hooks = [_hook(s, sentences[i + 1] if i + 1 < count else None) for i, s in enumerate(sentences)]
    found = []
    for first in range(count):
        start = sentences[first].start
        opening = next(iter(_TOKEN.findall(sentences[first].text.lower())), "")
        before, _ = _words_before_after(sentences, first, first)
        pause_before = 1.0 if first == 0 else min(1.0, max(0.0, start - before) / _FULL_PAUSE_SECONDS)
        for last in range(first, count):
            end = min(sentences[last].end, duration)
            length = end - start
            if length > max_seconds or start >= duration:
                break
            if length < min_seconds:
                continue
            _, after = _words_before_after(sentences, first, last)
            pause_after = 1.0 if last + 1 == count else min(1.0, max(0.0, after - end) / _FULL_PAUSE_SECONDS)
            closing = sentences[last].text.rstrip()
            ends = 0.5 if closing.endswith("?") else 1.0 if _TERMINAL.search(closing) else 0.0
            per_topic = [sums[last + 1] - sums[first] for sums in topic_sums]
            total = sum(per_topic)
            best = max(range(len(per_topic)), key=lambda k: (per_topic[k], -k)) if total else None
            top = per_topic[best] if best is not None else 0
            topic = min(1.0, top / _FULL_TOPIC_MENTIONS) * (0.5 + 0.5 * top / total) if total else 0.0
            said = tokens[last + 1] - tokens[first]
            filler_share = (fillers[last + 1] - fillers[first]) / said if said else 1.0
            speech_share = min(1.0, (spoken[last + 1] - spoken[first]) / length)
            components = {
                "hook": hooks[first].strength,
                "topic": topic,
                "self_contained": (float(opening not in _DANGLING) + ends + pause_before + pause_after) / 4,
                "density": max(0.0, speech_share - _FILLER_PENALTY * filler_share),
            }
            components = {k: round(v, 3) for k, v in components.items()}
            score = round(sum(_WEIGHTS[k] * v for k, v in components.items()), 3)
            found.append(_Candidate(first, last, start, end, score, components, best, top, total))
    return found


def _reason(candidate: _Candidate, sentences: list[_Sentence], hook: _Hook, topics: _Topics) -> str:
    """One sentence naming what the components saw, in words a person can check against the text."""
    opening = {
        "question": "Opens with a question",
        "claim": "Opens with a strong claim",
        "instruction": "Opens with an instruction",
        "number": "Opens with a number",
        "": "Opens without a hook",
    }[hook.kind]
    run = sentences[candidate.first : candidate.last + 1]
    if candidate.topic is None:
        about = "touches none of the talk's main topics"
    elif candidate.topic_mentions >= _FOCUSED_SHARE * candidate.all_mentions:
        times = "once" if candidate.topic_mentions == 1 else f"{candidate.topic_mentions} times"
        about = f"stays on one topic, '{topics.names[candidate.topic]}' (named {times})"
    else:
        about = (
            f"mostly covers '{topics.names[candidate.topic]}' ({candidate.topic_mentions} of "
            f"{candidate.all_mentions} topic mentions)"
        )
    complete = all(_TERMINAL.search(s.text.rstrip()) for s in run)
    kind = "complete sentences" if complete else "sentences"
    if len(run) == 1:
        kind = kind.removesuffix("s")
    seconds = round(candidate.end - candidate.start)
    leaning = next(iter(_TOKEN.findall(run[0].text)), "")
    caveat = f", though its first word '{leaning}' leans on what came before" if leaning.lower() in _DANGLING else ""
    return f"{opening} ('{hook.opener}') and {about}, for {seconds} s of {len(run)} {kind}{caveat}."


def _title(candidate: _Candidate, text: str, topics: _Topics, taken: set[str]) -> str:
    from vidscope.text.summarizers import _key_phrases

    options = [topics.names[candidate.topic]] if candidate.topic is not None else []
    options += _key_phrases(text, 5, words=3)
    options.append(" ".join(text.split()[:6]))
    for option in options:
        title = option[:1].upper() + option[1:]
        if title.casefold() not in taken:
            return title
    return options[-1]


def pick_shorts(
    transcript: Transcript,
    *,
    duration_seconds: float,
    shot_starts: Sequence[float],
    count: int,
    min_seconds: float,
    max_seconds: float,
    topics: Sequence[str] = (),
) -> list[ShortSpan]:
    """Up to ``count`` non-overlapping spans of ``min_seconds`` to ``max_seconds`` of whole
    sentences, the best first chosen, ordered by start; fewer (or none) when the talk in media
    ``duration_seconds`` long does not hold that many. ``shot_starts`` are the cuts boundaries may
    move onto; ``topics`` are the talk's topics (e.g. the summary's key topics; YAKE's when empty).
    Deterministic: the same input gives the same spans."""
    duration = round(duration_seconds, 3)
    if count <= 0 or duration < min_seconds or not transcript.text.strip():
        return []
    sentences = [s for s in _sentences(transcript, max_seconds) if s.start < duration]
    if not sentences:
        return []
    talk_topics = _topics(transcript, topics)
    cuts = sorted({round(c, 3) for c in shot_starts if 0 < c < duration})
    ranked = sorted(
        _candidates(sentences, talk_topics, duration, min_seconds, max_seconds),
        key=lambda c: (-c.score, c.start, c.end - c.start),
    )
    chosen: list[tuple[float, float, _Candidate]] = []
    for candidate in ranked:
        if len(chosen) == count:
            break
        before, _ = _words_before_after(sentences, candidate.first, candidate.first)
        _, after = _words_before_after(sentences, candidate.last, candidate.last)
        run = sentences[candidate.first : candidate.last + 1]
        start, end = _snapped(
            candidate.start,
            candidate.end,
            before=before,
            after=min(after, duration),
            timed=all(s.words for s in run),
            cuts=cuts,
            duration=duration,
            min_seconds=min_seconds,
            max_seconds=max_seconds,
        )
        start, end = round(start, 3), round(end, 3)
        if not min_seconds <= round(end - start, 3) <= max_seconds:
            continue  # ms rounding pushed it past a limit
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, candidate))
    shorts = []
    titles: set[str] = set()
    for start, end, candidate in sorted(chosen, key=lambda c: c[0]):
        run = sentences[candidate.first : candidate.last + 1]
        text = " ".join(s.text for s in run)
        hook = _hook(run[0], sentences[candidate.first + 1] if candidate.first + 1 < len(sentences) else None)
        title = _title(candidate, text, talk_topics, titles)
        titles.add(title.casefold())
        shorts.append(
            ShortSpan(
                start=start,
                end=end,
                title=title,
                reason=_reason(candidate, sentences, hook, talk_topics),
                text=text,
                score=candidate.score,
                components=candidate.components,
            )
        )
    return shorts
