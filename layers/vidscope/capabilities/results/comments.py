"""The results of ``vidscope.capabilities.comments``: imported where its results are used (the
analysis, merge and document), never by create_job, which validates options only (DESIGN §9)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from vidscope.text.comments import SiteComment


class CommentsResult(BaseModel):
    total: int = Field(description="how many comments were read (the items)")
    site_count: int | None = Field(default=None, description="how many comments the site says it has")
    complete: bool = Field(description="every comment the site listed was read (max_comments or time cut none)")
    note: str | None = Field(default=None, description="why the list stopped short or is empty")
    items: list[SiteComment]
