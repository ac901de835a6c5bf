"""Numbers as they are said or written: digits ("$1,299.99", "14th", "2.5 million") and words
("one hundred and twenty nine", "nineteen point nine nine", "fourteenth"), each with where it
stands in the text. Used to ground extracted numbers and dates, and by the local extractor to
find them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate(["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
    if i >= 2
}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_SCALES = {"thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_DIGITS = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(st|nd|rd|th)?(?:\s*(thousand|million|billion|k)\b)?", re.IGNORECASE
)
_WORD = re.compile(r"[a-z]+", re.IGNORECASE)
_JOINERS = {"and"}
# Month names, in order, as the dates said in speech name them (English, as the local engines read).
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
CURRENCY_WORDS = ("dollar", "dollars", "euro", "euros", "pound", "pounds", "cents", "usd", "eur", "gbp")


@dataclass(frozen=True)
class Stated:
    """A number stated in a text, and the characters that state it."""

    value: Decimal
    begin: int
    end: int
    ordinal: bool = False


def _digits(text: str) -> list[Stated]:
    found = []
    for match in _DIGITS.finditer(text):
        whole = match.group(1).replace(",", "") + (match.group(2) or "")
        try:
            value = Decimal(whole)
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            continue
        number_end = match.end(3) if match.group(3) else match.end(2) if match.group(2) else match.end(1)
        found.append(Stated(value, match.start(), number_end, ordinal=bool(match.group(3))))
        if match.group(4):
            scale = 1000 if match.group(4).lower() == "k" else _SCALES[match.group(4).lower()]
            found.append(Stated(value * scale, match.start(), match.end()))
    return found


class _Reader:
    """Accumulates one spoken number word by word; ``take`` refuses a word that cannot extend it
    ("nineteen ninety" is two numbers: a tens word after units or tens starts anew)."""

    def __init__(self) -> None:
        self.total, self.current, self.words, self.decimals = 0, 0, 0, ""
        self.small = 0  # what the last words added below a hundred (0: nothing since a scale)
        self.ordinal = False
        self.after_point = False

    def take(self, word: str) -> bool:
        if self.ordinal:
            return False
        if self.after_point:
            if word in _UNITS and _UNITS[word] < 10:
                self.decimals += str(_UNITS[word])
                return True
            return False
        return self._whole(word)

    def _whole(self, word: str) -> bool:
        small = _UNITS.get(word, _TENS.get(word, _ORDINALS.get(word)))
        if small is not None:
            if self.small and (small >= 10 or self.small % 10):  # "ninety nine" reads on, "nine nine" does not
                return False
            self.current += small
            self.small = small
            self.ordinal = word in _ORDINALS
        elif not self.words:
            return False  # a scale word alone ("million" after digits) is no number of its own
        elif word == "hundred":
            self.current = (self.current or 1) * 100
            self.small = 0
        elif word in _SCALES:
            self.total += (self.current or 1) * _SCALES[word]
            self.current, self.small = 0, 0
        elif word == "point":
            self.after_point = True
        else:
            return False
        self.words += 1
        return True

    def value(self) -> Decimal:
        whole = Decimal(self.total + self.current)
        return whole + Decimal(f"0.{self.decimals}") if self.decimals else whole


def _words(text: str) -> list[Stated]:
    found: list[Stated] = []
    tokens = [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
    i = 0
    while i < len(tokens):
        reader, begin, end, j = _Reader(), tokens[i][1], tokens[i][2], i
        while j < len(tokens):
            word = tokens[j][0]
            if word in _JOINERS and reader.words and j + 1 < len(tokens) and reader.small == 0:
                j += 1  # "one hundred and twenty": the joiner belongs to the number
                continue
            if not reader.take(word):
                break
            end = tokens[j][2]
            j += 1
        if reader.words and not (reader.words == 1 and tokens[i][0] == "point"):
            found.append(Stated(reader.value(), begin, end, reader.ordinal))
            i = j
        else:
            i += 1
    return found


def stated_numbers(text: str) -> list[Stated]:
    """Every number ``text`` states, in digits or in words, in the order they stand."""
    return sorted(_digits(text) + _words(text), key=lambda s: (s.begin, -s.end))


def as_decimal(value: object) -> Decimal | None:
    """A JSON number (or a numeric string) as a Decimal; None for anything else."""
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).replace(",", "").lstrip("$€£")) if isinstance(value, (int, float, str)) else None
    except InvalidOperation:
        return None
