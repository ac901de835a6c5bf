"""Shorts: whole-sentence spans of the talk, scored, explained, on word boundaries or nearby cuts."""

from __future__ import annotations

from itertools import accumulate, pairwise

import pytest

from vidscope.text.shorts import ShortSpan, pick_shorts
from vidscope.transcripts import Segment, Transcript, Word

# Four talks of twelve sentences: running shoes, coffee prices, electric cars, home gardening.
TALKS = (
    (
        "Have you ever wondered why your running shoes wear out so fast?",
        "Most running shoes lose their cushioning after about five hundred kilometres of road.",
        "The foam in the midsole slowly collapses under the weight of every single stride.",
        "You can check the running shoes by pressing the heel with your thumb.",
        "If the foam feels flat and hard, the shoes have reached the end.",
        "Runners who keep two pairs of running shoes let the foam recover between runs.",
        "A rotation like that makes each pair of running shoes last much longer.",
        "Trail running shoes need a deeper tread than road running shoes do.",
        "Look at the wear pattern on the outsole before you buy the next pair.",
        "An uneven pattern tells a fitter how your foot lands on the ground.",
        "Good running shoes are not cheap, but an injury costs far more.",
        "So take care of your running shoes and they will take care of you.",
    ),
    (
        "Coffee prices have doubled in the last three years across most of Europe.",
        "Droughts in Brazil cut the harvest of arabica beans for two seasons in a row.",
        "Traders in New York pushed the futures market to a record high in spring.",
        "Roasters passed the higher coffee prices on to cafes and supermarkets.",
        "A cup of coffee in a London cafe now costs almost four pounds.",
        "Some cafes switched to cheaper robusta beans to keep their coffee prices down.",
        "Farmers rarely see the benefit because middlemen take most of the margin.",
        "Why do coffee prices rise faster than the price of the beans themselves?",
        "Shipping costs and energy for roasting add to every bag that leaves the port.",
        "Experts expect coffee prices to stay high until the next good harvest.",
        "Buying whole beans and grinding them at home still saves a lot of money.",
        "That is the cheapest way to beat the rising coffee prices this year.",
    ),
    (
        "Imagine charging your car at home every night for the price of a sandwich.",
        "Electric cars make that possible for drivers with a driveway and a wall box.",
        "The battery in most electric cars now lasts well over three hundred kilometres.",
        "Public chargers along the motorway can refill half a battery in twenty minutes.",
        "Electric cars have fewer moving parts, so servicing costs much less each year.",
        "Cold weather still reduces the range of electric cars by a noticeable amount.",
        "Drivers can warm the cabin while the car is plugged in to save the battery.",
        "Used electric cars are getting cheaper as the first generation reaches resale.",
        "A battery health report tells a buyer how much capacity is left.",
        "Insurance for electric cars can cost more because repairs need special tools.",
        "Governments still offer grants that lower the price of new electric cars.",
        "For most commuters, electric cars already cost less over five years.",
    ),
    (
        "The secret to a good vegetable garden is the soil under your feet.",
        "Home gardening starts with compost made from kitchen scraps and dry leaves.",
        "Tomatoes need six hours of direct sun and a deep watering twice a week.",
        "Mulch keeps the soil moist and stops weeds from taking over the beds.",
        "Plant beans next to the tomatoes because they feed the soil with nitrogen.",
        "Home gardening saves money when you grow herbs that are expensive in shops.",
        "Basil, mint and parsley grow happily in pots on a sunny windowsill.",
        "Slugs love young lettuce, so protect the seedlings with a copper ring.",
        "Water the garden early in the morning so the leaves dry before night.",
        "Keep a notebook of what you planted and when it was ready to harvest.",
        "Home gardening teaches patience, because nothing grows faster when you watch it.",
        "Start small with three raised beds and expand the garden every spring.",
    ),
)
TOPICS = ("running shoes", "coffee prices", "electric cars", "home gardening")
WORD_SECONDS = 0.3
WORD_GAP = 0.05
SENTENCE_PAUSE = 0.6
TOPIC_PAUSE = 1.2
# Segments (two sentences each) that end four words early, so the next sentence starts in one and ends in
# the next: the seventh segment ends inside sentence 13.
SPLIT_SEGMENTS = {6, 7}


