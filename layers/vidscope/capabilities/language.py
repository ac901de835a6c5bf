"""language: the transcript's language, read from its words (not from the audio, as the
transcription model does): each language's stop words are counted among the transcript's words,
and letters of a script that only one listed language uses settle it outright."""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, Field

from vidscope.capabilities.base import Capability, Inputs, Need, NoOptions
from vidscope.transcripts import UNDETERMINED_LANGUAGE

# sumy's stop-word lists (the summary already depends on sumy), by ISO 639-1 code.
_LISTS = {
    "cs": "czech",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "it": "italian",
    "pl": "polish",
    "pt": "portuguese",
    "sk": "slovak",
    "sv": "swedish",
}
# Scripts that one language of those sumy lists writes in (compiled at first use: the API
# imports this declaration and never detects).
_SCRIPTS = {
    "el": r"[\u0370-\u03ff]",
    "he": r"[\u0590-\u05ff]",
    "ar": r"[\u0600-\u06ff]",
    "th": r"[\u0e00-\u0e7f]",
    "ko": r"[\uac00-\ud7af]",
    "ja": r"[\u3040-\u30ff]",  # kana: Japanese even among Han characters
    "zh": r"[\u4e00-\u9fff]",
}
_WORD = r"[^\W\d_]+(?:'[^\W\d_]+)?"
_MIN_EVIDENCE = 3  # stop words (or script letters) needed before naming a language


class LanguageScore(BaseModel):
    language: str
    score: float = Field(ge=0, le=1, description="Share of the evidence for this language")


class LanguageResult(BaseModel):
    language: str = Field(description="ISO 639-1 code, or und when the text does not tell")
    confidence: float = Field(ge=0, le=1)
    candidates: list[LanguageScore] = Field(description="The best three, most likely first")


@cache
def _patterns() -> tuple[re.Pattern[str], dict[str, re.Pattern[str]]]:
    return re.compile(_WORD), {code: re.compile(letters) for code, letters in _SCRIPTS.items()}


@cache
def _stop_words() -> dict[str, frozenset[str]]:
    from sumy.utils import get_stop_words  # deferred: the analysis image's library, not the API's

    return {code: frozenset(get_stop_words(name)) for code, name in _LISTS.items()}


def detect(text: str) -> LanguageResult:
    word, scripts = _patterns()
    counts: dict[str, int] = {}
    for code, letters in scripts.items():
        found = len(letters.findall(text))
        if found >= _MIN_EVIDENCE:
            counts[code] = found
    if "ja" in counts:
        counts.pop("zh", None)
    if not counts:
        words = [w.lower() for w in word.findall(text)]
        for code, stop_words in _stop_words().items():
            counts[code] = sum(1 for w in words if w in stop_words)
    total = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if total < _MIN_EVIDENCE:
        return LanguageResult(language=UNDETERMINED_LANGUAGE, confidence=0.0, candidates=[])
    candidates = [LanguageScore(language=code, score=round(n / total, 3)) for code, n in ranked[:3] if n]
    return LanguageResult(language=candidates[0].language, confidence=candidates[0].score, candidates=candidates)


def _compute(inputs: Inputs, options: NoOptions) -> LanguageResult:
    return detect(inputs.transcript.text)


CAPABILITY = Capability(
    name="language",
    description="The transcript's language, detected from its text",
    credits_per_minute=1,
    needs=frozenset({Need.TRANSCRIPT}),
    options=NoOptions,
    result=LanguageResult,
    compute=_compute,
    render=lambda r: [f"{r.language} (confidence {r.confidence:.2f})"],
)
