"""Transcript formats: SRT and VTT that players accept, plain text, JSON."""

from __future__ import annotations

import json
import re

from vidscope.transcripts import Segment, Transcript, TranscriptFormat, render, to_srt, to_txt, to_vtt

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
