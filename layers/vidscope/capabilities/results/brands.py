"""The results of ``vidscope.capabilities.brands``: imported where its results are used (the
analysis, merge and document), never by create_job, which validates options only (DESIGN §9)."""

from __future__ import annotations

from pydantic import RootModel

from vidscope.text.brand_mentions import BrandMention


class BrandsResult(RootModel[list[BrandMention]]):
    """Brands mentioned, most mentioned first."""
