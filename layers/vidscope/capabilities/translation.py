"""translation: the transcript in other languages, segment by segment with the source segments'
times, so each target serves as subtitles (``GET /v1/jobs/{id}/transcript?language=xx``).

The engine is the deployment's (``Inputs.translator``): Amazon Translate in the cloud, the shared
local language model otherwise. A target the engine cannot reach from the language the media was
heard in (known only after detection) fails the capability alone, uncharged
(LANGUAGE_PAIR_UNSUPPORTED); a bad code is a 400 at creation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from vidscope.access import Access
from vidscope.capabilities.base import Capability, Inputs, Need, Options
from vidscope.transcripts import UNDETERMINED_LANGUAGE, LanguageCode

if TYPE_CHECKING:
    from vidscope.capabilities.results.translation import TranslationResult

MAX_TARGETS = 5


class TranslationOptions(Options):
    target_languages: list[LanguageCode] = Field(
        min_length=1, max_length=MAX_TARGETS, description="ISO 639-1 codes to translate the transcript into"
    )

    @field_validator("target_languages")
    @classmethod
    def _distinct(cls, codes: list[str]) -> list[str]:
        if len(set(codes)) != len(codes):
            raise ValueError("target_languages repeats a code")
        return codes


def _translate(inputs: Inputs, options: TranslationOptions) -> TranslationResult:
    from vidscope.capabilities.results.translation import (
        TranslatedSegment,
        Translation,
        TranslationResult,
    )  # deferred (DESIGN §9)
    from vidscope.text.translators import LanguagePairUnsupported  # deferred: the engines' room

    transcript = inputs.transcript
    source = transcript.language
    if source == UNDETERMINED_LANGUAGE and transcript.segments:
        raise LanguagePairUnsupported("the media's language could not be determined")
    translations = []
    for target in options.target_languages:
        if target == source:
            raise LanguagePairUnsupported(f"the media is already in {target}: nothing to translate it into")
        texts = inputs.translator.translate([s.text for s in transcript.segments], source, target)
        segments = [
            TranslatedSegment(start=s.start, end=s.end, text=text)
            for s, text in zip(transcript.segments, texts, strict=True)
        ]
        joined = " ".join(s.text for s in segments if s.text)
        translations.append(Translation(language=target, text=joined, segments=segments))
    return TranslationResult(source_language=source, translations=translations)


def _render(result: TranslationResult) -> list[str]:
    return [f"{result.source_language} -> {t.language}: {t.text}" for t in result.translations]


CAPABILITY: Capability[TranslationOptions, TranslationResult] = Capability(
    name="translation",
    description="The transcript translated into up to five languages, timed like its segments",
    credits_per_minute=2,
    needs=frozenset({Need.TRANSCRIPT}),
    options=TranslationOptions,
    result="vidscope.capabilities.results.translation:TranslationResult",
    compute=_translate,
    access=frozenset({Access.TRANSLATE}),  # the Amazon Translate engine
    render=_render,
)
