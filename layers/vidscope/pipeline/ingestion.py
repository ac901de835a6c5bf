"""Fetching a job's media with yt-dlp (any site it knows, or a direct file) and checking it:
duration and size limits, a decodable audio track. No AWS here; the stage wires storage."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import re
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from vidscope import catalog
from vidscope.errors import InvalidUrl
from vidscope.pipeline.errors import DownloadFailed, MediaTooLong, MediaUnsupported, StageFailed
from vidscope.safe_text import clean_remote_text
from vidscope.ssrf import UrlGuard
from vidscope.text.comments import CommentsRequest, SiteComments, site_comment
from vidscope.vision.limits import MAX_ASPECT, MAX_SOURCE_PIXELS, MAX_TIMESTAMP_FPS, REFERENCE_PIXEL_RATE


@dataclass(frozen=True)
class DownloadedMedia:
    path: Path
    duration_seconds: float
    size_bytes: int
    title: str | None
    billed_seconds: float  # MediaFacts.billed_seconds
    has_audio: bool = True
    has_video: bool = False
    width: int | None = None
    height: int | None = None
    comments: SiteComments | None = None  # the site's comments, when the plan reads them


@dataclass(frozen=True)
class Limits:
    max_seconds: int
    max_bytes: int
    timeout_seconds: float  # one read: how long a silent server may keep us waiting
    # The whole download, whatever the server does: a read timeout alone lets a server trickling
    # a byte at a time hold the function to its own timeout. Below ingest_media's 900 s.
    budget_seconds: float = 600.0
    # Reading the site's comments, after the media: at most this long, and never past the
    # download's budget (what is read by then is kept; the media is never lost to its comments).
    comments_seconds: float = 60.0


# A URL result may point at another extractor's URL, which may point on again; a few hops is
# what real sites use, and a bound keeps a crafted chain from being followed for ever.
_MAX_URL_HOPS = 5


class _Budget:
    """The download's wall-clock allowance. When it runs out, every socket the download opened
    is shut down (a read blocked on a trickling server returns at once) and no new one opens."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.spent = threading.Event()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Budget:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def on_connect(self, sock: socket.socket) -> None:
        self.check()
        with self._lock:
            self._sockets.add(sock)

    def check(self) -> None:
        if self.spent.is_set() or time.monotonic() >= self.deadline:
            self.spent.set()
            raise DownloadFailed(f"the download took longer than the {self.seconds:g}-second limit")

    def _expire(self) -> None:
        self.spent.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


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

    def download(
        self,
        url: str,
        dest_dir: Path,
        *,
        on_probe: Callable[[float | None], None] | None = None,
        video: bool = False,
        comments: CommentsRequest | None = None,
    ) -> DownloadedMedia:
        """Probe the URL (one video, its claimed duration), call ``on_probe`` with that duration
        (None when the site does not say) before a byte of media is fetched, then download: the
        audio alone, or with ``video`` the pictures too, at most 720 lines; then, with
        ``comments``, read up to that many of the site's comments (``read_comments``)."""
        try:
            self._guard.check_media_url(url)  # again at download time: DNS may have changed
        except InvalidUrl as exc:
            raise DownloadFailed(exc.message) from exc
        from yt_dlp import YoutubeDL  # deferred: a heavy import the API functions never need
        from yt_dlp.utils import DownloadError

        with _Budget(self._limits.budget_seconds) as budget:
            options: dict[str, Any] = {
                # Only what the plan needs. Video comes as one file that holds both tracks: merging
                # separate video and audio downloads needs ffmpeg, which the guard keeps out (below).
                "format": "best[height<=720]/best" if video else "bestaudio/best",
                "outtmpl": str(dest_dir / "source.%(ext)s"),
                "noplaylist": True,
                "max_filesize": self._limits.max_bytes,  # the declared size; the hook counts the real one
                "socket_timeout": self._limits.timeout_seconds,
                "retries": 2,
                # One connection at a time, in this thread, so the connection guard sees them all.
                "concurrent_fragment_downloads": 1,
                # Only yt-dlp's own Python downloaders: ffmpeg or aria2c would open sockets the
                # guard never sees. The guard also refuses any process start in its block; these
                # options make yt-dlp fail with a clear message instead of meeting that refusal.
                "external_downloader": {"default": "native"},
                "hls_prefer_native": True,
                "ffmpeg_location": str(dest_dir / "no-ffmpeg"),
                "progress_hooks": [lambda status: self._on_progress(status, budget)],
                "logger": _QuietLogger(),
                "noprogress": True,
                # The extractor hands back a reader of the comments; it runs after the media (below).
                "getcomments": comments is not None,
            }
            with self._guard.connections(on_connect=budget.on_connect) as refused, YoutubeDL(options) as ydl:
                try:
                    info = self._single_video(ydl, url, budget)
                    self._check_duration(info.get("duration"))
                    if on_probe is not None:
                        on_probe(info.get("duration"))
                    # yt-dlp would read every comment before the media: they are read after, bounded.
                    reader, claimed = info.pop("__post_extractor", None), info.get("comment_count")
                    info = ydl.process_ie_result(info, download=True)
                except DownloadError as exc:
                    budget.check()
                    blocked = refused()
                    if blocked == "a subprocess":
                        raise DownloadFailed(
                            "the media needs an external program to download (an encrypted or live stream), "
                            "which is not supported"
                        ) from exc
                    if blocked is not None:
                        raise DownloadFailed(
                            f"the URL or one of its redirects leads to {blocked}, a private or reserved address"
                        ) from exc
                    raise DownloadFailed(f"could not download the media: {_clean(str(exc))}") from exc
                except StageFailed:
                    raise
                except Exception as exc:  # a socket the budget cut, surfacing outside yt-dlp's own handling
                    budget.check()
                    raise DownloadFailed(f"could not download the media: {_clean(str(exc))}") from exc
                budget.check()  # a cut socket can look like a complete chunked response
                read = self._site_comments(reader, claimed, comments, budget)
            budget.check()
        files = [p for p in dest_dir.glob("source.*") if p.suffix not in (".part", ".ytdl")]
        if not files:
            raise MediaTooLong(f"the media is larger than the {self._limits.max_bytes // 2**20} MiB limit")
        # The site's words, stored and echoed in every read, event and webhook: cleaned and capped.
        title = clean_remote_text(info.get("title"), catalog.MAX_REMOTE_TITLE_LENGTH)
        return dataclasses.replace(self.checked(files[0], title, reads_video=video), comments=read)

    def _site_comments(
        self, reader: Callable[[], Any] | None, claimed: Any, request: CommentsRequest | None, budget: _Budget
    ) -> SiteComments | None:
        """The comments the plan asked for (None when it asked none), read after the media for at
        most ``comments_seconds``, and a read's timeout before the download's budget runs out (a
        socket the budget cuts would fail the download)."""
        if request is None:
            return None
        deadline = min(time.monotonic() + self._limits.comments_seconds, budget.deadline - self._limits.timeout_seconds)
        read = read_comments(reader, request, deadline)
        if read.site_count is None and isinstance(claimed, int) and not isinstance(claimed, bool) and claimed >= 0:
            read.site_count = claimed
        return read

    def check_size(self, size: int) -> None:
        """``MediaTooLong`` for a file larger than the limit."""
        if size > self._limits.max_bytes:
            raise MediaTooLong(f"the media is larger than the {self._limits.max_bytes // 2**20} MiB limit")

    def checked(self, path: Path, title: str | None, *, reads_video: bool = True) -> DownloadedMedia:
        """``path`` (downloaded, or a client's upload) checked against the limits, with what it
        holds; ``reads_video``: whether the job's stages read its pictures (they are then billed)."""
        size = path.stat().st_size
        self.check_size(size)
        # Decoded, not read from the header: billing and the length limit rest on this number.
        facts = inspect_media(path, stop_after=self._limits.max_seconds, reads_video=reads_video)
        if facts.duration_seconds > self._limits.max_seconds:  # decoding stopped just past the limit
            raise MediaTooLong(
                f"the media is more than {facts.duration_seconds / 60:.1f} minutes long; "
                f"the limit is {self._limits.max_seconds / 60:g} minutes"
            )
        return DownloadedMedia(
            path,
            facts.duration_seconds,
            size,
            title,
            facts.billed_seconds,
            has_audio=facts.has_audio,
            has_video=facts.has_video,
            width=facts.width,
            height=facts.height,
        )

    def _single_video(self, ydl: Any, url: str, budget: _Budget) -> dict[str, Any]:
        """The URL's info, resolved only as far as telling one video from a playlist: with
        ``process=False`` a feed's entries are never fetched, so a 200-item feed costs one request."""
        info: dict[str, Any] | None = ydl.extract_info(url, download=False, process=False)
        for _ in range(_MAX_URL_HOPS):
            if info is None:
                break
            kind = info.get("_type", "video")
            if kind in ("playlist", "multi_video"):
                raise DownloadFailed("the URL is a playlist; submit one video per job")
            if kind == "video":
                return info
            if kind not in ("url", "url_transparent"):
                raise DownloadFailed(f"the URL leads to an unsupported kind of result ({kind})")
            budget.check()
            outer = info
            info = ydl.extract_info(outer["url"], download=False, process=False, ie_key=outer.get("ie_key"))
            if kind == "url_transparent" and info is not None:
                # What the outer extractor knew (title, duration) wins, as in yt-dlp's own handling.
                kept = {"_type", "url", "id", "extractor", "extractor_key", "ie_key", "webpage_url"}
                info = {**info, **{k: v for k, v in outer.items() if v is not None and k not in kept}}
        if info is None:
            raise DownloadFailed("the URL did not lead to any media")
        raise DownloadFailed("the URL redirects through too many pages")

    def _on_progress(self, status: dict[str, Any], budget: _Budget) -> None:
        """yt-dlp calls this after every block it writes: the bytes counted here are the ones
        that arrived, whatever Content-Length claimed (or did not claim, for chunked bodies)."""
        budget.check()
        if (status.get("downloaded_bytes") or 0) > self._limits.max_bytes:
            raise MediaTooLong(f"the media is larger than the {self._limits.max_bytes // 2**20} MiB limit")

    def _check_duration(self, duration: float | None) -> None:
        if duration is not None and duration > self._limits.max_seconds:
            raise MediaTooLong(
                f"the media is {duration / 60:.1f} minutes long; the limit is {self._limits.max_seconds / 60:g} minutes"
            )


