"""A site's comments on the media, as ingestion reads them with yt-dlp's comment extraction and
stages them for the analyses: what the job asks ingestion for (``CommentsRequest``, handed over
as data by the plan, as the vision stage is handed ``VisionRequest``), and what it stages
(``SiteComments``). Every string the site gave is cleaned (``safe_text.clean_remote_text``) and
capped before it is stored: it is data wherever it is shown."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vidscope.safe_text import clean_remote_text

MAX_COMMENTS = 1_000
MAX_COMMENT_LENGTH = 2_000
MAX_AUTHOR_LENGTH = 100
MAX_ID_LENGTH = 200


class CommentsRequest(BaseModel):
    """How many of the site's comments ingestion reads (an options model deriving from this one
    hands it to the plan)."""

    model_config = ConfigDict(defer_build=True)  # the options deriving from it build their own

    max_comments: int = Field(default=100, ge=1, le=MAX_COMMENTS, description="read at most this many comments")


class SiteComment(BaseModel):
    # Built on first validation: create_job imports this module for the options' types alone and
    # never validates comments (DESIGN §9).
    model_config = ConfigDict(defer_build=True)

    id: str
    author: str | None = None
    text: str
    likes: int | None = Field(default=None, ge=0)
    timestamp: str | None = Field(default=None, description="when it was posted (ISO 8601, UTC), when the site says")
    parent_id: str | None = Field(default=None, description="the comment it answers; None for a top-level comment")


class SiteComments(BaseModel):
    """What ingestion read of the site's comments: the comments, in the site's order, and why the
    list may be short."""

    # Built on first validation: create_job imports this module for the options' types alone and
    # never validates comments (DESIGN §9).
    model_config = ConfigDict(defer_build=True)

    items: list[SiteComment] = Field(default_factory=list)
    # The site offers comments on this media (an extractor that reads them, comments not turned off).
    offered: bool = False
    # Every comment the site listed was read (not cut by max_comments or the time allowed).
    complete: bool = True
    site_count: int | None = Field(default=None, description="how many comments the site says it has")
    note: str | None = Field(default=None, description="why the list stopped short or is empty")


def _timestamp(value: Any) -> str | None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value < 2**33:
        return None
    return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def site_comment(raw: Mapping[str, Any]) -> SiteComment | None:
    """One comment as yt-dlp's extractors shape it (``id``, ``parent`` "root" for top level,
    ``text``, ``author``, ``like_count``, ``timestamp`` in epoch seconds), cleaned; None for one
    without an id or text."""
    comment_id = clean_remote_text(_string(raw.get("id")), MAX_ID_LENGTH)
    text = clean_remote_text(raw.get("text"), MAX_COMMENT_LENGTH)
    if comment_id is None or text is None:
        return None
    parent = clean_remote_text(_string(raw.get("parent")), MAX_ID_LENGTH)
    return SiteComment(
        id=comment_id,
        author=clean_remote_text(raw.get("author"), MAX_AUTHOR_LENGTH),
        text=text,
        likes=_count(raw.get("like_count")),
        timestamp=_timestamp(raw.get("timestamp")),
        parent_id=None if parent in (None, "root") else parent,
    )


def _string(value: Any) -> Any:
    """Ids as the site gave them: numbers too, as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