def _talk(talks: tuple[tuple[str, ...], ...] = TALKS) -> tuple[Transcript, list[tuple[float, float]]]:
    """The transcript, two sentences a segment (the second talk's sentences split across segment ends,
    as speech recognizers do), and each sentence's (start, end)."""
    words: list[Word] = []
    sentence_times = []
    clock = 0.0
    for talk in talks:
        for text in talk:
            first = len(words)
            for token in text.split():
                words.append(Word(start=round(clock, 3), end=round(clock + WORD_SECONDS, 3), word=token))
                clock += WORD_SECONDS + WORD_GAP
            sentence_times.append((words[first].start, words[-1].end))
            clock += SENTENCE_PAUSE
        clock += TOPIC_PAUSE
    sentence_words = [len(text.split()) for talk in talks for text in talk]
    segment_ends = list(accumulate(sentence_words))[1::2]  # word index after each pair of sentences
    segment_ends = [end - 4 if i in SPLIT_SEGMENTS else end for i, end in enumerate(segment_ends)]
    if len(sentence_words) % 2:
        segment_ends.append(len(words))
    segments = [
        Segment(start=chunk[0].start, end=chunk[-1].end, text=" ".join(w.word for w in chunk), words=chunk)
        for begin, end in pairwise([0, *segment_ends])
        if (chunk := words[begin:end])
    ]
    duration = round(clock + 2.0, 3)
    return Transcript.from_segments(segments, language="en", duration_seconds=duration), sentence_times


TRANSCRIPT, SENTENCE_TIMES = _talk()
DURATION = TRANSCRIPT.duration_seconds
WORD_STARTS = {w.start for s in TRANSCRIPT.segments for w in s.words or ()}
WORD_ENDS = {w.end for s in TRANSCRIPT.segments for w in s.words or ()}
ALL_WORDS = [w for s in TRANSCRIPT.segments for w in s.words or ()]


def _pick(**overrides: object) -> list[ShortSpan]:
    options: dict[str, object] = {
        "duration_seconds": DURATION,
        "shot_starts": (),
        "count": 3,
        "min_seconds": 15.0,
        "max_seconds": 40.0,
        "topics": TOPICS,
    }
    options.update(overrides)
    return pick_shorts(TRANSCRIPT, **options)  # type: ignore[arg-type]


def test_the_talk_is_about_four_minutes_long() -> None:
    assert 200 < DURATION < 260  # the premise of the tests below


def test_count_is_respected_and_spans_lie_inside_the_media_in_order_without_overlap() -> None:
    shorts = _pick(count=3)

    assert len(shorts) == 3
    assert all(0 <= s.start < s.end <= DURATION for s in shorts)
    assert all(15.0 <= s.end - s.start <= 40.0 for s in shorts)
    assert [s.start for s in shorts] == sorted(s.start for s in shorts)
    assert all(a.end <= b.start for a, b in pairwise(shorts))


def test_spans_start_on_a_word_start_and_end_on_a_word_end_without_cuts() -> None:
    shorts = _pick(count=5)

    assert len(shorts) == 5
    assert all(s.start in WORD_STARTS and s.end in WORD_ENDS for s in shorts)


def test_spans_hold_whole_sentences_only() -> None:
    starts = {start for start, _ in SENTENCE_TIMES}
    ends = {end for _, end in SENTENCE_TIMES}

    shorts = _pick(count=5)

    assert all(s.start in starts and s.end in ends for s in shorts)
    assert all(s.text.rstrip().endswith((".", "?", "!")) for s in shorts)