def _comment_stream(reader: Callable[[], Any]) -> Iterator[Any]:
    """The comments ``reader`` (an extractor's ``__post_extractor``) would collect, one at a time:
    yt-dlp's ``InfoExtractor.extract_comments`` wraps the extractor's generator of comments in a
    function that drains it whole; the generator is taken from it so that reading stops at the
    count and time allowed. A reader of another shape is called, and its list read."""
    import inspect

    for cell in getattr(reader, "__closure__", None) or ():
        with contextlib.suppress(ValueError):  # an empty cell
            if inspect.isgenerator(cell.cell_contents):
                return cast(Iterator[Any], cell.cell_contents)
    collected = reader()
    listed = collected.get("comments") if isinstance(collected, Mapping) else None
    if listed is None:
        from yt_dlp.extractor.common import InfoExtractor

        raise InfoExtractor.CommentsDisabled
    return iter(listed)


def read_comments(reader: Callable[[], Any] | None, request: CommentsRequest, deadline: float) -> SiteComments:
    """Up to ``request.max_comments`` of the site's comments, read until ``deadline``
    (``time.monotonic``), each cleaned (``site_comment``). Never raises: a site that offers none,
    turned them off, or failed part way gives what was read and a note why."""
    if reader is None:
        return SiteComments(note="the site offers no comments that can be read")
    from yt_dlp.extractor.common import InfoExtractor

    items: list[Any] = []
    try:
        stream = _comment_stream(reader)
        for raw in stream:
            if time.monotonic() >= deadline:
                return _cut(items, f"stopped after {len(items)} comments: the time allowed for reading them ran out")
            comment = site_comment(raw) if isinstance(raw, Mapping) else None
            if comment is not None:
                items.append(comment)
            if len(items) >= request.max_comments:
                more = next(itertools.islice(stream, 1), None) is not None
                note = f"read the first {len(items)} comments (max_comments); the site has more" if more else None
                return SiteComments(items=items, offered=True, complete=not more, note=note)
    except InfoExtractor.CommentsDisabled:
        return SiteComments(note="comments are turned off for this media on its site")
    except Exception as exc:  # the site's fault, never the job's: what was read is kept
        return _cut(items, f"the site stopped answering after {len(items)} comments: {_clean(str(exc))[:200]}")
    return SiteComments(items=items, offered=True)


