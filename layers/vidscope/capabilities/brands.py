"""brands: brand mentions in the transcript, optionally with timestamped proof."""

from __future__ import annotations

from pydantic import Field, RootModel, StrictBool

from vidscope import brands
from vidscope.capabilities.base import Capability, Inputs, Need, Options


class BrandsOptions(Options):
    return_proof: StrictBool = Field(default=False, description="Attach timestamped proof to each brand")


class BrandsResult(RootModel[list[brands.BrandMention]]):
    """Brands mentioned, most mentioned first."""


def _detect(inputs: Inputs, options: BrandsOptions) -> BrandsResult:
    if inputs.transcript is None:
        raise ValueError("brands needs the transcript")
    return BrandsResult(brands.detect(inputs.transcript, with_proof=options.return_proof))


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
