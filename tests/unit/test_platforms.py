from __future__ import annotations

import pytest

from vidscope.models import Platform
from vidscope.platforms import detect_platform


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://www.youtube.com/watch?v=abc", Platform.YOUTUBE),
        ("https://youtu.be/abc", Platform.YOUTUBE),
        ("https://m.youtube.com/shorts/abc", Platform.YOUTUBE),
        ("https://vimeo.com/123", Platform.VIMEO),
        ("https://www.tiktok.com/@a/video/1", Platform.TIKTOK),
        ("https://x.com/a/status/1", Platform.X),
        ("https://twitter.com/a/status/1", Platform.X),
        ("https://www.instagram.com/reel/abc/", Platform.INSTAGRAM),
        ("https://www.twitch.tv/videos/1", Platform.TWITCH),
        ("https://cdn.example.com/talk.MP4?sig=1", Platform.DIRECT),
        ("http://127.0.0.1:8000/clip.webm", Platform.DIRECT),
        ("https://example.com/page", Platform.OTHER),
        ("https://notyoutube.com/watch", Platform.OTHER),
    ],
)
def test_platform_is_detected_from_the_url(url: str, platform: Platform) -> None:
    assert detect_platform(url) == platform
