"""download: the ingested media re-packaged for the client to fetch: mp4 (video and sound) or m4a
(sound alone), with a fresh presigned URL on every read. The media is copied, never transcoded
(``vidscope.editing.clips.remux``): media in a codec the container does not carry fails this
capability alone, uncharged (DOWNLOAD_FORMAT_UNSUPPORTED)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from vidscope.capabilities.base import Capability, Inputs, Need, Options

if TYPE_CHECKING:
    from vidscope.capabilities.results.download import DownloadResult


class DownloadOptions(Options):
    format: Literal["mp4", "m4a"] = Field(default="mp4", description="mp4: video and sound; m4a: sound alone")


def _package(inputs: Inputs, options: DownloadOptions) -> DownloadResult:
    from vidscope.capabilities.results.download import DownloadResult  # deferred (DESIGN §9)
    from vidscope.editing.clips import remux  # deferred: the analysis function's work, not the API's

    source = inputs.media.fetch()
    target = source.with_name(f"download.{options.format}")
    # Up to the decoded duration: packets stamped past what ingestion decoded are not the client's.
    # A codec the container does not carry raises DownloadFormatUnsupported (DOWNLOAD_FORMAT_UNSUPPORTED).
    packaged = remux(source, target, audio_only=options.format == "m4a", billed_seconds=inputs.duration_seconds)
    return DownloadResult(
        download_url=inputs.media.store(target, f"download/media.{options.format}"),
        format=options.format,
        size_bytes=packaged.size_bytes,
        duration_seconds=packaged.duration_seconds,
    )


CAPABILITY: Capability[DownloadOptions, DownloadResult] = Capability(
    name="download",
    description="The media as an mp4 or m4a file, with a presigned download URL",
    credits_per_minute=1,
    # A minute of 720p from a site is a few to 30 MiB: an ordinary file pays for its minutes.
    mib_per_credit=32,
    needs=frozenset({Need.MEDIA}),
    # An mp4 holds the pictures: ingestion then downloads video, where a site's best audio has none.
    uses=lambda options: frozenset({Need.VIDEO_FILE}) if options.format == "mp4" else frozenset(),
    options=DownloadOptions,
    result="vidscope.capabilities.results.download:DownloadResult",
    compute=_package,
    render=lambda r: [f"{r.format}, {r.size_bytes / 2**20:.1f} MiB, {r.duration_seconds:.1f} s: {r.download_url}"],
)
