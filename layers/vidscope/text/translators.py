"""The translation engines (``Translator``): ``AmazonTranslator`` sends the segments to Amazon
Translate in batches (one line each, so every translation keeps its segment's times);
``LocalTranslator`` completes a two-example few-shot prompt on the shared local language model
(Gemma-3-270M, ``vidscope.text.language_model``), a sentence at a time, greedy, stopped at the
line's end. The local model was measured into English from the languages it names, and from
English into French, Spanish and German: other pairs are refused as unsupported rather than
answered badly."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from vidscope.text.language_model import LanguageModel
from vidscope.text.summaries import ModelThrottled


class LanguagePairUnsupported(Exception):
    """The engine cannot translate from the media's language into a target: the translation
    capability fails alone, uncharged (``vidscope.pipeline.errors`` maps the name to
    LANGUAGE_PAIR_UNSUPPORTED; this room imports nothing of the pipeline)."""


class Translator(Protocol):
    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """``texts`` (one segment each) from ``source`` into ``target``, one answer per text."""
        ...


# The languages the local prompt names (ISO 639-1 -> its English name).
LANGUAGE_NAMES = {
    "ar": "Arabic",
    "ca": "Catalan",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fi": "Finnish",
    "fr": "French",
    "hu": "Hungarian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sv": "Swedish",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "zh": "Chinese",
}
# Into English: the prompt measured on FR/DE/ES/IT/PT (chrF 64-79 on the bench's scripts).
_INTO_ENGLISH = (
    "Translate subtitles into English.\n\n"
    "French: Je ne sais pas où il est parti.\nEnglish: I don't know where he went.\n\n"
    "German: Wir sehen uns morgen früh am Bahnhof.\nEnglish: See you tomorrow morning at the station.\n\n"
)
# Out of English: the same two examples in the target (measured EN->FR 65, ES 73, DE 54 chrF).
_EXAMPLES = {
    "en": ("I don't know where he went.", "See you tomorrow morning at the station."),
    "fr": ("Je ne sais pas où il est parti.", "On se voit demain matin à la gare."),
    "de": ("Ich weiß nicht, wohin er gegangen ist.", "Wir sehen uns morgen früh am Bahnhof."),
    "es": ("No sé adónde fue.", "Nos vemos mañana por la mañana en la estación."),
}


def _prompt(source: str, target: str) -> str | None:
    """The few-shot head for ``source`` -> ``target``, None for a pair the local model was not
    measured on."""
    if target == "en" and source != "en" and source in LANGUAGE_NAMES:
        return _INTO_ENGLISH
    if source == "en" and target in _EXAMPLES and target != "en":
        name = LANGUAGE_NAMES[target]
        pairs = zip(_EXAMPLES["en"], _EXAMPLES[target], strict=True)
        return f"Translate subtitles into {name}.\n\n" + "".join(f"English: {a}\n{name}: {b}\n\n" for a, b in pairs)
    return None


_SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s+")  # and the CJK full stops
_MAX_TOKENS = 96  # a subtitle line's translation; a longer segment is cut, not looped on


class LocalTranslator:
    """Loads its model on the first translation (``load``): an analysis that translates nothing
    never pays the model's 0.6 s and 350 MB."""

    def __init__(self, load: Callable[[], LanguageModel]) -> None:
        self._load = load

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        head = _prompt(source, target)
        if head is None:
            raise LanguagePairUnsupported(f"the local engine does not translate {source} into {target}")
        asked, answer = LANGUAGE_NAMES[source], LANGUAGE_NAMES[target]
        model = self._load()

        def one(sentence: str) -> str:
            return model.complete(f"{head}{asked}: {sentence}\n{answer}:", max_tokens=_MAX_TOKENS)

        # A sentence at a time, as the examples show: the small model answers a segment holding
        # two sentences and a fragment with one short, wrong sentence. One line each: a newline
        # inside one would end its answer early.
        return [" ".join(one(s) for s in _SENTENCE_END.split(" ".join(text.split())) if s) for text in texts]


class AmazonTranslator:
    """Amazon Translate's TranslateText, the segments batched a line each up to its request size."""

    MAX_BYTES = 9_000  # TranslateText takes 10,000 bytes of UTF-8; a margin for the separators

    def __init__(self, client: Any) -> None:
        self._client = client

    def _batches(self, texts: Sequence[str]) -> list[list[str]]:
        batches: list[list[str]] = [[]]
        size = 0
        for text in texts:
            line = " ".join(text.split())
            needed = len(line.encode()) + 1
            if batches[-1] and size + needed > self.MAX_BYTES:
                batches.append([])
                size = 0
            batches[-1].append(line)
            size += needed
        return [b for b in batches if b]

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        if source == target:
            raise LanguagePairUnsupported(f"the media is already in {target}")
        if not any(text.strip() for text in texts):
            return ["" for _ in texts]
        out: list[str] = []
        for batch in self._batches(texts):
            try:
                response = self._client.translate_text(
                    Text="\n".join(batch), SourceLanguageCode=source, TargetLanguageCode=target
                )
            except self._client.exceptions.UnsupportedLanguagePairException as exc:
                raise LanguagePairUnsupported(f"Amazon Translate does not translate {source} into {target}") from exc
            except self._client.exceptions.TooManyRequestsException as exc:
                raise ModelThrottled("Amazon Translate throttled the request") from exc
            lines = response["TranslatedText"].split("\n")
            if len(lines) != len(batch):  # a line merged or split: translate those one by one
                lines = [self._one(text, source, target) for text in batch]
            out.extend(line.strip() for line in lines)
        return out

    def _one(self, text: str, source: str, target: str) -> str:
        if not text:
            return ""
        response = self._client.translate_text(Text=text, SourceLanguageCode=source, TargetLanguageCode=target)
        return str(response["TranslatedText"])
