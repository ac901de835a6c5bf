"""A local talk site with comments, served as static files (``media_server.serving``) and read by
the test-only yt-dlp extractor plugin in ``tests/support/ytdlp_plugins`` (``talk_site_plugin``
loads it into this process's yt-dlp, as ``--plugin-dirs`` would)."""

from __future__ import annotations

import importlib
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PLUGIN_DIR = Path(__file__).resolve().parent / "ytdlp_plugins"
PAGE_SIZE = 40


def comment(number: int, *, parent: int | None = None, text: str | None = None) -> dict[str, Any]:
    """A comment as a site's extractor hands it to yt-dlp."""
    return {
        "id": f"c{number}",
        "parent": f"c{parent}" if parent is not None else "root",
        "text": text if text is not None else f"comment number {number}",
        "author": f"viewer {number % 7}",
        "like_count": number % 11,
        "timestamp": 1_760_000_000 + number * 60,
    }


def write_talk(
    root: Path, talk_id: str, media: Path, *, comments: list[dict[str, Any]] | None, title: str = "A talk"
) -> str:
    """The talk's files under ``root/talks/<talk_id>/``: the media, its info and its comments in
    pages of PAGE_SIZE (``comments`` None: turned off); returns its page's path."""
    folder = root / "talks" / talk_id
    (folder / "comments").mkdir(parents=True)
    shutil.copy(media, folder / "media.mp4")
    info = {"title": title, "duration": 22, "media": "media.mp4", "comments": comments is not None}
    if comments is not None:
        info["comment_count"] = len(comments)
        pages = [comments[i : i + PAGE_SIZE] for i in range(0, len(comments), PAGE_SIZE)] or [[]]
        for number, page in enumerate(pages, start=1):
            after = number + 1 if number < len(pages) else None
            (folder / "comments" / f"{number}.json").write_text(json.dumps({"comments": page, "next": after}))
    (folder / "info.json").write_text(json.dumps(info))
    return f"talks/{talk_id}"


@contextmanager
def talk_site_plugin() -> Iterator[None]:
    """The plugin loaded into yt-dlp (its extractors first) for the block's duration."""
    from yt_dlp import globals as ytdlp_globals
    from yt_dlp import plugins
    from yt_dlp.extractor import gen_extractor_classes

    gen_extractor_classes()  # the built-in extractors first, so the plugin is put before them
    saved_dirs, saved_extractors = ytdlp_globals.plugin_dirs.value, dict(ytdlp_globals.extractors.value)
    ytdlp_globals.plugin_dirs.value = [str(PLUGIN_DIR)]
    importlib.invalidate_caches()
    try:
        loaded = plugins.load_plugins(ytdlp_globals.plugin_specs.value["extractor"])
        assert "VidscopeTalkSiteIE" in loaded, loaded
        ytdlp_globals.all_plugins_loaded.value = True
        yield
    finally:
        ytdlp_globals.plugin_dirs.value = saved_dirs
        ytdlp_globals.extractors.value = saved_extractors
        ytdlp_globals.plugin_ies.value = {}
        importlib.invalidate_caches()
