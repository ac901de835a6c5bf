"""Shorts the user defines: the spans given, snapped to word edges within 0.3 s, with their text."""

from __future__ import annotations

import pytest

from vidscope.capabilities.shorts import ShortsOptions
from vidscope.text.user_shorts import GivenSpan, user_shorts
from vidscope.transcripts import Segment, Transcript, Word

# "one two three four five six": each word 0.5 s, 0.2 s apart, from 1.0 s.
WORDS = [
    Word(start=1.0 + 0.7 * i, end=1.5 + 0.7 * i, word=w)
    for i, w in enumerate(["one", "two", "three", "four", "five", "six"])
]
TALK = Transcript.from_segments(
    [Segment(start=1.0, end=WORDS[-1].end, text=" ".join(w.word for w in WORDS), words=WORDS)],
    language="en",
    duration_seconds=7.0,
)


def test_an_edge_inside_a_word_moves_to_its_nearer_edge_within_the_limit() -> None:
    # 1.1 is inside "one" (1.0-1.5): to its start; 3.45 inside "four" (3.1-3.6): to its end.
    [short] = user_shorts(TALK, [GivenSpan(1.1, 3.45)], duration_seconds=7.0)
    assert (short.start, short.end) == (1.0, 3.6)  # "four" (3.1-3.6) taken in whole
    assert short.text == "one two three four" and short.title == "one two three four"


def test_an_edge_far_from_any_word_edge_stays_and_words_are_never_cut() -> None:
    # 2.0 is in "two" (1.7-2.2), 0.3 from its start and 0.2 from its end: to its end.
    [short] = user_shorts(TALK, [GivenSpan(2.0, 6.5, "Mine")], duration_seconds=7.0)
    assert short.start == 2.2 and short.end == 6.5 and short.title == "Mine"
    assert short.text == "three four five six"


def test_adjacent_spans_stay_apart_and_inside_the_media() -> None:
    first, second = user_shorts(TALK, [GivenSpan(1.0, 2.35), GivenSpan(2.35, 6.95)], duration_seconds=6.9)
    assert first.end <= second.start and second.end <= 6.9


def test_without_word_timings_spans_are_as_given_and_text_comes_from_segments() -> None:
    plain = Transcript.from_segments(
        [Segment(start=0, end=3, text="first part."), Segment(start=3, end=6, text="second part.")],
        language="en",
        duration_seconds=6.0,
    )
    [short] = user_shorts(plain, [GivenSpan(0.1, 4.0)], duration_seconds=6.0)
    assert (short.start, short.end, short.text) == (0.1, 4.0, "first part.")


def test_silent_media_gives_clips_titled_by_number() -> None:
    silent = Transcript.from_segments([], language="en", duration_seconds=10.0)
    shorts = user_shorts(silent, [GivenSpan(0, 2), GivenSpan(3, 5)], duration_seconds=10.0)
    assert [(s.title, s.text) for s in shorts] == [("Clip 1", ""), ("Clip 2", "")]


@pytest.mark.parametrize(
    "options",
    [
        {"spans": [{"start": 0, "end": 5}, {"start": 4.9, "end": 8}]},
        {"spans": [{"start": 0, "end": 0.5}]},
        {"spans": [{"start": 0, "end": 5}], "min_seconds": 10},
        {"spans": [{"start": 0, "end": 5, "extra": 1}]},
        {"spans": [{"start": "0", "end": 5}]},
    ],
)
def test_bad_spans_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="spans"):
        ShortsOptions.model_validate(options)


def test_spans_fit_only_inside_the_media() -> None:
    from vidscope.capabilities.shorts import CAPABILITY

    options = {"spans": [{"start": 0, "end": 5}, {"start": 10, "end": 20}]}
    assert CAPABILITY.refusal(options, 20.02) is None
    note = CAPABILITY.refusal(options, 19.0)
    assert note is not None and note.code == "SPAN_OUTSIDE_MEDIA" and "spans[1] (10-20 s)" in note.message
    # Picked shorts keep their own check.
    assert CAPABILITY.refusal({}, 10.0) is not None and CAPABILITY.refusal({}, 30.0) is None
