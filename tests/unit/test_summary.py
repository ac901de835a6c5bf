"""Summaries: the offline extractive default and the Bedrock provider's contract."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from vidscope.text.summaries import ModelAnswerUnreadable
from vidscope.text.summarizers import BedrockSummarizer, ExtractiveSummarizer
from vidscope.transcripts import Segment, Transcript

TALK = Transcript.from_segments(
    [
        Segment(start=0, end=5, text="Today we review the new electric bike from a small company."),
        Segment(start=5, end=10, text="The electric bike has a battery that lasts eighty kilometres."),
        Segment(start=10, end=15, text="Battery life matters most for commuters who ride every day."),
        Segment(start=15, end=20, text="The frame is light and the brakes work well in the rain."),
        Segment(start=20, end=25, text="Thanks for watching."),
    ],
    language="en",
    duration_seconds=25,
)


def test_the_extractive_summary_is_made_of_transcript_sentences_with_key_topics() -> None:
    summary = ExtractiveSummarizer(sentences=2).summarize(TALK)
    sentences = [s.text for s in TALK.segments]
    picked = [s for s in sentences if s in summary.text]
    assert len(picked) == 2 and summary.text == " ".join(picked)  # spoken order, verbatim
    assert summary.key_topics and any("bike" in t.lower() or "battery" in t.lower() for t in summary.key_topics)
    assert len(summary.key_topics) <= 5


def test_an_empty_transcript_has_an_empty_summary() -> None:
    empty = Transcript.from_segments([], language="en", duration_seconds=3)
    assert ExtractiveSummarizer().summarize(empty).model_dump() == {"text": "", "key_topics": []}


def _bedrock_reply(text: str) -> dict:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 10, "outputTokens": 10, "totalTokens": 20},
        "metrics": {"latencyMs": 5},
    }


def test_bedrock_summary_reads_the_models_json_answer() -> None:
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response(
            "converse",
            _bedrock_reply('Sure: {"summary": "An e-bike review.", "key_topics": ["e-bike", "battery"]}'),
        )
        summary = BedrockSummarizer(client, "amazon.nova-lite-v1:0").summarize(TALK)
    assert summary.text == "An e-bike review." and summary.key_topics == ["e-bike", "battery"]


def test_an_unreadable_bedrock_answer_fails_the_capability_clearly() -> None:
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("converse", _bedrock_reply("I cannot help with that."))
        with pytest.raises(ModelAnswerUnreadable, match="could not be read"):
            BedrockSummarizer(client, "model").summarize(TALK)


# --- chapter titles and summaries ------------------------------------------------------------------

CHAPTER_TEXTS = [
    "Chop the onions for the tomato sauce. The tomato sauce simmers for an hour. Add basil to the sauce.",
    "The home team scored a goal. The home team kept the ball. The referee ended the match.",
]


def test_extractive_chapter_titles_are_distinct_key_phrases_and_summaries_are_their_sentences() -> None:
    described = ExtractiveSummarizer().describe_chapters(CHAPTER_TEXTS)
    assert len(described) == 2
    (first_title, first_summary), (second_title, second_summary) = described
    assert "sauce" in first_title.lower() and "team" in second_title.lower()
    assert first_summary in CHAPTER_TEXTS[0] and first_summary.endswith(".")
    assert second_summary in CHAPTER_TEXTS[1] and second_summary.count(".") == 1


def test_the_same_text_twice_gets_two_different_titles() -> None:
    (first, _), (second, _) = ExtractiveSummarizer().describe_chapters([CHAPTER_TEXTS[0], CHAPTER_TEXTS[0]])
    assert first and second and first.casefold() != second.casefold()


def test_bedrock_describes_every_chapter_in_one_request() -> None:
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    answer = (
        '{"chapters": [{"title": "Tomato sauce", "summary": "A sauce is cooked."},'
        ' {"title": "The match", "summary": "The home team wins."}]}'
    )
    with Stubber(client) as stub:
        stub.add_response("converse", _bedrock_reply(answer))
        described = BedrockSummarizer(client, "amazon.nova-lite-v1:0").describe_chapters(CHAPTER_TEXTS)
        stub.assert_no_pending_responses()
    assert described == [("Tomato sauce", "A sauce is cooked."), ("The match", "The home team wins.")]


def test_bedrock_describing_fewer_chapters_than_asked_fails_the_capability() -> None:
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("converse", _bedrock_reply('{"chapters": [{"title": "Only one", "summary": "One."}]}'))
        with pytest.raises(ModelAnswerUnreadable, match="1 chapters of 2"):
            BedrockSummarizer(client, "model").describe_chapters(CHAPTER_TEXTS)
