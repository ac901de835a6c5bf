"""Fetching a job's media with yt-dlp (any site it knows, or a direct file) and checking it:
duration and size limits, a decodable audio track. No AWS here; the stage wires storage."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vidscope.errors import InvalidUrl
from vidscope.pipeline_errors import DownloadFailed, MediaTooLong, MediaUnsupported
from vidscope.ssrf import UrlGuard


@dataclass(frozen=True)
class DownloadedMedia:
    path: Path
    duration_seconds: float
    size_bytes: int
    title: str | None


@dataclass(frozen=True)
class Limits:
    max_seconds: int
    max_bytes: int
    timeout_seconds: float


class _QuietLogger:
    """yt-dlp prints to stdout unless given a logger; errors reach us as DownloadError anyway."""

    def debug(self, msg: str) -> None: ...
    def info(self, msg: str) -> None: ...
    def warning(self, msg: str) -> None: ...
    def error(self, msg: str) -> None: ...


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _clean(message: str) -> str:
    message = _ANSI.sub("", message).removeprefix("ERROR: ").strip()
    # yt-dlp appends advice meant for its own CLI users; an API client cannot act on it.
    return message.split("; please report this issue", 1)[0].split(" Confirm you are on the latest", 1)[0]


class Downloader:
    """One yt-dlp instance per warm process: its first URL match costs about a second."""

    def __init__(self, guard: UrlGuard, limits: Limits) -> None:
        self._guard = guard
        self._limits = limits

    def download(self, url: str, dest_dir: Path) -> DownloadedMedia:
        try:
            self._guard.check_media_url(url)  # again at download time: DNS may have changed
        except InvalidUrl as exc:
            raise DownloadFailed(exc.message) from exc
        from yt_dlp import YoutubeDL  # deferred: a heavy import the API functions never need
        from yt_dlp.utils import DownloadError

        options: dict[str, Any] = {
            # Audio is all today's capabilities need; a frame-based capability would ask for video.
            "format": "bestaudio/best",
            "outtmpl": str(dest_dir / "source.%(ext)s"),
            "noplaylist": True,
            "max_filesize": self._limits.max_bytes,
            "socket_timeout": self._limits.timeout_seconds,
            "retries": 2,
            # One connection at a time, in this thread, so the connection guard sees them all.
            "concurrent_fragment_downloads": 1,
            "logger": _QuietLogger(),
            "noprogress": True,
        }
        with self._guard.connections() as refused, YoutubeDL(options) as ydl:
            try:
                info = ydl.extract_info(url, download=False)
                if info is None:
                    raise DownloadFailed("the URL did not lead to any media")
                if info.get("_type") == "playlist":
                    raise DownloadFailed("the URL is a playlist; submit one video per job")
                self._check_duration(info.get("duration"))
                info = ydl.process_ie_result(info, download=True)
            except DownloadError as exc:
                blocked = refused()
                if blocked is not None:
                    raise DownloadFailed(
                        f"the URL or one of its redirects leads to {blocked}, a private or reserved address"
                    ) from exc
                raise DownloadFailed(f"could not download the media: {_clean(str(exc))}") from exc
        files = [p for p in dest_dir.glob("source.*") if p.suffix not in (".part", ".ytdl")]
        if not files:
            raise MediaTooLong(f"the media is larger than the {self._limits.max_bytes // 2**20} MiB limit")
        path = files[0]
        duration = probe_duration(path)
        self._check_duration(duration)
        return DownloadedMedia(path, duration, path.stat().st_size, info.get("title"))

    def _check_duration(self, duration: float | None) -> None:
        if duration is not None and duration > self._limits.max_seconds:
            raise MediaTooLong(
                f"the media is {duration / 60:.1f} minutes long; the limit is {self._limits.max_seconds / 60:g} minutes"
            )


def probe_duration(path: Path) -> float:
    """Seconds of audio in ``path``; ``MediaUnsupported`` if it has no decodable audio."""
    import av  # deferred with yt-dlp: only the ingestion path decodes media

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise MediaUnsupported("the media has no audio track to transcribe")
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            if container.duration is not None:
                return container.duration / 1_000_000
    except av.FFmpegError as exc:
        raise MediaUnsupported("the downloaded file is not a media format we can decode") from exc
    raise MediaUnsupported("the media's duration could not be determined")
