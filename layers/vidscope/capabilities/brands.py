"""brands: brand mentions in the transcript, optionally with timestamped proof.

The result's models live here, the matching (``vidscope.text.brand_matching``, its catalog and patterns) is
imported only to compute: the API reads this declaration and never runs it (DESIGN §9)."""

from __future__ import annotations

from pydantic import BaseModel, Field, RootModel, StrictBool

from vidscope.capabilities.base import Capability, Inputs, Need, Options


class Proof(BaseModel):
    start: float
    end: float
    text: str


class BrandMention(BaseModel):
    name: str
    mentions: int
    confidence: float
    proof: list[Proof] | None = Field(default=None, exclude_if=lambda value: value is None)


class BrandsOptions(Options):
    return_proof: StrictBool = Field(default=False, description="Attach timestamped proof to each brand")


class BrandsResult(RootModel[list[BrandMention]]):
    """Brands mentioned, most mentioned first."""


def _detect(inputs: Inputs, options: BrandsOptions) -> BrandsResult:
    if inputs.transcript is None:
        raise ValueError("brands needs the transcript")
    from vidscope.text import brand_matching  # deferred: the analysis function's work, not the API's

    return BrandsResult(brand_matching.detect(inputs.transcript, with_proof=options.return_proof))


CAPABILITY = Capability(
    name="brands",
    description="Brand mentions, optionally with timestamped proof",
    credits_per_minute=1,
    needs=frozenset({Need.TRANSCRIPT}),
    options=BrandsOptions,
    result=BrandsResult,
    compute=_detect,
    paged="",
    render=lambda found: [f"{b.name}: {b.mentions} mention(s)" for b in found.root],
)
