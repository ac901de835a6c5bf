"""Extraction: generated talks (espeak-ng speech, some over pictures with burned-in words) that
state known facts (products and prices, people and roles, dates, places), each with a schema,
through the pipeline's own pieces: transcription with the worker's configured model (the bundled
tiny.en by default), the vision stage's text reading where there are pictures, then the extract
capability with the local engine.

Printed per talk and in all: field-level precision and recall against the facts stated, the share
of the engine's values dropped as ungrounded, and seconds per media minute (the extract compute
alone, and transcription plus vision). Goals (issue 24): precision >= 0.95, recall >= 0.8.

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
from vidscope.text.extractors import LocalExtractor
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
        make_video(pictures, seconds=seconds, words=talk.screen, text_every=1, shot_seconds=(2.5, 3.5))
        remux(path, video=pictures, audio=speech)
    else:
        speech.rename(path)
    said_file.write_text(json.dumps(said))
    return path, said


@dataclass
class Score:
    expected: int = 0
    returned: int = 0
    right: int = 0
    dropped: int = 0
    media_seconds: float = 0.0
    extract_seconds: float = 0.0
    stage_seconds: float = 0.0


def _run(talk: Talk, score: Score) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
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
    expected, found = Counter(_leaves(talk.facts)), Counter(_leaves(result["entities"]))
    score.expected += sum(expected.values())
    score.returned += sum(found.values())
    score.right += sum((expected & found).values())
    score.dropped += result["ungrounded_dropped"]
    score.media_seconds += duration
    score.stage_seconds += staged - started
    score.extract_seconds += done - staged
    return result, sorted((found - expected).elements())


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--talk", action="append", help="only these talks (by name)")
    args = parser.parse_args()
    total = Score()
    for talk in TALKS:
        if args.talk and talk.name not in args.talk:
            continue
        mine = Score()
        result, wrong = _run(talk, mine)
        for name in ("expected", "returned", "right", "dropped", "media_seconds", "extract_seconds", "stage_seconds"):
            setattr(total, name, getattr(total, name) + getattr(mine, name))
        print(
            f"{talk.name:<11} {'screen+speech' if talk.screen else 'speech':<13} "
            f"right {mine.right}/{mine.expected}, returned {mine.returned}, dropped {mine.dropped}"
            + (f"  wrong: {wrong}" if wrong else ""),
            flush=True,
        )
        missing = sorted((Counter(_leaves(talk.facts)) - Counter(_leaves(result["entities"]))).elements())
        if missing:
            print(f"{'':<26}missed: {missing}")
    minutes = total.media_seconds / 60
    print(
        f"\n{len(args.talk or TALKS)} talks, {total.media_seconds:.0f} s of media, {total.expected} facts\n"
        f"precision {_ratio(total.right, total.returned):.3f} (goal >= 0.95)   "
        f"recall {_ratio(total.right, total.expected):.3f} (goal >= 0.8)\n"
        f"dropped as ungrounded: {_ratio(total.dropped, total.returned + total.dropped):.3f} of the engine's values\n"
        f"extract (local engine): {total.extract_seconds / minutes:.2f} s per media minute; "
        f"transcription + vision: {total.stage_seconds / minutes:.1f} s per media minute"
    )


if __name__ == "__main__":
    main()
