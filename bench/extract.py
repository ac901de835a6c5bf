"""Extraction: generated talks (espeak-ng speech, some over pictures with burned-in words) that
state known facts (products and prices, people and roles, dates, places), each with a schema,
through the pipeline's own pieces: transcription with the worker's configured model (the bundled
tiny.en by default), the vision stage's text reading where there are pictures, then the extract
capability with the local engine.

Printed per talk and in all: field-level precision and recall against the facts stated, the share
of the engine's values dropped as ungrounded, and seconds per media minute (the extract compute
alone, and transcription plus vision); each wrong or missed value with its cause (the
transcription, when the expected value is nowhere in what the engine read, else the engine), and
precision and recall on the stated facts alone: the engine's own quality.
Goals (issue 24): precision >= 0.95, recall >= 0.8.

Run: ``python -m bench.extract`` (the media is built once into bench/.cache/extract/).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.media import remux, speech_mp4
from tests.support.vision_media import make_video
from vidscope import dependencies
from vidscope.capabilities import REGISTRY
from vidscope.capabilities.base import Inputs
from vidscope.pipeline.transcription import transcribe
from vidscope.text.entity_extraction import screen_passages, speech_passages
from vidscope.text.extraction import Passage
from vidscope.text.extractors import LocalExtractor
from vidscope.text.grounding import fold, supports
from vidscope.vision.request import VisionRequest
from vidscope.vision.stage import see

CACHE = Path(__file__).resolve().parent / ".cache" / "extract"


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _number(description: str) -> dict[str, Any]:
    return {"type": "number", "description": description}


_PEOPLE = {
    "type": "array",
    "maxItems": 5,
    "items": {"type": "object", "properties": {"name": _text("the person's name"), "role": _text("their role")}},
}


@dataclass(frozen=True)
class Talk:
    name: str
    sentences: tuple[str, ...]
    schema: dict[str, Any]
    facts: dict[str, Any]
    screen: tuple[str, ...] = field(default=())  # words burned in over the pictures (none: audio only)


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


TALKS = [
    Talk(
        "blender",
        (
            "Today we are launching the Zephyr Blender.",
            "It costs forty nine dollars.",
            "The launch event takes place in Lisbon.",
            "Our chief executive is Maria Lopez.",
        ),
        _object(
            product=_text("the product's name"),
            price=_number("price in dollars"),
            city=_text("where the launch event takes place"),
            people=_PEOPLE,
        ),
        {
            "product": "Zephyr Blender",
            "price": 49,
            "city": "Lisbon",
            "people": [{"name": "Maria Lopez", "role": "chief executive"}],
        },
    ),
    Talk(
        "conference",
        (
            "Welcome to the annual robotics conference.",
            "This year the conference is held in Berlin.",
            "It opens on March third, 2026.",
            "Our keynote speaker is David Chen.",
        ),
        _object(
            city=_text("the city where the conference is held"),
            date=_text("the opening date") | {"format": "date"},
            speaker=_text("the keynote speaker's name"),
        ),
        {"city": "Berlin", "date": "2026-03-03", "speaker": "David Chen"},
    ),
    Talk(
        "lamp",
        (
            "Meet the Aurora Lamp.",
            "The lamp sells for one hundred and twenty dollars.",
            "It ships on June first, 2025.",
        ),
        _object(
            product=_text("the product's name"),
            price=_number("price in dollars"),
            ship_date={"type": "string", "format": "date"},
        ),
        {"product": "Aurora Lamp", "price": 120, "ship_date": "2025-06-01"},
    ),
    Talk(
        "team",
        (
            "Let me introduce the team.",
            "Sarah Miller is our head of design.",
            "James Brown is our chief technology officer.",
        ),
        _object(people=_PEOPLE),
        {
            "people": [
                {"name": "Sarah Miller", "role": "head of design"},
                {"name": "James Brown", "role": "chief technology officer"},
            ]
        },
    ),
    Talk(
        "store",
        (
            "We are opening a new store in Chicago.",
            "The store opens on October tenth, 2025.",
            "The manager of the store is Linda Park.",
        ),
        _object(
            city=_text("the city of the new store"),
            opening_date={"type": "string", "format": "date"},
            manager=_text("the manager's name"),
        ),
        {"city": "Chicago", "opening_date": "2025-10-10", "manager": "Linda Park"},
    ),
    Talk(
        "headphones",
        (
            "The Nova Headphones are here.",
            "They cost two hundred dollars.",
            "You can buy them in Toronto.",
        ),
        _object(
            product=_text("the product's name"),
            price=_number("price in dollars"),
            city=_text("the city where you can buy them"),
        ),
        {"product": "Nova Headphones", "price": 200, "city": "Toronto"},
        screen=("NOVA HEADPHONES", "SALE 179 DOLLARS"),
    ),
    Talk(
        "festival",
        (
            "The summer music festival returns.",
            "It takes place in Madrid.",
            "Tickets cost sixty dollars.",
            "The festival starts on July fifth, 2025.",
        ),
        _object(
            city=_text("where the festival takes place"),
            ticket_price=_number("ticket price in dollars"),
            start_date={"type": "string", "format": "date"},
        ),
        {"city": "Madrid", "ticket_price": 60, "start_date": "2025-07-05"},
        screen=("MADRID", "SUMMER FESTIVAL"),
    ),
    Talk(
        "bike",
        (
            "This is the Falcon Bike.",
            "The price is nine hundred dollars.",
            "Our founder is Peter Novak.",
        ),
        _object(
            product=_text("the product's name"), price=_number("price in dollars"), founder=_text("the founder's name")
        ),
        {"product": "Falcon Bike", "price": 900, "founder": "Peter Novak"},
        screen=("FALCON BIKE", "ONLY 900 DOLLARS"),
    ),
    Talk(
        "workshop",
        (
            "Join our design workshop.",
            "The workshop is in Dublin.",
            "It runs on April twelfth, 2026.",
            "The host is Emma Walsh.",
        ),
        _object(
            city=_text("where the workshop is"),
            date={"type": "string", "format": "date"},
            host=_text("the host's name"),
        ),
        {"city": "Dublin", "date": "2026-04-12", "host": "Emma Walsh"},
    ),
    Talk(
        "coffee",
        (
            "Our new coffee machine is called the Barista Pro.",
            "It costs three hundred dollars.",
            "Our product manager is Anna Schmidt.",
        ),
        _object(product=_text("the product's name"), price=_number("price in dollars"), people=_PEOPLE),
        {"product": "Barista Pro", "price": 300, "people": [{"name": "Anna Schmidt", "role": "product manager"}]},
    ),
    Talk(
        "summit",
        (
            "The climate summit will be held in Oslo.",
            "It begins on November second, 2025.",
            "The chair of the summit is Henrik Berg.",
        ),
        _object(
            city=_text("where the summit is held"),
            date={"type": "string", "format": "date"},
            chair=_text("the chair's name"),
        ),
        {"city": "Oslo", "date": "2025-11-02", "chair": "Henrik Berg"},
    ),
]


def _leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """(field path without array indices, normalised value) for every leaf."""
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, f"{path}/{key}")]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item, f"{path}/*")]
    if isinstance(value, str):
        return [(path, re.sub(r"\s+", " ", value).strip().lower())]
    return [(path, float(value))]


def _media(talk: Talk) -> tuple[Path, list[dict[str, Any]]]:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{talk.name}.mp4"
    said_file = path.with_suffix(".json")
    if path.exists() and said_file.exists():
        return path, json.loads(said_file.read_text())
    speech = CACHE / f"{talk.name}-speech.mp4"
    said = speech_mp4("\n".join(talk.sentences), speech)
    if talk.screen:
        pictures = CACHE / f"{talk.name}-pictures.mp4"
        seconds = float(said[-1]["end"]) + 0.6
        # Words over every other shot (make_video counts text_every from shot 1), in turn: short
        # shots, so that each of a talk's lines is shown at least once.
        make_video(pictures, seconds=seconds, words=talk.screen, text_every=2, shot_seconds=(1.4, 1.9))
        remux(path, video=pictures, audio=speech)
    else:
        speech.rename(path)
    said_file.write_text(json.dumps(said))
    return path, said


@dataclass
class Score:
    """Counts over field leaves. A fact is *stated* when its expected value is in what the engine
    read (the transcript or the text on screen): where it is not, the transcription lost it and
    no engine could return it. A wrong value is put down to the
    transcription when the field's expected value is not stated (the engine grounded what was
    misheard), else to the engine; so the figures on stated facts are the engine's own quality."""

    expected: int = 0
    returned: int = 0
    right: int = 0
    dropped: int = 0
    stated: int = 0
    wrong_engine: int = 0
    missed_engine: int = 0
    media_seconds: float = 0.0
    extract_seconds: float = 0.0
    stage_seconds: float = 0.0

    def add(self, other: Score) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Errors:
    wrong: list[tuple[str, Any, str]]  # (field, value returned, transcription | engine)
    missed: list[tuple[str, Any, str]]  # (field, value expected, transcription | engine)


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[^\W_]+", fold(text))) + " "


