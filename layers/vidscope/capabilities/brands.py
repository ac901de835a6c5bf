"""brands: brand mentions in the speech and on screen, optionally with timestamped proof.

The result's types live with the matching (``vidscope.text.brand_mentions``); the matching itself
(``vidscope.text.brand_matching``, its catalog and patterns) is imported only to compute: the API
reads this declaration and never runs it (DESIGN §9)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, StrictBool, field_validator

from vidscope.capabilities.base import Capability, Inputs, Need, Note, Options, Requirement
from vidscope.text.brand_mentions import Source

if TYPE_CHECKING:
    from vidscope.capabilities.results.brands import BrandsResult


class BrandsOptions(Options):
    return_proof: StrictBool = Field(default=False, description="Attach timestamped proof to each brand")
    # Both by default, as a video API is expected to look (the job then sees the video: a vision
    # task and a video download); on media without pictures, the speech alone, without failing.
    sources: list[Source] | None = Field(
        default=None,
        min_length=1,
        description=(
            "Where to look for brands: the speech, the text on screen, or both. "
            "Default: both when the media has a video track, the speech otherwise"
        ),
        json_schema_extra={"uniqueItems": True},
    )

    @field_validator("sources")
    @classmethod
    def _no_repeats(cls, sources: list[Source] | None) -> list[Source] | None:
        if sources is not None and len(set(sources)) != len(sources):
            raise ValueError("sources must not repeat")
        return sources

    def reads(self, source: Source) -> bool:
        return self.sources is None or source in self.sources


def _detect(inputs: Inputs, options: BrandsOptions) -> BrandsResult:
    from vidscope.capabilities.results.brands import BrandsResult  # deferred (DESIGN §9)
    from vidscope.text import brand_matching  # deferred: the analysis function's work, not the API's

    segments = inputs.transcript.segments if options.reads("speech") else []
    on_screen = inputs.screen_text if options.reads("on_screen") else []
    return BrandsResult(brand_matching.find_brands(segments, on_screen, with_proof=options.return_proof))


def _uses(options: BrandsOptions) -> frozenset[Requirement]:
    # Used, not needed: on audio-only media brands search the speech alone rather than fail.
    return frozenset({Need.ON_SCREEN_TEXT}) if options.reads("on_screen") else frozenset()


def _nothing_found(options: BrandsOptions, _duration: float) -> Note:
    names = {"speech": "speech", "on_screen": "on-screen text"}
    where = " and ".join(names[source] for source in options.sources or names)
    return Note(code="NO_BRANDS_FOUND", message=f"no brand of the catalog was found in the {where}")


CAPABILITY: Capability[BrandsOptions, BrandsResult] = Capability(
    name="brands",
    description="Brand mentions in the speech and on screen, optionally with timestamped proof",
    credits_per_minute=1,
    needs=frozenset({Need.TRANSCRIPT}),
    uses=_uses,
    options=BrandsOptions,
    result="vidscope.capabilities.results.brands:BrandsResult",
    compute=_detect,
    paged="",
    when_empty=_nothing_found,
    render=lambda found: [f"{b.name}: {b.mentions} mention(s)" for b in found.root],
)