def _cut(items: list[Any], note: str) -> SiteComments:
    return SiteComments(items=items, offered=True, complete=False, note=clean_remote_text(note, 500))


@dataclass(frozen=True)
class MediaFacts:
    duration_seconds: float  # the longest track the job reads
    # What the job is billed for: the longest track the job reads, its pictures' span weighted by
    # their pixel rate (REFERENCE_PIXEL_RATE) where that is above 1080p30.
    billed_seconds: float
    has_audio: bool
    has_video: bool
    width: int | None = None
    height: int | None = None


def inspect_media(path: Path, *, stop_after: float | None = None, reads_video: bool = True) -> MediaFacts:
    """What ``path`` holds, and how long it is as the work on it will be: the longest track the
    job reads (``reads_video``: its pictures too). Sound is timed by its decoded samples (samples
    over sample rate) and pictures by the span of their frames' timestamps, each frame counted at
    no less than 1/MAX_TIMESTAMP_FPS s; a header's Duration is what the file claims, and a file can
    claim anything. The pictures bill their span times their pixel rate (size x frames over the
    span) over REFERENCE_PIXEL_RATE, when that is more: decoding them costs that much more.
    Pictures the stages could not afford (above MAX_SOURCE_PIXELS, beyond MAX_ASPECT, frames
    stamped denser than MAX_TIMESTAMP_FPS) are refused. Decoding stops once past ``stop_after``,
    enough to know the media is too long. Media without audio yields an empty transcript, not a
    failure. ``MediaUnsupported`` if it has neither track."""
    import av  # deferred with yt-dlp: only the ingestion path decodes media

    try:
        with av.open(str(path)) as container:
            video = container.streams.video[0] if container.streams.video else None
            size = (video.codec_context.width or None, video.codec_context.height or None) if video else (None, None)
            sound = container.streams.audio[0] if container.streams.audio else None
            if video is None and sound is None:
                raise MediaUnsupported("the media has neither an audio nor a video track")
            pictures = video if video is not None and (reads_video or sound is None) else None
            if pictures is not None:
                _check_picture(*size)
            audio, frames = _track_seconds(container, sound, pictures, stop_after)
            if audio is not None and audio <= 0:
                raise MediaUnsupported("the media's audio track holds no sound to transcribe")
            seen = frames.seconds() if pictures is not None else None
            if seen is not None and seen <= 0:
                raise MediaUnsupported("the media's video track holds no frames")
    except av.FFmpegError as exc:
        raise MediaUnsupported("the downloaded file is not a media format we can decode") from exc
    billed_pictures = frames.billed_seconds(*size) if seen is not None else 0.0
    seconds = max(audio or 0.0, seen or 0.0)
    return MediaFacts(seconds, max(audio or 0.0, billed_pictures), audio is not None, video is not None, *size)


