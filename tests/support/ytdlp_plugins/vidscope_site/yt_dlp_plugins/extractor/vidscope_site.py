"""A test-only yt-dlp extractor plugin (yt-dlp's own plugin mechanism: a ``yt_dlp_plugins.extractor``
namespace package in a plugin directory) for the local talk site ``tests.support.comment_site``
serves on 127.0.0.1: a talk's page URL, its ``info.json`` (title, duration, media file, whether
comments are on) and its comments in pages (``comments/<n>.json`` with the next page's number).
Real yt-dlp, real HTTP, no site on the internet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from yt_dlp.extractor.common import InfoExtractor


class VidscopeTalkSiteIE(InfoExtractor):  # type: ignore[misc]  # yt-dlp ships no types
    IE_NAME = "vidscope:talk-site"
    _VALID_URL = r"https?://127\.0\.0\.1:\d+/talks/(?P<id>[\w-]+)/?$"

    def _real_extract(self, url: str) -> dict[str, Any]:
        talk_id = self._match_id(url)
        base = url.rstrip("/") + "/"
        info = self._download_json(urljoin(base, "info.json"), talk_id, note="Downloading the talk")
        return {
            "id": talk_id,
            "title": info["title"],
            "duration": info.get("duration"),
            "url": urljoin(base, info["media"]),
            "ext": "mp4",
            "comment_count": info.get("comment_count"),
            "__post_extractor": self.extract_comments(base, talk_id, bool(info.get("comments"))),
        }

    def _get_comments(self, base: str, talk_id: str, enabled: bool) -> Iterator[dict[str, Any]]:
        if not enabled:
            raise self.CommentsDisabled
        page: int | None = 1
        while page:
            data = self._download_json(urljoin(base, f"comments/{page}.json"), talk_id, note=f"Comments page {page}")
            yield from data["comments"]
            page = data.get("next")
