"""Grounding (DESIGN §3b): every value an engine returns must be stated in a timed passage, or
it is dropped and counted. Deterministic and the same for every engine: a string is found in the
passage (case, accents and punctuation aside, within a small edit distance), a number is stated
there in digits or words, a date by its month, day and year; a boolean states nothing and is
dropped. What is left is then held to the client's schema, repaired by removing what breaks it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from vidscope.adapters.media_store import ARTIFACT_SCHEME
from vidscope.text.extraction import Evidence, Passage
from vidscope.text.numbers import MONTHS, as_decimal, stated_numbers
from vidscope.text.schema_bounds import JsonObject

_TOKEN = re.compile(r"[^\W_]+")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_MAX_REPAIRS = 50


def fold(text: str) -> str:
    """``text`` casefolded, without accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(fold(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def allowed_edits(length: int) -> int:
    """How many character edits a string of this length may be off by and still be found: none
    for a short word (a name of four letters differs by one letter from many others)."""
    return 0 if length <= 4 else 1 if length <= 9 else 2 if length <= 19 else 3


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or ``limit + 1`` as soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def find_string(value: str, text: str) -> tuple[int, int] | None:
    """Where ``text`` says ``value`` (whole words, normalised, fuzzy within ``allowed_edits``)."""
    wanted = [t for t, _, _ in _tokens(value)]
    if not wanted:
        return None
    target = " ".join(wanted)
    limit = allowed_edits(len(target))
    said = _tokens(text)
    best: tuple[int, int, int] | None = None
    for size in sorted({len(wanted), max(1, len(wanted) - 1), len(wanted) + 1}):
        for i in range(len(said) - size + 1):
            window = " ".join(t for t, _, _ in said[i : i + size])
            distance = _distance(window, target, limit)
            if distance <= limit and (best is None or distance < best[0]):
                best = (distance, said[i][1], said[i + size - 1][2])
    return None if best is None else (best[1], best[2])


def find_number(value: Decimal, text: str) -> tuple[int, int] | None:
    """Where ``text`` states ``value``, in digits or in words."""
    return next(((s.begin, s.end) for s in stated_numbers(text) if s.value == value), None)


def find_date(value: str, text: str) -> tuple[int, int] | None:
    """Where ``text`` states the ISO date ``value`` (YYYY-MM-DD or YYYY-MM): its year, its month
    by name and its day (digits, words or an ordinal), or the date as written."""
    written = find_string(value, text)
    match = _ISO_DATE.match(value)
    if written is not None or match is None:
        return written
    year, month, day = int(match.group(1)), int(match.group(2)), match.group(3)
    if not 1 <= month <= 12:
        return None
    numbers = stated_numbers(text)
    spans = [next(((s.begin, s.end) for s in numbers if s.value == year), None)]
    spans.append(next(((b, e) for t, b, e in _tokens(text) if t in (MONTHS[month - 1], MONTHS[month - 1][:3])), None))
    if day is not None:
        spans.append(next(((s.begin, s.end) for s in numbers if s.value == int(day) and s.value != year), None))
    if any(span is None for span in spans):
        return None
    return min(s[0] for s in spans if s), max(s[1] for s in spans if s)


def supports(value: Any, text: str) -> tuple[int, int] | None:
    """Where ``text`` states the JSON leaf ``value``; None when it does not (a boolean or a null
    never is: nothing in a transcript states them as such)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = as_decimal(value)
        return find_number(number, text) if number is not None else None
    if not isinstance(value, str) or not value.strip():
        return None
    # Said or shown text that spells the service's own file references is dropped, never returned:
    # a client's schema may name a field "url", and results' link fields are signed when read.
    if value.strip().lower().startswith(ARTIFACT_SCHEME):
        return None
    if _ISO_DATE.match(value.strip()):
        return find_date(value.strip(), text)
    number = as_decimal(value.strip()) if re.fullmatch(r"[$€£]?[\d,]+(\.\d+)?", value.strip()) else None
    if number is not None:
        return find_number(number, text) or find_string(value, text)
    return find_string(value, text)


@dataclass
class Grounded:
    """Entities with every leaf grounded, the evidence of each leaf (by JSON pointer), how many
    leaves were dropped, and the passage each leaf was found in (to prefer it on a second pass)."""

    entities: JsonObject
    evidence: list[Evidence] = field(default_factory=list)
    dropped: int = 0
    cited: dict[str, int] = field(default_factory=dict)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


class _Grounder:
    def __init__(self, passages: list[Passage], citations: dict[str, int]) -> None:
        self.passages, self.citations = passages, citations
        self.result = Grounded(entities={})

    def leaf(self, value: Any, pointer: str, cited_at: str) -> bool:
        cited = self.citations.get(cited_at)
        order = list(range(len(self.passages)))
        if cited is not None and 0 <= cited < len(self.passages):
            order.remove(cited)
            order.insert(0, cited)
        for index in order:
            passage = self.passages[index]
            span = supports(value, passage.text)
            if span is not None:
                start, end = passage.time_of(*span)
                self.result.evidence.append(
                    Evidence(
                        path=pointer, source=passage.source, start=round(start, 3), end=round(end, 3), text=passage.text
                    )
                )
                self.result.cited[pointer] = index
                return True
        self.result.dropped += 1
        return False

    def walk(self, value: Any, pointer: str, cited_at: str) -> tuple[bool, Any]:
        """(kept, the grounded value); a container that lost every value it held is not kept."""
        if isinstance(value, dict):
            kept: dict[str, Any] = {}
            for key, child in value.items():
                ok, grounded = self.walk(child, f"{pointer}/{_escape(key)}", f"{cited_at}/{_escape(key)}")
                if ok:
                    kept[key] = grounded
            return bool(kept) or not value, kept
        if isinstance(value, list):
            items: list[Any] = []
            for i, child in enumerate(value):
                ok, grounded = self.walk(child, f"{pointer}/{len(items)}", f"{cited_at}/{i}")
                if ok:
                    items.append(grounded)
            return bool(items) or not value, items
        return self.leaf(value, pointer, cited_at), value


def ground(entities: Any, passages: list[Passage], citations: dict[str, int] | None = None) -> Grounded:
    """``entities`` with only the leaves a passage states, each with its evidence; the rest are
    dropped and counted. ``citations`` (JSON pointer -> passage number) are tried first."""
    grounder = _Grounder(passages, citations or {})
    if not isinstance(entities, dict):
        grounder.result.dropped += 1  # not an object at all: nothing to keep
        return grounder.result
    _, kept = grounder.walk(entities, "", "")
    grounder.result.entities = kept
    return grounder.result


def _remove(document: Any, path: list[Any]) -> None:
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]


def repair(entities: JsonObject, schema: JsonObject) -> tuple[JsonObject | None, str | None]:
    """``entities`` made valid against ``schema`` by removing what breaks it (deepest first: a
    value of the wrong type, an array item missing a required property); (None, why) when the
    root itself cannot be made valid (a required property no passage states)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for _ in range(_MAX_REPAIRS):
        errors = sorted(validator.iter_errors(entities), key=lambda e: -len(e.absolute_path))
        if not errors:
            return entities, None
        path = list(errors[0].absolute_path)
        if not path:
            return None, errors[0].message
        _remove(entities, path)
    return None, "the entities could not be repaired within the bounded number of removals"