def test_a_sentence_split_across_segments_stays_whole() -> None:
    # Sentence 13 ("Droughts in Brazil…") begins in the seventh segment and ends in the eighth.
    start, end = SENTENCE_TIMES[13]
    assert any(start < segment.end < end for segment in TRANSCRIPT.segments)  # the premise

    shorts = _pick(count=100, min_seconds=2.0, max_seconds=6.0)  # one sentence each

    assert any(s.start == start and s.end == end for s in shorts)
    assert not any(start < s.start < end or start < s.end < end for s in shorts)


def test_the_best_spans_open_on_hooks_and_stay_on_one_topic() -> None:
    shorts = _pick(count=4, min_seconds=20.0, max_seconds=45.0)

    # Every talk opens on a hook (a question, a number, an instruction, a strong claim) and names its topic often.
    assert len(shorts) == 4
    for short in shorts:
        assert short.components["hook"] > 0
        assert short.components["topic"] >= 0.5
    opened = {short.text.split("?")[0].split(".")[0] for short in shorts}
    assert "Have you ever wondered why your running shoes wear out so fast" in opened


def test_components_and_score_are_fractions_and_the_score_is_their_weighted_mean() -> None:
    for short in _pick(count=4):
        assert set(short.components) == {"hook", "topic", "self_contained", "density"}
        assert all(0 <= v <= 1 for v in short.components.values())
        assert 0 <= short.score <= 1
        assert min(short.components.values()) <= short.score <= max(short.components.values())


def test_reasons_name_the_hook_the_topic_and_the_length_they_claim() -> None:
    shorts = _pick(count=4, min_seconds=20.0, max_seconds=45.0)
    for short in shorts:
        reason = short.reason
        assert reason.endswith(".")
        quoted_opening = reason.split("('", 1)[1].split("')", 1)[0].rstrip("…?")
        assert short.text.startswith(quoted_opening.removesuffix("…"))
        if reason.startswith("Opens with a question"):
            assert short.text.split(".")[0].endswith("?") or "?" in short.text[:200]
        named = reason.split("one topic, '", 1)[1].split("'", 1)[0]
        assert named in TOPICS and named in short.text.lower()
        times = reason.split("(named ", 1)[1].split(")", 1)[0]
        assert times == "once" or int(times.split()[0]) == short.text.lower().count(named)
        assert f"for {round(short.end - short.start)} s of" in reason
        # A topic titles the first short about it; a later one takes its own key phrase.
        earlier_titles = [s.title.lower() for s in shorts if s.start < short.start]
        assert short.title.lower() == named or named in earlier_titles


def test_a_hookless_rambling_span_says_so() -> None:
    rambling = (
        tuple(
            f"and then we {verb} the {noun} again for a while."
            for verb, noun in zip(["saw", "met", "had", "got"], ["table", "chair", "door", "wall"], strict=True)
        )
        * 2,
    )
    transcript, _ = _talk(rambling)

    shorts = pick_shorts(
        transcript,
        duration_seconds=transcript.duration_seconds,
        shot_starts=(),
        count=1,
        min_seconds=10.0,
        max_seconds=20.0,
        topics=("running shoes",),
    )

    assert len(shorts) == 1
    assert shorts[0].components["hook"] == 0
    assert shorts[0].components["topic"] == 0
    assert shorts[0].reason.startswith("Opens without a hook")
    assert "touches none of the talk's main topics" in shorts[0].reason
    assert "leans on what came before" in shorts[0].reason


def _unsnapped() -> ShortSpan:
    """A short away from the media's start, as picked without cuts."""
    return next(s for s in _pick(count=3) if s.start > 2)


def _same_talk(shorts: list[ShortSpan], short: ShortSpan) -> ShortSpan:
    return next(s for s in shorts if s.text == short.text)


