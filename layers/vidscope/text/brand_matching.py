"""Brand mentions in a transcript and in the text read on screen, from the curated list in
``data/brands.json``.

Names are matched on word boundaries. Names that are also ordinary words (Apple, Gap, Shell,
Target, Dove, Ask, …; flagged ``ambiguous`` in the data) count only when written as a name:
capitalized, and — at the start of a sentence, where every word is capitalized — only with a
context word in the same sentence. Acronyms (GE, BP, EA) match only in capitals.

On screen the same rules apply to each piece of text, whose start counts as a sentence start.
Captions, signs and titles are often set in capitals, where the case tells nothing: an ambiguous
name written in capitals ("TARGET", or "SEAT" in "TAKE A SEAT") counts only with a context word in
the same piece of text ("TARGET STORE OPENING" counts, "TARGET PRACTICE" does not). Unambiguous
names and the acronyms listed in capitals count as they do in speech. An on-screen mention's confidence is the
name's confidence times the OCR's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from vidscope.adapters.media_store import artifact_ref
from vidscope.text.brand_mentions import BrandMention, Proof
from vidscope.transcripts import Segment
from vidscope.vision.models import ScreenText

__all__ = ["BrandMention", "Catalog", "Proof", "catalog", "find_brands"]

# Confidence of one mention by how it was written; a brand's confidence combines its mentions.
_CONFIDENT = 0.9  # an unambiguous name
_CAPITALIZED_WORD = 0.7  # an ambiguous name, capitalized mid-sentence
_WITH_CONTEXT = 0.15  # added when a context word backs the mention
_MAX_CONFIDENCE = 0.99
_MAX_PROOFS = 50  # per brand: enough to verify, bounded for the stored result


@dataclass(frozen=True)
class BrandEntry:
    name: str
    sector: str
    ambiguous: bool
    context: re.Pattern[str]  # any of its context words, on word boundaries, compiled once


@dataclass(frozen=True)
class Catalog:
    entries: dict[str, BrandEntry]  # surface form (lowercased) → brand
    exact_case: dict[str, str]  # lowercased form → the case it must be written in
    pattern: re.Pattern[str]

    def __len__(self) -> int:
        return len({e.name for e in self.entries.values()})


@cache  # most brands have only the shared context words: one pattern serves them all
def _any_word(words: frozenset[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b")


@cache
def catalog() -> Catalog:
    document = json.loads(resources.files("vidscope").joinpath("data/brands.json").read_text("utf-8"))
    shared_context = frozenset(document["context_words"])
    entries: dict[str, BrandEntry] = {}
    exact: dict[str, str] = {}
    for raw in document["brands"]:
        entry = BrandEntry(
            name=raw["name"],
            sector=raw["sector"],
            ambiguous=raw.get("ambiguous", False),
            context=_any_word(frozenset(raw.get("context", ())) | shared_context),
        )
        for form in (raw["name"], *raw.get("aliases", ())):
            entries.setdefault(form.lower(), entry)
            if entry.ambiguous or (form.isupper() and len(form) <= 4):
                exact[form.lower()] = form
    # Longest first, so "Burger King" wins over "King" and "Coca-Cola" over "Coca".
    forms = sorted(entries, key=len, reverse=True)
    alternation = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in forms)
    pattern = re.compile(rf"(?<![\w&'-])(?:{alternation})(?![\w&-]|'\w\w)", re.IGNORECASE)
    return Catalog(entries=entries, exact_case=exact, pattern=pattern)


def _sentence_start(text: str, position: int) -> bool:
    before = text[:position].rstrip()
    return not before or before[-1] in '.!?…"“'


def _sentence_bounds(text: str, position: int) -> tuple[int, int]:
    """The sentence around ``position``: from after the previous mark to its own mark, included."""
    start = max(text.rfind(mark, 0, position) for mark in ".!?") + 1
    ends = [i for i in (text.find(mark, position) for mark in ".!?") if i != -1]
    return start, min(ends) + 1 if ends else len(text)


def _mention_confidence(
    entry: BrandEntry, surface: str, text: str, position: int, listed: str | None, *, on_screen: bool = False
) -> float:
    """0 when the words are not this brand; otherwise how sure the match is."""
    start, end = _sentence_bounds(text, position)
    has_context = entry.context.search(text[start:end].lower()) is not None
    if on_screen and entry.ambiguous and surface.isupper():
        # Set in capitals, as captions and signs often are: no case to tell a name from a word.
        return _CAPITALIZED_WORD + _WITH_CONTEXT if has_context else 0.0
    if listed is not None and surface != listed:
        return 0.0  # ambiguous names and acronyms only count in their listed case
    if not entry.ambiguous:
        return _CONFIDENT + (_WITH_CONTEXT / 2 if has_context else 0.0)
    if _sentence_start(text, position) and not has_context:
        return 0.0  # "Target practice begins…": capitalized only because it starts the sentence
    return _CAPITALIZED_WORD + (_WITH_CONTEXT if has_context else 0.0)


@dataclass(frozen=True)
class _Found:
    brand: str
    confidence: float
    proof: Proof


def _matches(text: str, *, on_screen: bool) -> list[tuple[re.Match[str], BrandEntry, float]]:
    """The brand names in ``text`` that count, each with its entry and confidence."""
    cat = catalog()
    kept = []
    for match in cat.pattern.finditer(text):
        surface = match.group(0)
        form = re.sub(r"\s+", " ", surface).lower()
        entry = cat.entries[form]
        listed = cat.exact_case.get(form)
        confidence = _mention_confidence(entry, surface, text, match.start(), listed, on_screen=on_screen)
        if confidence > 0:
            kept.append((match, entry, confidence))
    return kept


def _spoken(segment: Segment) -> list[_Found]:
    """Each mention said in ``segment``: its proof spans the name's own words (the segment when it
    has no word timings) and quotes the sentence around it."""
    found = []
    for match, entry, confidence in _matches(segment.text, on_screen=False):
        said = segment.time_of(match.start(), match.end())
        start, end = said if said is not None and said[1] > said[0] else (segment.start, segment.end)
        sentence_start, sentence_end = _sentence_bounds(segment.text, match.start())
        sentence = segment.text[sentence_start:sentence_end].strip()
        found.append(_Found(entry.name, confidence, Proof(source="speech", start=start, end=end, text=sentence)))
    return found


def _seen(item: ScreenText) -> list[_Found]:
    """Each brand read in ``item`` (once, however often its text names it), weighted by the OCR's
    confidence; the proof points at a frame that shows it."""
    best: dict[str, float] = {}
    for _match, entry, confidence in _matches(item.text, on_screen=True):
        best[entry.name] = max(best.get(entry.name, 0.0), confidence * item.confidence)
    frame = artifact_ref("vision/" + item.file)
    return [
        _Found(
            name, confidence, Proof(source="on_screen", start=item.start, end=item.end, text=item.text, frame_url=frame)
        )
        for name, confidence in best.items()
        if confidence > 0
    ]


def find_brands(
    segments: list[Segment], on_screen: Sequence[ScreenText] = (), *, with_proof: bool
) -> list[BrandMention]:
    """Brands said in ``segments`` or read in ``on_screen``, most mentioned first. A brand's
    mentions count each time it is said and each piece of screen text naming it; ``proof`` lists
    them in time order."""
    by_brand: dict[str, list[_Found]] = {}
    for found in [f for s in segments for f in _spoken(s)] + [f for item in on_screen for f in _seen(item)]:
        by_brand.setdefault(found.brand, []).append(found)
    mentions = []
    for name, founds in by_brand.items():
        miss = 1.0
        for found in founds:
            miss *= 1 - found.confidence  # independent mentions: the brand is absent only if every one is wrong
        proofs = sorted((f.proof for f in founds), key=lambda p: (p.start, p.end))[:_MAX_PROOFS]
        mentions.append(
            BrandMention(
                name=name,
                mentions=len(founds),
                confidence=round(min(1 - miss, _MAX_CONFIDENCE), 2),
                proof=proofs if with_proof else None,
            )
        )
    return sorted(mentions, key=lambda m: (-m.mentions, m.name))
