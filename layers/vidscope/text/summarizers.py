"""Summaries of a transcript and titles of its chapters: extractive and offline by default (sumy's
LexRank for the sentences, YAKE for the key topics and titles), or Amazon Bedrock where a
deployment configures it."""

from __future__ import annotations

import json
import re
from typing import Any

from vidscope.text import stems
from vidscope.text.summaries import ModelAnswerUnreadable, ModelThrottled, Summarizer, Summary
from vidscope.transcripts import Transcript

_SUMMARY_SENTENCES = 3
_KEY_TOPICS = 5
_TITLE_CANDIDATES = 10  # key phrases tried per chapter until one is not another chapter's
_WORD = re.compile(r"[\w']+")

__all__ = ["BedrockSummarizer", "ExtractiveSummarizer", "Summarizer", "Summary"]


class _SegtokTokenizer:
    """sumy's own tokenizer needs NLTK data fetched from the internet; segtok's rules need none."""

    language = "english"

    def to_sentences(self, paragraph: str) -> list[str]:
        from segtok.segmenter import split_single

        return [s.strip() for s in split_single(paragraph) if s.strip()]

    def to_words(self, sentence: str) -> list[str]:
        return _WORD.findall(sentence)


def _central_sentences(text: str, count: int) -> list[str]:
    """``text``'s ``count`` most central sentences (LexRank), in their order."""
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer

    document = PlaintextParser.from_string(text, _SegtokTokenizer()).document
    stem, stop_words = stems.english()
    summarizer = LexRankSummarizer(stem)
    summarizer.stop_words = stop_words
    return [str(s) for s in summarizer(document, count)]


def _key_phrases(text: str, count: int, *, words: int = 2) -> list[str]:
    """Up to ``count`` key phrases of ``text`` (YAKE), most relevant first, none inside another."""
    from yake import KeywordExtractor

    keywords = KeywordExtractor(lan="en", n=words, top=count * 2, dedupLim=0.7).extract_keywords(text)
    phrases: list[str] = []
    for phrase, _score in keywords:  # lower score = more relevant; already sorted
        if not any(phrase.lower() in p.lower() or p.lower() in phrase.lower() for p in phrases):
            phrases.append(phrase)
    return phrases[:count]


def _overlaps(phrase: str, taken: list[str]) -> bool:
    return any(phrase.casefold() in t.casefold() or t.casefold() in phrase.casefold() for t in taken)


class ExtractiveSummarizer:
    """The transcript's most central sentences, in spoken order, and its key phrases."""

    def __init__(self, sentences: int = _SUMMARY_SENTENCES, topics: int = _KEY_TOPICS) -> None:
        self._sentences = sentences
        self._topics = topics

    def summarize(self, transcript: Transcript) -> Summary:
        text = transcript.text.strip()
        if not text:
            return Summary(text="", key_topics=[])
        return Summary(
            text=" ".join(_central_sentences(text, self._sentences)), key_topics=_key_phrases(text, self._topics)
        )

    def describe_chapters(self, texts: list[str]) -> list[tuple[str, str]]:
        """Each chapter's title is one of its key phrases, preferring one it repeats and the other
        chapters never say, and never one an earlier title holds (or is held by); its summary is
        its most central sentence."""
        titles: list[str] = []
        described = []
        for i, text in enumerate(texts):
            if not text.strip():
                described.append(("", ""))
                continue
            own, others = text.casefold(), " ".join(t for j, t in enumerate(texts) if j != i).casefold()

            def said(phrase: str, where: str) -> int:
                return len(re.findall(rf"\b{re.escape(phrase.casefold())}\b", where))

            fresh = [p for p in _key_phrases(text, _TITLE_CANDIDATES) if not _overlaps(p, titles)]
            # Stable: the most relevant first among those as distinctive and as repeated.
            ranked = sorted(fresh, key=lambda p: (said(p, others) > 0, said(p, own) < 2))
            title = next(iter(ranked), "")
            title = title[:1].upper() + title[1:]
            if title:
                titles.append(title)
            described.append((title, next(iter(_central_sentences(text, 1)), "")))
        return described


class BedrockSummarizer:
    """An abstractive summary from a Bedrock model via the Converse API, asked for strict JSON."""

    _PROMPT = (
        "Summarize this video transcript in at most three sentences and list up to five key topics. "
        'Answer with JSON only: {"summary": "...", "key_topics": ["..."]}.\n\nTranscript:\n'
    )

    _CHAPTERS_PROMPT = (
        "Below are the {count} consecutive chapters of a video transcript. Give each chapter a short "
        "title (at most six words, no two titles alike) and a one-sentence summary. Answer with JSON "
        'only, one entry per chapter in order: {{"chapters": [{{"title": "...", "summary": "..."}}]}}.\n'
    )

    def __init__(self, client: Any, model_id: str) -> None:
        self._client = client
        self._model_id = model_id

    def _ask(self, prompt: str, max_tokens: int, what: str) -> Any:
        """The model's JSON answer to ``prompt``; ``what`` names the request in errors."""
        try:
            response = self._client.converse(
                modelId=self._model_id,
                messages=[{"role": "user", "content": [{"text": prompt}]}],
                inferenceConfig={"maxTokens": max_tokens, "temperature": 0},
            )
        except self._client.exceptions.ThrottlingException as exc:
            raise ModelThrottled(f"Bedrock throttled the {what} request") from exc
        reply = "".join(part.get("text", "") for part in response["output"]["message"]["content"])
        try:
            return json.loads(reply[reply.find("{") : reply.rfind("}") + 1])
        except ValueError as exc:
            raise ModelAnswerUnreadable(f"the {what} model returned an answer that could not be read") from exc

    def summarize(self, transcript: Transcript) -> Summary:
        if not transcript.text.strip():
            return Summary(text="", key_topics=[])
        parsed = self._ask(self._PROMPT + transcript.text, 512, "summary")
        try:
            return Summary(text=str(parsed["summary"]), key_topics=[str(t) for t in parsed["key_topics"]][:_KEY_TOPICS])
        except (KeyError, TypeError) as exc:
            raise ModelAnswerUnreadable("the summary model returned an answer that could not be read") from exc

    def describe_chapters(self, texts: list[str]) -> list[tuple[str, str]]:
        """All the chapters in one request, so the model sees them together and titles them apart."""
        if not texts:
            return []
        chapters = "".join(f"\nChapter {i}:\n{text}\n" for i, text in enumerate(texts, start=1))
        prompt = self._CHAPTERS_PROMPT.format(count=len(texts)) + chapters
        parsed = self._ask(prompt, min(4096, 256 + 96 * len(texts)), "chapters")
        try:
            described = [(str(c["title"]).strip(), str(c["summary"]).strip()) for c in parsed["chapters"]]
        except (KeyError, TypeError) as exc:
            raise ModelAnswerUnreadable("the chapters model returned an answer that could not be read") from exc
        if len(described) != len(texts):
            raise ModelAnswerUnreadable(f"the chapters model described {len(described)} chapters of {len(texts)}")
        return described