def _is_stated(value: Any, passages: list[Passage]) -> bool:
    """Whether what the engine read states ``value``: a number or a date as the grounding check
    finds it, a name word for word (the grounding's tolerance of a letter or two would count
    "Marista Pro" as stating "Barista Pro", which only a misheard transcript says)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return any(_words(value) in _words(passage.text) for passage in passages)
    return any(supports(value, passage.text) is not None for passage in passages)


def score_answer(facts: dict[str, Any], entities: dict[str, Any], passages: list[Passage], score: Score) -> Errors:
    """Add one talk's answer to ``score``; its wrong and missed values, each with its cause."""
    expected, found = Counter(_leaves(facts)), Counter(_leaves(entities))
    stated = {leaf for leaf in expected if _is_stated(leaf[1], passages)}
    unstated_fields = {path for path, value in expected if (path, value) not in stated}
    right = expected & found
    score.expected += sum(expected.values())
    score.returned += sum(found.values())
    score.right += sum(right.values())
    score.stated += sum(n for leaf, n in expected.items() if leaf in stated)
    wrong = [(p, v, "transcription" if p in unstated_fields else "engine") for p, v in (found - expected).elements()]
    missed = [(p, v, "engine" if (p, v) in stated else "transcription") for p, v in (expected - found).elements()]
    score.wrong_engine += sum(1 for *_, cause in wrong if cause == "engine")
    score.missed_engine += sum(1 for *_, cause in missed if cause == "engine")
    return Errors(sorted(wrong, key=str), sorted(missed, key=str))


