"""Which platform a URL belongs to, from its host (and, for direct files, its path)."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

from vidscope.models import Platform

_HOSTS: dict[str, Platform] = {
    "youtube.com": Platform.YOUTUBE,
    "youtu.be": Platform.YOUTUBE,
    "youtube-nocookie.com": Platform.YOUTUBE,
    "vimeo.com": Platform.VIMEO,
    "tiktok.com": Platform.TIKTOK,
    "x.com": Platform.X,
    "twitter.com": Platform.X,
    "instagram.com": Platform.INSTAGRAM,
    "twitch.tv": Platform.TWITCH,
}
_MEDIA_SUFFIXES = frozenset(
    {
        ".mp4",
        ".m4v",
        ".mov",
        ".mkv",
        ".webm",
        ".avi",
        ".mp3",
        ".m4a",
        ".wav",
        ".flac",
        ".ogg",
        ".opus",
        ".aac",
        ".m3u8",
        ".mpd",
        ".ts",
    }
)


def detect_platform(url: str) -> Platform:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    for domain, platform in _HOSTS.items():
        if host == domain or host.endswith("." + domain):
            return platform
    if PurePosixPath(parts.path).suffix.lower() in _MEDIA_SUFFIXES:
        return Platform.DIRECT
    return Platform.OTHER
