"""Summaries of a transcript: extractive and offline by default (sumy's LexRank for the
sentences, YAKE for the key topics), or Amazon Bedrock where a deployment configures it."""

from __future__ import annotations

import json
import re
from typing import Any

from vidscope.capabilities.base import Summarizer
from vidscope.capabilities.summary import Summary
from vidscope.pipeline.errors import AnalysisFailed, TransientStageError
from vidscope.transcripts import Transcript

_SUMMARY_SENTENCES = 3
_KEY_TOPICS = 5
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


class ExtractiveSummarizer:
    """The transcript's most central sentences, in spoken order, and its key phrases."""

    def __init__(self, sentences: int = _SUMMARY_SENTENCES, topics: int = _KEY_TOPICS) -> None:
        self._sentences = sentences
        self._topics = topics

    def summarize(self, transcript: Transcript) -> Summary:
        text = transcript.text.strip()
        if not text:
            return Summary(text="", key_topics=[])
        from sumy.nlp.stemmers import Stemmer
        from sumy.parsers.plaintext import PlaintextParser
        from sumy.summarizers.lex_rank import LexRankSummarizer
        from sumy.utils import get_stop_words
        from yake import KeywordExtractor

        document = PlaintextParser.from_string(text, _SegtokTokenizer()).document
        summarizer = LexRankSummarizer(Stemmer("english"))
        summarizer.stop_words = get_stop_words("english")
        sentences = [str(s) for s in summarizer(document, self._sentences)]
        keywords = KeywordExtractor(lan="en", n=2, top=self._topics * 2, dedupLim=0.7).extract_keywords(text)
        topics: list[str] = []
        for phrase, _score in keywords:  # lower score = more relevant; already sorted
            if not any(phrase.lower() in t.lower() or t.lower() in phrase.lower() for t in topics):
                topics.append(phrase)
        return Summary(text=" ".join(sentences), key_topics=topics[: self._topics])


class BedrockSummarizer:
    """An abstractive summary from a Bedrock model via the Converse API, asked for strict JSON."""

    _PROMPT = (
        "Summarize this video transcript in at most three sentences and list up to five key topics. "
        'Answer with JSON only: {"summary": "...", "key_topics": ["..."]}.\n\nTranscript:\n'
    )

    def __init__(self, client: Any, model_id: str) -> None:
        self._client = client
        self._model_id = model_id

    def summarize(self, transcript: Transcript) -> Summary:
        if not transcript.text.strip():
            return Summary(text="", key_topics=[])
        try:
            response = self._client.converse(
                modelId=self._model_id,
                messages=[{"role": "user", "content": [{"text": self._PROMPT + transcript.text}]}],
                inferenceConfig={"maxTokens": 512, "temperature": 0},
            )
        except self._client.exceptions.ThrottlingException as exc:
            raise TransientStageError("Bedrock throttled the summary request") from exc
        reply = "".join(part.get("text", "") for part in response["output"]["message"]["content"])
        try:
            parsed = json.loads(reply[reply.find("{") : reply.rfind("}") + 1])
            return Summary(text=str(parsed["summary"]), key_topics=[str(t) for t in parsed["key_topics"]][:_KEY_TOPICS])
        except (ValueError, KeyError, TypeError) as exc:
            raise AnalysisFailed("the summary model returned an answer that could not be read") from exc
