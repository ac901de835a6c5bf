"""Brand detection: the curated list, word boundaries, and names that are also ordinary words."""

from __future__ import annotations

import pytest

from vidscope.text.brand_matching import catalog, find_brands
from vidscope.transcripts import Segment


def _names(text: str) -> set[str]:
    return {b.name for b in find_brands([Segment(start=0, end=5, text=text)], with_proof=False)}


def test_the_list_has_at_least_500_brands_across_sectors() -> None:
    cat = catalog()
    assert len(cat) >= 500
    assert len({e.sector for e in cat.entries.values()}) >= 10


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("I bought a new iPhone from Apple last week.", "Apple"),
        ("We shopped at Target and then went home.", "Target"),
        ("She got a hoodie at Gap yesterday.", "Gap"),
        ("Fill up the car at Shell before the trip.", "Shell"),
        ("Shell announced higher fuel prices today.", "Shell"),
        ("My favourite soap is Dove because it is gentle.", "Dove"),
        ("Back then people used Ask to search the web.", "Ask"),
        ("Amazon delivered my order in one day.", "Amazon"),
    ],
)
def test_ambiguous_brands_match_when_used_as_names(text: str, brand: str) -> None:
    assert brand in _names(text)


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("I ate an apple after lunch.", "Apple"),
        ("Apple pie is my favourite dessert.", "Apple"),
        ("Mind the gap between the train and the platform.", "Gap"),
        ("Gap years are popular with students.", "Gap"),
        ("She found a shell on the beach.", "Shell"),
        ("Our target is to finish by Friday.", "Target"),
        ("Target practice starts at noon.", "Target"),
        ("A white dove flew over the church.", "Dove"),
        ("Ask your teacher for help.", "Ask"),
        ("You can ask me anything.", "Ask"),
        ("The amazon rainforest is huge.", "Amazon"),
    ],
)
def test_ambiguous_brands_do_not_match_ordinary_words(text: str, brand: str) -> None:
    assert brand not in _names(text)


def test_names_match_on_word_boundaries_and_aliases_resolve_to_the_brand() -> None:
    assert _names("Nikes are shoes, and Nikeland is a game.") == set()
    assert _names("We drank a Coke and ate at McDonald's.") == {"Coca-Cola", "McDonald's"}
    assert "Microsoft" in _names("Microsoft's stock rose.")


def test_acronyms_match_only_in_capitals() -> None:
    assert {"BP", "General Electric"} <= _names("BP and GE both reported earnings.")
    assert _names("the bp reading and ge whiz") == set()


def test_proof_lists_the_segments_where_each_mention_was_said() -> None:
    segments = [
        Segment(start=0.0, end=4.0, text="Welcome back to the channel."),
        Segment(start=4.0, end=9.5, text="Today we review the new Nike running shoe."),
        Segment(start=9.5, end=14.0, text="Later, Nike and Adidas both sent us samples."),
    ]
    found = {b.name: b for b in find_brands(segments, with_proof=True)}
    nike = found["Nike"]
    assert nike.mentions == 2
    assert [(p.start, p.end) for p in nike.proof or []] == [(4.0, 9.5), (9.5, 14.0)]
    assert all("Nike" in p.text for p in nike.proof or [])
    assert found["Adidas"].mentions == 1
    assert nike.confidence > found["Adidas"].confidence  # two mentions back each other up
    assert all(b.proof is None for b in find_brands(segments, with_proof=False))
