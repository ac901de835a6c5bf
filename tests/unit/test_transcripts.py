"""Transcript formats: SRT and VTT that players accept, plain text, JSON; word timings for the analyses."""

from __future__ import annotations

import json
import re
from itertools import pairwise

import pytest

from infra.local.serve import SAMPLE_DIR
from vidscope.capabilities import transcription
from vidscope.capabilities.base import Inputs
from vidscope.pipeline.transcription import WhisperConfig, transcribe
from vidscope.transcripts import (
    Segment,
    Transcript,
    TranscriptFormat,
    Word,
    render,
    to_srt,
    to_staged,
    to_txt,
    to_vtt,
)

TRANSCRIPT = Transcript.from_segments(
    [
        Segment(start=0.0, end=2.5, text="Hello there."),
        Segment(start=2.5, end=2.5, text="(zero-length)"),
        Segment(start=3.0, end=3661.237, text="  A long one.  "),
        Segment(start=3700.0, end=3702.0, text="   "),
    ],
    language="en",
    duration_seconds=3702.0,
)


def test_srt_numbers_cues_and_uses_comma_milliseconds() -> None:
    assert to_srt(TRANSCRIPT) == (
        "1\n00:00:00,000 --> 00:00:02,500\nHello there.\n\n2\n00:00:03,000 --> 01:01:01,237\nA long one.\n"
    )


def test_vtt_has_its_header_and_dot_milliseconds() -> None:
    assert to_vtt(TRANSCRIPT) == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nHello there.\n\n00:00:03.000 --> 01:01:01.237\nA long one.\n"
    )


def test_txt_is_one_line_per_spoken_segment() -> None:
    assert to_txt(TRANSCRIPT) == "Hello there.\n(zero-length)\nA long one.\n"


def test_json_round_trips_and_counts_words() -> None:
    assert Transcript.model_validate(json.loads(render(TRANSCRIPT, TranscriptFormat.JSON))) == TRANSCRIPT
    assert TRANSCRIPT.word_count == len(TRANSCRIPT.text.split())
    assert re.fullmatch(r"text/vtt.*", TranscriptFormat.VTT.media_type)


# --- word timings: kept for the analyses, never served -------------------------------------------

SPOKEN = Transcript.from_segments(
    [
        Segment(
            start=6.38,
            end=13.57,
            text="We tried shoes from Adidas. They fit well.",
            words=[
                Word(start=6.38, end=6.6, word="We"),
                Word(start=6.6, end=7.0, word="tried"),
                Word(start=7.0, end=7.5, word="shoes"),
                Word(start=7.5, end=8.12, word="from"),
                Word(start=8.12, end=8.55, word="Adidas."),
                Word(start=9.9, end=10.3, word="They"),
                Word(start=10.3, end=10.6, word="fit"),
                Word(start=10.6, end=13.57, word="well."),
            ],
        )
    ],
    language="en",
    duration_seconds=14.0,
)


def test_word_timings_are_left_out_of_every_served_form_of_the_transcript() -> None:
    served = transcription.CAPABILITY.run(Inputs(duration_seconds=14.0, transcript=SPOKEN), {})
    assert served["segments"] == [{"start": 6.38, "end": 13.57, "text": "We tried shoes from Adidas. They fit well."}]
    assert "words" not in render(SPOKEN, TranscriptFormat.JSON)
    assert "words" not in json.dumps(Transcript.model_json_schema(mode="serialization"))
    assert "words" not in json.dumps(Transcript.model_json_schema(mode="validation"))


def test_the_staged_transcript_keeps_its_word_timings_for_the_analyses() -> None:
    staged = json.loads(json.dumps(to_staged(SPOKEN)))  # as stored and read back
    read_back = Transcript.model_validate(staged)
    assert read_back.segments[0].words == SPOKEN.segments[0].words
    assert len(staged["segments"][0]["words"]) == 8


def test_a_phrase_is_timed_by_its_own_words_and_untimed_without_word_timings() -> None:
    segment = SPOKEN.segments[0]
    at = segment.text.index("Adidas")
    assert segment.time_of(at, at + len("Adidas")) == (8.12, 8.55)
    assert segment.time_of(0, len("We tried")) == (6.38, 7.0)
    assert Segment(start=0, end=2, text="No words here.").time_of(0, 2) is None


@pytest.mark.parametrize("batch_size", [0, 8], ids=["sequential", "batched"])
def test_transcribing_gives_each_segment_its_words_inside_it_in_order(batch_size: int) -> None:
    config = WhisperConfig(model="bundled:tiny.en", device="cpu", compute_type="int8", batch_size=batch_size)
    transcript = transcribe(SAMPLE_DIR / "speech.mp4", config)
    assert len(transcript.segments) >= 4
    for segment in transcript.segments:
        words = segment.words or []
        assert " ".join(w.word for w in words) == segment.text
        assert all(segment.start <= w.start <= w.end <= segment.end for w in words)
        assert all(a.end <= b.start for a, b in pairwise(words))
    said = next(s for s in transcript.segments if "Adidas" in s.text)
    start, end = said.time_of(said.text.index("Adidas"), said.text.index("Adidas") + 6) or (0.0, 0.0)
    assert said.start <= start < end <= said.end
    assert end - start < (said.end - said.start) / 3  # the name's own words, not its whole segment
