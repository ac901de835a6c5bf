"""brands: brand mentions in the speech (and, when asked, on screen), optionally with timestamped proof.

The result's models live here, the matching (``vidscope.text.brand_matching``, its catalog and patterns) is
imported only to compute: the API reads this declaration and never runs it (DESIGN §9)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, RootModel, StrictBool, field_validator

from vidscope.capabilities.base import Capability, Inputs, Need, Options

Source = Literal["speech", "on_screen"]
ALL_SOURCES: tuple[Source, ...] = ("speech", "on_screen")


class Proof(BaseModel):
    """Where a mention was found: the spoken words (``speech``) or a piece of on-screen text."""

    # Results stored before on-screen matching had only spoken proof.
    source: Source = "speech"
    start: float
    end: float
    text: str = Field(description="the sentence said, or the text read on screen")
    frame_url: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="on_screen only: a frame in which the text is seen",
    )


class BrandMention(BaseModel):
    name: str
    mentions: int
    confidence: float
    proof: list[Proof] | None = Field(default=None, exclude_if=lambda value: value is None)


class BrandsOptions(Options):
    return_proof: StrictBool = Field(default=False, description="Attach timestamped proof to each brand")
    # The speech by default, as brands always read it: adding the screen sees the video (a vision
    # task, a video download, two more state transitions), which a client asks for.
    sources: list[Source] = Field(
        default_factory=lambda: list[Source](["speech"]),
        min_length=1,
        description="Where to look for brands: the speech, the text on screen (the job then sees the video), or both",
        json_schema_extra={"uniqueItems": True, "default": ["speech"]},
    )

    @field_validator("sources")
    @classmethod
    def _no_repeats(cls, sources: list[Source]) -> list[Source]:
        if len(set(sources)) != len(sources):
            raise ValueError("sources must not repeat")
        return sources


class BrandsResult(RootModel[list[BrandMention]]):
    """Brands mentioned, most mentioned first."""


def _detect(inputs: Inputs, options: BrandsOptions) -> BrandsResult:
    speech = "speech" in options.sources
    if speech and inputs.transcript is None:
        raise ValueError("brands needs the transcript to look for brands in the speech")
    from vidscope.text import brand_matching  # deferred: the analysis function's work, not the API's

    segments = inputs.transcript.segments if speech and inputs.transcript is not None else []
    # No vision stage ran for the job (or on_screen was not asked for): the speech alone.
    on_screen = inputs.vision.text if "on_screen" in options.sources and inputs.vision is not None else []
    return BrandsResult(brand_matching.find_brands(segments, on_screen, with_proof=options.return_proof))


CAPABILITY = Capability(
    name="brands",
    description="Brand mentions in the speech and, with sources, on screen; optionally with timestamped proof",
    credits_per_minute=1,
    needs=frozenset({Need.TRANSCRIPT}),
    # On-screen text when asked for (sources; speech alone by default): the job then sees the video too. Used, not
    # needed: on audio-only media brands search the speech alone rather than fail.
    uses=lambda options: frozenset({Need.ON_SCREEN_TEXT}) if "on_screen" in options.sources else frozenset(),
    options=BrandsOptions,
    result=BrandsResult,
    compute=_detect,
    paged="",
    render=lambda found: [f"{b.name}: {b.mentions} mention(s)" for b in found.root],
)