def _check_picture(width: int | None, height: int | None) -> None:
    if not width or not height:
        raise MediaUnsupported("the media's video track does not say its picture size")
    if width * height > MAX_SOURCE_PIXELS or max(width, height) > MAX_ASPECT * min(width, height):
        raise MediaUnsupported(
            f"the media's pictures are {width}x{height}: pictures above {MAX_SOURCE_PIXELS / 1e6:.1f} MP "
            f"or more than {MAX_ASPECT:g} times wider than tall (or taller than wide) are not supported"
        )


def _track_seconds(
    container: Any, sound: Any, pictures: Any, stop_after: float | None
) -> tuple[float | None, _FrameSpan]:
    """The decoded sound's seconds (None when not asked for) and the pictures' frames, in one pass
    over the file's packets."""
    streams = [s for s in (sound, pictures) if s is not None]
    samples = 0.0
    frames = _FrameSpan()
    for packet in container.demux(*streams):
        if sound is not None and packet.stream is sound:
            samples += sum(f.samples / f.sample_rate for f in packet.decode() if f.sample_rate)
        elif packet.pts is not None and packet.time_base is not None and packet.size:
            frames.add(packet)
        if stop_after is not None and max(samples, frames.end) > stop_after:
            break
    return (samples if sound is not None else None), frames


class _FrameSpan:
    """The span of a video track's frame timestamps, counted packet by packet."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.last = 0.0  # when the last frame starts
        self.end = 0.0
        self.frames = 0

    def add(self, packet: Any) -> None:
        start = float(packet.pts * packet.time_base)
        self.first = start if self.first is None else min(self.first, start)
        self.last = max(self.last, start)
        self.end = max(self.end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
        self.frames += 1

    def seconds(self) -> float:
        """The span's end; ``MediaUnsupported`` when the frames are stamped denser than
        MAX_TIMESTAMP_FPS (the span would then bill less than the frames cost to see)."""
        span = self.end - (self.first or 0.0)
        if self.frames > 1 and self.frames > MAX_TIMESTAMP_FPS * max(span, 1 / MAX_TIMESTAMP_FPS):
            raise MediaUnsupported(
                f"the media's {self.frames} frames are stamped within {span:.3f} s: "
                f"more than {MAX_TIMESTAMP_FPS:g} frames a second are not supported"
            )
        return self.end

    def billed_seconds(self, width: int | None, height: int | None) -> float:
        """The span's end times the pictures' pixel rate over REFERENCE_PIXEL_RATE, when that is
        more than 1: their size times their frame rate, the frames' intervals over the time from
        the first frame's start to the last's (a file need not say how long its last frame lasts)."""
        between = self.last - (self.first or 0.0)
        rate = (width or 0) * (height or 0) * (self.frames - 1) / between if between > 0 else 0.0
        return self.end * max(1.0, rate / REFERENCE_PIXEL_RATE)
