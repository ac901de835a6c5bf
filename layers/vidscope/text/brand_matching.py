"""Brand mentions in a transcript, from the curated list in ``data/brands.json``.

Names are matched on word boundaries. Names that are also ordinary words (Apple, Gap, Shell,
Target, Dove, Ask, …; flagged ``ambiguous`` in the data) count only when written as a name:
capitalized, and — at the start of a sentence, where every word is capitalized — only with a
context word in the same sentence. Acronyms (GE, BP, EA) match only in capitals.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from vidscope.capabilities.brands import BrandMention, Proof
from vidscope.transcripts import Segment, Transcript

__all__ = ["BrandMention", "Catalog", "Proof", "catalog", "detect", "find_brands"]

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


def _sentence_around(text: str, position: int) -> str:
    start = max(text.rfind(mark, 0, position) for mark in ".!?") + 1
    ends = [i for i in (text.find(mark, position) for mark in ".!?") if i != -1]
    return text[start : min(ends) if ends else len(text)].lower()


def _mention_confidence(entry: BrandEntry, surface: str, text: str, position: int, listed: str | None) -> float:
    """0 when the words are not this brand; otherwise how sure the match is."""
    if listed is not None and surface != listed:
        return 0.0  # ambiguous names and acronyms only count in their listed case
    sentence = _sentence_around(text, position)
    has_context = entry.context.search(sentence) is not None
    if not entry.ambiguous:
        return _CONFIDENT + (_WITH_CONTEXT / 2 if has_context else 0.0)
    if _sentence_start(text, position) and not has_context:
        return 0.0  # "Target practice begins…": capitalized only because it starts the sentence
    return _CAPITALIZED_WORD + (_WITH_CONTEXT if has_context else 0.0)


def find_brands(segments: list[Segment], *, with_proof: bool) -> list[BrandMention]:
    """Brands said in ``segments``, most mentioned first; ``proof`` lists the segments."""
    cat = catalog()
    found: dict[str, tuple[list[float], list[Proof]]] = {}
    for segment in segments:
        for match in cat.pattern.finditer(segment.text):
            surface = match.group(0)
            form = re.sub(r"\s+", " ", surface).lower()
            entry = cat.entries[form]
            confidence = _mention_confidence(entry, surface, segment.text, match.start(), cat.exact_case.get(form))
            if confidence <= 0:
                continue
            confidences, proofs = found.setdefault(entry.name, ([], []))
            confidences.append(confidence)
            if len(proofs) < _MAX_PROOFS:
                proofs.append(Proof(start=segment.start, end=segment.end, text=segment.text))
    mentions = []
    for name, (confidences, proofs) in found.items():
        miss = 1.0
        for c in confidences:
            miss *= 1 - c  # independent mentions: the brand is absent only if every one is wrong
        mentions.append(
            BrandMention(
                name=name,
                mentions=len(confidences),
                confidence=round(min(1 - miss, _MAX_CONFIDENCE), 2),
                proof=proofs if with_proof else None,
            )
        )
    return sorted(mentions, key=lambda m: (-m.mentions, m.name))


def detect(transcript: Transcript, *, with_proof: bool) -> list[BrandMention]:
    return find_brands(transcript.segments, with_proof=with_proof)
