"""What brand matching finds (``vidscope.text.brand_matching``): a brand, its mentions and the
proof of each, from the speech or the screen. Apart from the matching so that the brands
capability's declaration, which the API reads, names these types without importing the catalog."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Source = Literal["speech", "on_screen"]


class Proof(BaseModel):
    """Where a mention was found: the spoken words (``speech``) or a piece of on-screen text."""

    # Built on first validation: create_job imports this module for the options' types alone and
    # never validates mentions (DESIGN §9).
    model_config = ConfigDict(defer_build=True)

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
    # Built on first validation: create_job imports this module for the options' types alone and
    # never validates mentions (DESIGN §9).
    model_config = ConfigDict(defer_build=True)

    name: str
    mentions: int
    confidence: float
    proof: list[Proof] | None = Field(default=None, exclude_if=lambda value: value is None)