def test_a_boundary_moves_onto_a_cut_in_the_pause_within_one_second() -> None:
    short = _unsnapped()
    cut_before = round(short.start - 0.4, 3)  # in the pause before the first word (0.6 s or more)
    cut_after = round(short.end + 0.3, 3)

    snapped = _same_talk(_pick(count=3, shot_starts=(cut_before, cut_after)), short)

    assert (snapped.start, snapped.end) == (cut_before, cut_after)
    assert snapped.text == short.text


def test_a_cut_inside_a_word_or_past_a_word_is_not_taken() -> None:
    short = _unsnapped()
    first = next(w for w in ALL_WORDS if w.start == short.start)
    inside_first_word = round(first.start + 0.1, 3)
    after_first_word = round(first.end + 0.02, 3)  # would drop the first word
    last = next(w for w in ALL_WORDS if w.end == short.end)
    inside_last_word = round(last.end - 0.1, 3)

    snapped = _same_talk(_pick(count=3, shot_starts=(inside_first_word, after_first_word, inside_last_word)), short)

    assert (snapped.start, snapped.end) == (short.start, short.end)


def test_a_cut_further_than_one_second_is_not_taken() -> None:
    short = _unsnapped()
    far = round(short.start - 1.2, 3)

    snapped = _same_talk(_pick(count=3, shot_starts=(far,)), short)

    assert snapped.start == short.start


def test_a_cut_is_not_taken_when_the_span_would_break_the_limits() -> None:
    short = _unsnapped()
    length = round(short.end - short.start, 3)
    cut_after = round(short.end + 0.3, 3)

    # The span already lasts exactly the maximum: the cut would make it longer.
    snapped = _same_talk(_pick(count=10, shot_starts=(cut_after,), min_seconds=length - 5, max_seconds=length), short)

    assert (snapped.start, snapped.end) == (short.start, short.end)


def test_the_same_input_gives_the_same_shorts() -> None:
    first = [s.model_dump() for s in _pick(count=4, shot_starts=(30.0, 61.5, 120.2))]
    second = [s.model_dump() for s in _pick(count=4, shot_starts=(30.0, 61.5, 120.2))]

    assert first == second


def test_without_given_topics_the_talk_s_own_key_phrases_are_used() -> None:
    shorts = _pick(count=3, topics=())

    assert len(shorts) == 3
    assert all(s.components["topic"] > 0 for s in shorts)


def test_short_media_gives_fewer_shorts_than_asked() -> None:
    shorts = _pick(count=10, min_seconds=40.0, max_seconds=60.0)

    # About four minutes hold at most five non-overlapping spans of at least 40 s.
    assert 1 <= len(shorts) < 10
    assert sum(s.end - s.start for s in shorts) <= DURATION


def test_media_shorter_than_the_minimum_gives_no_shorts() -> None:
    one_talk, _ = _talk((TALKS[0][:2],))

    assert (
        pick_shorts(
            one_talk,
            duration_seconds=one_talk.duration_seconds,
            shot_starts=(),
            count=3,
            min_seconds=15,
            max_seconds=60,
        )
        == []
    )


def test_without_word_timings_sentences_take_their_segment_s_times() -> None:
    plain = Transcript.from_segments(
        [Segment(start=s.start, end=s.end, text=s.text) for s in TRANSCRIPT.segments],
        language="en",
        duration_seconds=DURATION,
    )

    shorts = pick_shorts(
        plain, duration_seconds=DURATION, shot_starts=(), count=3, min_seconds=15, max_seconds=40, topics=TOPICS
    )

    assert len(shorts) == 3
    segment_bounds = {s.start for s in plain.segments}
    assert all(0 <= s.start < s.end <= DURATION for s in shorts)
    assert any(s.start in segment_bounds for s in shorts)


@pytest.mark.parametrize("count", [0, -1])
def test_no_shorts_are_asked_for(count: int) -> None:
    assert _pick(count=count) == []
