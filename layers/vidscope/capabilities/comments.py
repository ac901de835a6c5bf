"""comments: the comments the media's site shows, read by ingestion with yt-dlp's comment
extraction (the extractor of the site), at most ``max_comments`` and for a bounded time, each
cleaned of control and bidi characters and capped (``vidscope.text.comments``): `total`, `items`
[{`id`, `author`, `text`, `likes`, `timestamp`, `parent_id`}] in the site's order, paged by the
results endpoint. A site without comments (or with them turned off) gives an empty list and a
note; an uploaded file has no site, so the capability fails alone, uncharged (MEDIA_HAS_NO_SITE)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidscope.capabilities.base import Capability, Inputs, Need, Note, Options
from vidscope.text.comments import CommentsRequest

if TYPE_CHECKING:
    from vidscope.capabilities.results.comments import CommentsResult


class CommentsOptions(Options, CommentsRequest):
    """How many comments ingestion reads: the plan hands them over as data."""


def _comments(inputs: Inputs, _options: CommentsOptions) -> CommentsResult:
    from vidscope.capabilities.results.comments import CommentsResult  # deferred (DESIGN §9)

    read = inputs.site_comments
    return CommentsResult(
        total=len(read.items), site_count=read.site_count, complete=read.complete, note=read.note, items=read.items
    )


def _render(result: CommentsResult) -> list[str]:
    lines = [f"{result.total} comments" + (f" ({result.note})" if result.note else "")]
    lines += [
        ("    ↳ " if c.parent_id else "") + f"{c.author or 'anonymous'}"
        f"{f' ({c.likes} likes)' if c.likes is not None else ''}: {c.text}"
        for c in result.items
    ]
    return lines


CAPABILITY: Capability[CommentsOptions, CommentsResult] = Capability(
    name="comments",
    description="The comments on the media's site (yt-dlp), with author, likes, time and the comment each answers",
    credits_per_minute=1,
    needs=frozenset({Need.SITE_COMMENTS}),
    options=CommentsOptions,
    result="vidscope.capabilities.results.comments:CommentsResult",
    compute=_comments,
    # In the analysis step, which may read what ingestion downloaded (merging may not).
    paged="items",
    when_empty=lambda _options, _duration: Note(
        code="NO_COMMENTS",
        message="the site showed no comments on this media (none written, comments turned off, "
        "or a site whose comments cannot be read)",
    ),
    render=_render,
    # The site's comments change after the media is published: a new job reads them again.
    reusable=False,
)
