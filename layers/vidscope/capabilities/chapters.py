"""chapters: narrative chapters from the transcript's topic shifts, each starting on a shot
boundary when a cut is near, with a short title and a one-sentence summary (extractive locally,
Bedrock in the cloud). The segmentation (``vidscope.text.chapters``) is imported only to compute.

The shots capability's result is used, not needed: on audio-only media (a podcast) the chapters
follow the speech alone rather than failing for want of pictures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from vidscope.access import Access
from vidscope.capabilities import shots
from vidscope.capabilities.base import Capability, Inputs, Need, Note, Options, ResultOf, clock_time

if TYPE_CHECKING:
    from vidscope.capabilities.results.chapters import ChaptersResult


class ChaptersOptions(Options):
    max_chapters: int | None = Field(default=None, ge=1, le=50, description="At most this many (default: by length)")


def _chapters(inputs: Inputs, options: ChaptersOptions) -> ChaptersResult:
    from vidscope.capabilities.results.chapters import Chapter, ChaptersResult  # deferred (DESIGN §9)
    from vidscope.text.chapters import find_chapters  # deferred: the analysis function's work, not the API's

    cut = inputs.result(shots.CAPABILITY)
    spans = find_chapters(
        inputs.transcript,
        [shot.start for shot in cut.shots] if cut is not None else [],
        inputs.duration_seconds,
        max_chapters=options.max_chapters,
        writer=inputs.summarizer,
    )
    chapters = [
        Chapter(index=i, start=s.start, end=s.end, title=s.title, summary=s.summary) for i, s in enumerate(spans)
    ]
    return ChaptersResult(total_chapters=len(chapters), chapters=chapters)


def _render(result: ChaptersResult) -> list[str]:
    lines = [f"{result.total_chapters} chapters", "   #  start        end          title"]
    for c in result.chapters:
        lines.append(f"{c.index:4d}  {clock_time(c.start):<11}  {clock_time(c.end):<11}  {c.title}")
        lines.append(f"{'':30}{c.summary}")
    return lines


CAPABILITY: Capability[ChaptersOptions, ChaptersResult] = Capability(
    name="chapters",
    description="Narrative chapters aligned to shot boundaries, each with a title and a one-sentence summary",
    credits_per_minute=1,
    needs=frozenset({Need.TRANSCRIPT}),
    uses=lambda _options: frozenset({ResultOf(shots.CAPABILITY.name)}),
    options=ChaptersOptions,
    result="vidscope.capabilities.results.chapters:ChaptersResult",
    compute=_chapters,
    access=frozenset({Access.INVOKE_MODEL}),  # the Bedrock provider
    paged="chapters",
    when_empty=lambda _options, duration: Note(
        code="MEDIA_TOO_SHORT", message=f"{duration:g} s of media is too short to be divided into chapters"
    ),
    render=_render,
)