def _run(talk: Talk, score: Score) -> Errors:
    media, said = _media(talk)
    started = time.perf_counter()
    transcript = transcribe(media, dependencies.whisper_config())
    vision = None
    if talk.screen:
        with tempfile.TemporaryDirectory() as out:
            vision = see(media, Path(out), VisionRequest(read_text=True))
    staged = time.perf_counter()
    duration = float(said[-1]["end"]) + 0.6
    inputs = Inputs(
        duration_seconds=duration,
        has_video=vision is not None,
        transcript=transcript,
        vision=vision,
        extractor=LocalExtractor(),
    )
    result = REGISTRY["extract"].run(inputs, {"schema": talk.schema})
    done = time.perf_counter()
    score.dropped += result["ungrounded_dropped"]
    score.media_seconds += duration
    score.stage_seconds += staged - started
    score.extract_seconds += done - staged
    read = speech_passages(transcript.segments) + screen_passages(inputs.screen_text)
    return score_answer(talk.facts, result["entities"], read, score)


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 1.0


def report(total: Score, talks: int) -> str:
    """The figures in all, and on the facts the engine could read (its own quality)."""
    minutes = total.media_seconds / 60
    right_stated = total.right  # a right value is grounded, so its fact is stated
    return (
        f"\n{talks} talks, {total.media_seconds:.0f} s of media, {total.expected} facts, "
        f"{total.stated} of them stated in what the engine read (transcript or screen)\n"
        f"all facts:    precision {_ratio(total.right, total.returned):.3f} (goal >= 0.95)   "
        f"recall {_ratio(total.right, total.expected):.3f} (goal >= 0.8)\n"
        f"stated facts: precision {_ratio(right_stated, right_stated + total.wrong_engine):.3f}   "
        f"recall {_ratio(right_stated, total.stated):.3f}   (the engine's own errors: "
        f"{total.wrong_engine} wrong, {total.missed_engine} missed)\n"
        f"dropped as ungrounded: {_ratio(total.dropped, total.returned + total.dropped):.3f} of the engine's values\n"
        f"extract (local engine): {total.extract_seconds / minutes:.2f} s per media minute; "
        f"transcription + vision: {total.stage_seconds / minutes:.1f} s per media minute"
    )


def print_talk(name: str, kind: str, mine: Score, errors: Errors) -> None:
    print(
        f"{name:<11} {kind:<13} right {mine.right}/{mine.expected} ({mine.stated} stated), "
        f"returned {mine.returned}, dropped {mine.dropped}",
        flush=True,
    )
    for label, values in (("wrong", errors.wrong), ("missed", errors.missed)):
        for path, value, cause in values:
            print(f"{'':<13}{label:<7} {cause:<13} {path} = {value!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--talk", action="append", help="only these talks (by name)")
    args = parser.parse_args()
    total = Score()
    for talk in TALKS:
        if args.talk and talk.name not in args.talk:
            continue
        mine = Score()
        errors = _run(talk, mine)
        total.add(mine)
        print_talk(talk.name, "screen+speech" if talk.screen else "speech", mine, errors)
    print(report(total, len(args.talk or TALKS)))


if __name__ == "__main__":
    main()
