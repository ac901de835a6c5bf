"""on_screen_text: text burned into the picture (captions, titles, signs), read with RapidOCR by the
vision stage on keyframes and on frames where the picture changes, merged across the frames that
show it into timed items with their box."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from vidscope.capabilities.base import Capability, Inputs, Need, Note, Options, RunsIn, clock_time, frame_ref

if TYPE_CHECKING:
    from vidscope.capabilities.results.on_screen_text import OnScreenTextResult


class OnScreenTextOptions(Options):
    min_confidence: float = Field(default=0.6, ge=0, le=1, description="Drop text read with less confidence")


def _read(inputs: Inputs, options: OnScreenTextOptions) -> OnScreenTextResult:
    from vidscope.capabilities.results.on_screen_text import OnScreenTextResult, TextItem  # deferred (DESIGN §9)

    items = [
        TextItem(start=t.start, end=t.end, text=t.text, confidence=t.confidence, box=t.box, frame_url=frame_ref(t.file))
        for t in inputs.vision.text
        if t.confidence >= options.min_confidence
    ]
    return OnScreenTextResult(total=len(items), items=items)


CAPABILITY: Capability[OnScreenTextOptions, OnScreenTextResult] = Capability(
    name="on_screen_text",
    description="Text shown on screen, with its time range, box and confidence",
    credits_per_minute=2,
    needs=frozenset({Need.FRAMES, Need.ON_SCREEN_TEXT}),
    options=OnScreenTextOptions,
    result="vidscope.capabilities.results.on_screen_text:OnScreenTextResult",
    compute=_read,
    runs_in=RunsIn.MERGING,
    paged="items",
    when_empty=lambda options, _duration: Note(
        code="NO_TEXT_ON_SCREEN",
        message=f"no text was read on screen with a confidence of {options.min_confidence:g} or more",
    ),
    render=lambda r: (
        [f"{r.total} text items"]
        + [f"{clock_time(t.start)} → {clock_time(t.end)}  {t.text!r} ({t.confidence:.2f})" for t in r.items]
    ),
)
