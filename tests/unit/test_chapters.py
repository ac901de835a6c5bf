"""Chapters: topic shifts in the talk, snapped to nearby cuts, covering the media, titled apart."""

from __future__ import annotations

from itertools import pairwise

import pytest

from vidscope.text.chapters import ChapterSpan, find_chapters
from vidscope.text.summarizers import ExtractiveSummarizer
from vidscope.transcripts import Segment, Transcript, Word

# Three talks of eight sentences, one sentence every 4 s: cooking from 0 s, football from 32 s and
# space from 64 s, in 96 s of media.
TOPICS = (
    (
        "Today we start by chopping onions and garlic for the tomato sauce.",
        "Heat the olive oil in a pan and fry the onions until they are soft.",
        "Add the garlic and the tomatoes to the pan and let the sauce simmer.",
        "Season the tomato sauce with salt, pepper and fresh basil leaves.",
        "Boil the pasta in salted water until it is just tender.",
        "Drain the pasta and stir it into the tomato sauce in the pan.",
        "Serve the pasta with grated parmesan cheese and more basil.",
        "This simple sauce tastes better than any jar from the supermarket.",
    ),
    (
        "Now let us talk about last night's football match.",
        "The home team scored an early goal from a corner kick.",
        "Their striker ran past two defenders and shot into the top corner of the goal.",
        "The referee showed a red card to the visiting captain before half time.",
        "In the second half the goalkeeper saved a penalty kick.",
        "The coach changed the formation and brought on a fast winger.",
        "A late goal from the winger sealed the win for the home team.",
        "The fans sang in the stadium long after the referee blew the whistle.",
    ),
    (
        "Next, some news from space exploration this week.",
        "A rocket launched a new space telescope into orbit around the sun.",
        "The telescope will study distant galaxies and the light of young stars.",
        "Astronauts on the space station tested a new robotic arm.",
        "Engineers plan a mission to land a rover on the moon next year.",
        "The rover will search for frozen water near the south pole of the moon.",
        "Scientists hope the water on the moon could supply future astronauts.",
        "The next rocket launch to the space station is planned for spring.",
    ),
)
SHIFTS = (32.0, 64.0)
DURATION = 96.0


def _segment(start: float, text: str) -> Segment:
    """A sentence said over 3.6 s, its words evenly spread."""
    tokens = text.split()
    step = 3.6 / len(tokens)
    words = [
        Word(start=round(start + i * step, 3), end=round(start + (i + 1) * step - 0.05, 3), word=token)
        for i, token in enumerate(tokens)
    ]
    return Segment(start=start, end=round(start + 3.6, 3), text=text, words=words)


TALK = Transcript.from_segments(
    [_segment(4.0 * i, text) for i, text in enumerate(text for topic in TOPICS for text in topic)],
    language="en",
    duration_seconds=DURATION,
)


def _shots(*cuts: float) -> list[float]:
    """The shot starts of a video cut at ``cuts``."""
    return [0.0, *cuts]


def _chapters(shots: list[float], max_chapters: int | None = None) -> list[ChapterSpan]:
    return find_chapters(TALK, shots, DURATION, max_chapters=max_chapters, writer=ExtractiveSummarizer())


def _assert_covers_the_media(chapters: list[ChapterSpan]) -> None:
    assert chapters[0].start == 0.0 and chapters[-1].end == DURATION
    assert all(a.end == b.start for a, b in pairwise(chapters))
    assert all(0 <= c.start < c.end <= DURATION for c in chapters)


def test_chapters_start_where_the_topic_changes_without_cuts_nearby() -> None:
    chapters = _chapters(_shots(15.0, 48.0, 80.0))
    assert [c.start for c in chapters] == [0.0, *SHIFTS]  # the first sentence of each new topic
    _assert_covers_the_media(chapters)


def test_a_chapter_start_moves_onto_a_cut_a_few_seconds_away() -> None:
    chapters = _chapters(_shots(12.0, 33.5, 50.0, 62.8, 80.0))
    assert [c.start for c in chapters] == [0.0, 33.5, 62.8]
    _assert_covers_the_media(chapters)


def test_chapters_are_titled_apart_and_summarized_by_one_of_their_sentences() -> None:
    chapters = _chapters(_shots(33.5, 62.8))
    titles = [c.title.casefold() for c in chapters]
    assert len(set(titles)) == len(titles) == 3
    assert "sauce" in titles[0] and ("team" in titles[1] or "goal" in titles[1])
    assert any(word in titles[2] for word in ("space", "moon", "telescope", "rocket"))
    for chapter, topic in zip(chapters, TOPICS, strict=True):
        assert chapter.summary in topic


@pytest.mark.parametrize("max_chapters", [1, 2])
def test_max_chapters_keeps_the_clearest_shifts(max_chapters: int) -> None:
    chapters = _chapters(_shots(33.5, 62.8), max_chapters=max_chapters)
    assert len(chapters) == max_chapters
    assert {c.start for c in chapters[1:]} <= {33.5, 62.8}
    _assert_covers_the_media(chapters)


def test_no_chapter_is_shorter_than_a_twentieth_of_the_media() -> None:
    # In 600 s of media the two shifts, 29.3 s apart once snapped, are too close for two chapters.
    shots = _shots(33.5, 62.8)
    chapters = find_chapters(TALK, shots, 600.0, max_chapters=None, writer=ExtractiveSummarizer())
    assert len(chapters) == 2
    assert all(c.end - c.start >= 30.0 for c in chapters)


def test_media_without_speech_is_cut_into_parts_at_the_cuts() -> None:
    silent = Transcript.from_segments([], language="und", duration_seconds=0.0)
    shots = _shots(100.0, 230.0, 370.0)
    chapters = find_chapters(silent, shots, 480.0, max_chapters=None, writer=ExtractiveSummarizer())
    assert [c.start for c in chapters] == [0.0, 100.0, 230.0, 370.0]  # the cuts nearest to 120, 240, 360
    assert [c.title for c in chapters] == ["Part 1", "Part 2", "Part 3", "Part 4"]
    assert chapters[-1].end == 480.0 and all(c.summary == "" for c in chapters)
    assert len(find_chapters(silent, [], 480.0, max_chapters=None, writer=ExtractiveSummarizer())) == 1
