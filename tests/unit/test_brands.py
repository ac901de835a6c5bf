"""Brand detection: the curated list, word boundaries, and names that are also ordinary words;
in the speech (proof on the name's own words) and on screen (proof on a frame)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vidscope.adapters.media_store import artifact_ref
from vidscope.capabilities import brands
from vidscope.capabilities.base import Inputs, MissingInput
from vidscope.text.brand_matching import catalog, find_brands
from vidscope.transcripts import Segment, Transcript, Word
from vidscope.vision.models import Box, Keyframe, ScreenText, VisionOutput


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


# --- speech proof on the mention's own words ------------------------------------------------------

SAID = Segment(
    start=6.38,
    end=13.57,
    text="Welcome back. We tried running shoes from Adidas today. They fit well.",
    words=[
        Word(start=s, end=e, word=w)
        for s, e, w in [
            (6.38, 6.6, "Welcome"),
            (6.6, 7.0, "back."),
            (7.2, 7.4, "We"),
            (7.4, 7.6, "tried"),
            (7.6, 7.8, "running"),
            (7.8, 7.9, "shoes"),
            (7.9, 8.12, "from"),
            (8.12, 8.55, "Adidas"),
            (8.55, 9.0, "today."),
            (10.0, 10.4, "They"),
            (10.4, 11.0, "fit"),
            (11.0, 13.57, "well."),
        ]
    ],
)


def test_spoken_proof_spans_the_names_own_words_and_quotes_its_sentence() -> None:
    (adidas,) = find_brands([SAID], with_proof=True)
    (proof,) = adidas.proof or []
    assert (proof.source, proof.start, proof.end) == ("speech", 8.12, 8.55)
    assert proof.text == "We tried running shoes from Adidas today."
    assert proof.frame_url is None


def test_a_multi_word_name_spans_all_its_words() -> None:
    segment = Segment(
        start=0.0,
        end=4.0,
        text="Lunch at Burger King again.",
        words=[
            Word(start=0.0, end=0.5, word="Lunch"),
            Word(start=0.5, end=0.8, word="at"),
            Word(start=0.8, end=1.3, word="Burger"),
            Word(start=1.3, end=1.9, word="King"),
            Word(start=1.9, end=4.0, word="again."),
        ],
    )
    (found,) = find_brands([segment], with_proof=True)
    assert found.name == "Burger King"
    assert [(p.start, p.end) for p in found.proof or []] == [(0.8, 1.9)]


# --- on screen ------------------------------------------------------------------------------------


def _on_screen(text: str, *, start: float = 20.0, confidence: float = 0.95, file: str = "text_0001.jpg") -> ScreenText:
    box = Box(left=0.1, top=0.8, width=0.5, height=0.1)
    return ScreenText(start=start, end=start + 3.0, text=text, confidence=confidence, box=box, file=file)


def _seen(text: str) -> set[str]:
    return {b.name for b in find_brands([], [_on_screen(text)], with_proof=False)}


def test_a_brand_only_seen_on_screen_is_reported_with_its_frame() -> None:
    unrelated = Segment(start=0.0, end=4.0, text="Nothing to hear about shoes.")
    (nike,) = find_brands([unrelated], [_on_screen("Just do it. NIKE", file="text_0007.jpg")], with_proof=True)
    assert (nike.name, nike.mentions) == ("Nike", 1)
    (proof,) = nike.proof or []
    assert proof.source == "on_screen"
    assert (proof.start, proof.end, proof.text) == (20.0, 23.0, "Just do it. NIKE")
    assert proof.frame_url == artifact_ref("vision/text_0007.jpg")
    assert not proof.frame_url.startswith(("http:", "https:"))  # a reference the API presigns, never a URL


def test_mentions_add_the_spoken_and_the_seen_with_proof_in_time_order() -> None:
    seen = [_on_screen("ADIDAS", start=2.0), _on_screen("Adidas originals", start=30.0)]
    (adidas,) = find_brands([SAID], seen, with_proof=True)
    assert adidas.mentions == 3
    assert [(p.source, p.start) for p in adidas.proof or []] == [
        ("on_screen", 2.0),
        ("speech", 8.12),
        ("on_screen", 30.0),
    ]


def test_on_screen_confidence_is_weighted_by_the_ocr_confidence() -> None:
    (sure,) = find_brands([], [_on_screen("NIKE", confidence=0.95)], with_proof=False)
    (blurry,) = find_brands([], [_on_screen("NIKE", confidence=0.5)], with_proof=False)
    assert blurry.confidence < sure.confidence
    assert blurry.confidence == pytest.approx(0.9 * 0.5, abs=0.01)


@pytest.mark.parametrize(
    ("text", "brand", "counted"),
    [
        ("TARGET PRACTICE", "Target", False),  # capitals say nothing: an ordinary word
        ("TARGET", "Target", False),
        ("TARGET STORE OPENING SOON", "Target", True),  # a context word backs it
        ("TAKE A SEAT", "SEAT", False),  # listed in capitals, but so is everything here
        ("SEAT, THE SPANISH CAR BRAND", "SEAT", True),
        ("Weekly deals at Target", "Target", True),  # capitalized mid-text: a name
        ("Target practice", "Target", False),  # capitalized only as the caption's start
        ("KFC", "KFC", True),  # acronyms count in capitals
        ("KFC BUCKET DEAL", "KFC", True),
    ],
)
def test_ambiguous_names_in_capitals_on_screen_count_only_with_a_context_word(
    text: str, brand: str, counted: bool
) -> None:
    assert (brand in _seen(text)) is counted


# --- the capability: sources ----------------------------------------------------------------------


def _vision(*text: ScreenText) -> VisionOutput:
    poster = Keyframe(
        shot_index=None, time=1.0, frame=25, file="poster.jpg", width=1280, height=720, sharpness=1.0, brightness=0.5
    )
    return VisionOutput(
        duration_seconds=40.0,
        fps=25.0,
        frame_count=1000,
        width=1280,
        height=720,
        shots=[],
        poster=poster,
        keyframes=[],
        text=list(text),
    )


INPUTS = Inputs(
    duration_seconds=40.0,
    transcript=Transcript.from_segments([SAID], language="en", duration_seconds=40.0),
    vision=_vision(_on_screen("Coffee break at STARBUCKS", file="text_0002.jpg")),
)


def _brands_run(inputs: Inputs, options: dict[str, object]) -> dict[str, dict[str, object]]:
    return {b["name"]: b for b in brands.CAPABILITY.run(inputs, options)}


def test_brands_are_looked_for_in_the_speech_and_on_screen_by_default() -> None:
    assert _brands_run(INPUTS, {"return_proof": True}) == _brands_run(
        INPUTS, {"return_proof": True, "sources": ["speech", "on_screen"]}
    )
    found = _brands_run(INPUTS, {"return_proof": True})
    assert set(found) == {"Adidas", "Starbucks"}
    assert found["Adidas"]["proof"] == [{"source": "speech", "start": 8.12, "end": 8.55, "text": SAID.text[14:55]}]
    assert found["Starbucks"]["proof"] == [
        {
            "source": "on_screen",
            "start": 20.0,
            "end": 23.0,
            "text": "Coffee break at STARBUCKS",
            "frame_url": artifact_ref("vision/text_0002.jpg"),
        }
    ]


def test_sources_restrict_where_brands_are_looked_for() -> None:
    assert set(_brands_run(INPUTS, {"sources": ["speech"]})) == {"Adidas"}
    assert set(_brands_run(INPUTS, {"sources": ["on_screen"]})) == {"Starbucks"}


def test_the_transcript_is_needed_and_media_without_pictures_leaves_the_speech() -> None:
    no_speech = Inputs(duration_seconds=40.0, vision=INPUTS.vision)
    with pytest.raises(MissingInput, match="transcript"):
        brands.CAPABILITY.run(no_speech, {})
    no_vision = Inputs(duration_seconds=40.0, transcript=INPUTS.transcript)  # audio-only media: no vision stage
    assert set(_brands_run(no_vision, {})) == {"Adidas"}


@pytest.mark.parametrize("sources", [[], ["speech", "speech"], ["ocr"]])
def test_sources_must_be_a_non_empty_list_without_repeats(sources: list[str]) -> None:
    with pytest.raises(ValidationError):
        brands.BrandsOptions.model_validate({"sources": sources})
