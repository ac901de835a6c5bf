"""preview on the whole local stack (real ASL, yt-dlp download, the vision worker in its own
process): the clip, the sprite sheet and the WebVTT track fetched through their presigned links,
the track read by an independent parser (webvtt-py), every cue inside the media and every region
inside the sheet, the clip 5-10 s long (shorter only with the media) at the preview's size."""

from __future__ import annotations

import itertools
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import webvtt
from werkzeug.test import Client

from infra.local.serve import SAMPLE_DIR
from tests.integration.conftest import TenantHandle, run_to_end
from tests.support.media import remux
from tests.support.media_server import MediaServer, serving
from tests.support.vision_media import make_video
from vidscope.capabilities.preview import PREVIEW_SIDE

_REGION = re.compile(r"^sprite\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)$")


@pytest.fixture(scope="module")
def reel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaServer]:
    root = tmp_path_factory.mktemp("reel")
    long = make_video(root / "pictures.mp4", seconds=14.0)
    remux(root / "reel.mp4", video=long.path, audio=SAMPLE_DIR / "speech.mp4")
    make_video(root / "short.mp4", seconds=3.0, shot_seconds=(1.0, 1.5), width=320, height=180)
    with serving(root) as server:
        yield server


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the local S3's presigned URL
        body: bytes = response.read()
    return body


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _check_storyboard(result: dict[str, object], duration: float) -> list[tuple[float, float]]:
    """The sheet decodes, the track parses, each cue lies inside the media and names a region
    inside the sheet; returns the cues' spans."""
    sheet = cv2.imdecode(np.frombuffer(_fetch(str(result["storyboard_url"])), np.uint8), cv2.IMREAD_COLOR)
    assert sheet is not None and sheet.mean() > 20
    height, width = sheet.shape[:2]
    track = webvtt.from_string(_fetch(str(result["storyboard_vtt_url"])).decode("utf-8"), strict=True)
    spans = []
    for cue in track.captions:
        start, end = _seconds(cue.start), _seconds(cue.end)
        assert 0 <= start < end <= duration + 0.001, (cue.start, cue.end, duration)
        region = _REGION.match(cue.text)
        assert region, cue.text
        x, y, w, h = (int(v) for v in region.groups())
        assert w > 0 and h > 0 and x + w <= width and y + h <= height, (cue.text, sheet.shape)
        assert sheet[y : y + h, x : x + w].std() > 5  # a picture, not an empty slot of the sheet
        spans.append((start, end))
    assert spans and spans[0][0] == 0 and spans[-1][1] == pytest.approx(duration, abs=0.01)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))  # back to back
    return spans


def _clip_facts(data: bytes, tmp: Path) -> tuple[float, int, int, bool]:
    path = tmp / "preview.mp4"
    path.write_bytes(data)
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video))
        duration = float(video.duration * video.time_base) if video.duration and video.time_base else 0.0
        assert frames >= duration * 20  # a moving picture, not a few stills
        return duration, video.codec_context.width, video.codec_context.height, bool(container.streams.audio)


def test_a_preview_clip_and_a_storyboard_players_can_use(
    pipeline_api: Client, pipeline_tenant: TenantHandle, reel: MediaServer, tmp_path: Path
) -> None:
    job = run_to_end(
        pipeline_api, pipeline_tenant, reel.url("reel.mp4"), ["preview"], options={"preview": {"seconds": 7}}
    )
    assert job["status"] == "completed", job.get("error")
    assert not job.get("capability_errors")
    result, duration = job["results"]["preview"], job["media"]["duration_seconds"]
    assert result["expires_at"] and result["storyboard_tiles"] >= 5
    spans = _check_storyboard(result, duration)
    assert len(spans) == result["storyboard_tiles"]

    seconds, width, height, has_sound = _clip_facts(_fetch(result["preview_url"]), tmp_path)
    assert 6.8 <= seconds <= 7.2 and result["duration_seconds"] == pytest.approx(seconds, abs=0.1)
    assert max(width, height) <= PREVIEW_SIDE and has_sound
    # Several moments of the video, in order, apart, each inside the media.
    moments = result["moments"]
    assert len(moments) > 1 and all(0 <= m["start"] < m["end"] <= duration for m in moments)
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(moments))

    # The links are minted again on every read, with when they expire.
    again = pipeline_api.get(f"/v1/jobs/{job['job_id']}/results/preview", headers=pipeline_tenant.headers)
    assert again.status_code == 200
    assert again.json["data"]["results"]["preview"]["preview_url"].startswith("http")


def test_media_shorter_than_a_preview_is_previewed_whole(
    pipeline_api: Client, pipeline_tenant: TenantHandle, reel: MediaServer, tmp_path: Path
) -> None:
    job = run_to_end(pipeline_api, pipeline_tenant, reel.url("short.mp4"), ["preview"])
    assert job["status"] == "completed", job.get("error")
    result, duration = job["results"]["preview"], job["media"]["duration_seconds"]
    assert duration < 5
    seconds, _, _, has_sound = _clip_facts(_fetch(result["preview_url"]), tmp_path)
    assert seconds == pytest.approx(duration, abs=0.1) and not has_sound
    _check_storyboard(result, duration)
