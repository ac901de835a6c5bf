"""Media out on the whole local stack: the download link (mp4 or m4a, a fresh URL on every read)
and shorts picked from a spoken multi-topic script and rendered as clips."""

from __future__ import annotations

import itertools
import math
import time
import urllib.request
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from werkzeug.test import Client

from infra.local.serve import SAMPLE_DIR
from tests.integration.conftest import TenantHandle, run_to_end
from tests.support.media import noise_mp4, speech_mp4
from tests.support.media_server import MediaServer, serving
from vidscope import catalog, dependencies
from vidscope.adapters.media_store import staged_transcript_key
from vidscope.pipeline.ingestion import inspect_media

# Three topics, three sentences each, two opening with a question: under a minute of speech (the
# tests' media limit).
SCRIPT = """Have you ever wondered why running shoes wear out so fast?
Running shoes lose their cushioning after about five hundred kilometres.
So replace your running shoes before your knees start to complain.
Baking bread at home needs only flour, water, salt and yeast.
The dough for bread should rest for one hour in a warm kitchen.
A hot oven gives the bread a crisp and golden crust.
What makes a garden grow well on a small balcony?
A balcony garden needs pots with good drainage and rich soil.
Tomatoes and herbs grow well in a sunny balcony garden."""

# Eight seconds of lossless noise: about 42 MiB, more than a minute of 720p video holds.
NOISE_FRAMES = 240


@pytest.fixture(scope="module")
def talks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaServer]:
    root = tmp_path_factory.mktemp("talks")
    speech_mp4(SCRIPT, root / "topics.mp4")
    (root / "speech.mp4").write_bytes((SAMPLE_DIR / "speech.mp4").read_bytes())
    noise_mp4(NOISE_FRAMES, root / "noise.mp4")
    _uhd_240(root / "uhd.mp4")
    _vp8_opus(root / "old.webm")
    with serving(root) as server:
        yield server


def _uhd_240(path: Path, *, frames: int = 480) -> None:
    """``frames`` 3840x2160 pictures at 240 fps (2 s: 32 times 1080p30's pixels a second), each the
    same encoded keyframe (small: ~12 MB), no sound."""
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=240, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 3840, 2160, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 240)
        picture = av.VideoFrame.from_ndarray(np.full((2160, 3840, 3), 90, np.uint8), format="rgb24")
        picture.pts, picture.time_base = 0, Fraction(1, 240)
        keyframe = bytes(next(p for p in [*stream.encode(picture), *stream.encode(None)] if p.is_keyframe))
        for index in range(frames):
            packet = av.Packet(keyframe)
            packet.pts = packet.dts = index
            packet.duration, packet.time_base, packet.is_keyframe, packet.stream = 1, Fraction(1, 240), True, stream
            container.mux(packet)


def _vp8_opus(path: Path, *, seconds: int = 2) -> None:
    """``seconds`` of 160x90 VP8 pictures (no mp4 muxer carries VP8) and Opus sound, in WebM."""
    with av.open(str(path), "w", format="webm") as container:
        video = container.add_stream("libvpx", rate=25)
        video.width, video.height, video.pix_fmt = 160, 90, "yuv420p"
        sound = container.add_stream("libopus", rate=48_000)
        sound.layout = "mono"
        for index in range(25 * seconds):
            frame = av.VideoFrame.from_ndarray(np.full((90, 160, 3), index * 5, np.uint8), format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 25)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        for at in range(0, 48_000 * seconds, 960):
            tone = (np.sin(np.arange(at, at + 960) * 2 * np.pi * 440 / 48_000) * 0.3).astype(np.float32)
            chunk = av.AudioFrame.from_ndarray(tone[None, :], format="flt", layout="mono")
            chunk.sample_rate, chunk.pts = 48_000, at
            container.mux(sound.encode(chunk))
        container.mux(sound.encode(None))


def _run(api: Client, tenant: TenantHandle, url: str, capabilities: list[str], **body: Any) -> dict[str, Any]:
    job = run_to_end(api, tenant, url, capabilities, 240, **body)
    assert job["status"] == "completed", job.get("error")
    assert not job.get("capability_errors"), job["capability_errors"]
    return job


def _fetch(url: str, path: Path) -> Path:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the local S3's presigned URL
        path.write_bytes(response.read())
    return path


def _download(api: Client, tenant: TenantHandle, job_id: str) -> dict[str, Any]:
    """The job's download result as a GET shows it now."""
    response = api.get(f"/v1/jobs/{job_id}", headers=tenant.headers)
    assert response.status_code == 200, response.json
    return dict(response.json["data"]["results"]["download"])


def _streams(path: Path) -> tuple[float, dict[str, Any]]:
    """The sound's decoded length (what ingestion measured the media by) and the streams."""
    with av.open(str(path)) as container:
        streams: dict[str, Any] = {s.type: s for s in container.streams}
        audio = container.streams.audio[0]
        seconds = sum(frame.samples for frame in container.decode(audio)) / audio.rate
        return seconds, streams


def test_download_links_repackage_the_media_and_are_fresh_on_every_read(
    pipeline_api: Client, pipeline_tenant: TenantHandle, talks: MediaServer, tmp_path: Path
) -> None:
    url = talks.url("speech.mp4")
    video = _run(pipeline_api, pipeline_tenant, url, ["download"])
    got = video["results"]["download"]
    assert got["format"] == "mp4" and got["expires_at"] and got["size_bytes"] > 0
    fetched = _fetch(got["download_url"], tmp_path / "media.mp4")
    _, streams = _streams(fetched)
    # The job read the pictures (an mp4 holds them): its billed duration is the longer track's.
    assert inspect_media(fetched).duration_seconds == pytest.approx(video["media"]["duration_seconds"], abs=0.1)
    assert {"video", "audio"} <= set(streams)
    # Minted on each read: a signature names its expiry to the second, so a read within the second
    # the first link was minted in may give that link again, but a read in a later second must not.
    deadline = time.monotonic() + 5
    while (again := _download(pipeline_api, pipeline_tenant, video["job_id"]))["download_url"] == got["download_url"]:
        assert time.monotonic() < deadline, "every read gave the first link: links are not minted on each read"
        time.sleep(0.05)
    assert again["expires_at"] > got["expires_at"]

    sound = _run(pipeline_api, pipeline_tenant, url, ["download"], options={"download": {"format": "m4a"}})
    got = sound["results"]["download"]
    seconds, streams = _streams(_fetch(got["download_url"], tmp_path / "media.m4a"))
    assert got["format"] == "m4a" and set(streams) == {"audio"}
    assert seconds == pytest.approx(sound["media"]["duration_seconds"], abs=0.1)


def test_shorts_are_whole_sentences_inside_the_media_and_render_at_the_asked_aspect(
    pipeline_api: Client, pipeline_tenant: TenantHandle, talks: MediaServer, tmp_path: Path
) -> None:
    options = {"shorts": {"count": 3, "min_seconds": 8, "max_seconds": 20, "aspect": "9:16"}}
    job = _run(pipeline_api, pipeline_tenant, talks.url("topics.mp4"), ["transcription", "shorts"], options=options)
    shorts = job["results"]["shorts"]
    duration = job["media"]["duration_seconds"]
    assert 1 <= len(shorts) <= 3
    staged = dependencies.media_store().get_json(staged_transcript_key(pipeline_tenant.tenant_id, job["job_id"]))
    words = [(w["start"], w["end"]) for s in staged["segments"] for w in s.get("words") or []]
    assert words, "the worker staged word timestamps"
    for a, b in itertools.pairwise(shorts):
        assert a["end"] <= b["start"], "shorts never overlap"
    for short in shorts:
        assert 0 <= short["start"] < short["end"] <= duration
        assert 8 - 0.01 <= short["end"] - short["start"] <= 20 + 0.01
        assert short["reason"] and short["title"] and 0 <= short["score"] <= 1
        # Boundaries on words: the start where a word starts, the end where one ends (the
        # transcript's segments bound the words; a span never starts or ends mid-segment-word).
        assert any(abs(short["start"] - s) < 0.02 for s, _ in words) and any(
            abs(short["end"] - e) < 0.02 for _, e in words
        )
        seconds, streams = _streams(_fetch(short["clip_url"], tmp_path / f"{short['id']}.mp4"))
        assert seconds == pytest.approx(short["end"] - short["start"], abs=0.1)
        video = streams["video"]
        assert video.codec_context.name == "h264" and streams["audio"].codec_context.name == "aac"
        assert video.codec_context.width / video.codec_context.height == pytest.approx(9 / 16, abs=0.02)


def test_a_download_of_a_dense_file_is_priced_by_its_size_when_that_is_more_than_its_minutes(
    pipeline_api: Client, pipeline_tenant: TenantHandle, talks: MediaServer
) -> None:
    # Issue 23: 150 frames with a second of sound stored 64 MB for the 1 credit of one minute.
    job = _run(pipeline_api, pipeline_tenant, talks.url("noise.mp4"), ["download"])
    size = job["results"]["download"]["size_bytes"]
    assert size > 32 * 2**20 and job["media"]["duration_seconds"] < 60
    assert job["cost_breakdown"] == {"download": math.ceil(size / (32 * 2**20))}
    assert job["credits_charged"] == job["cost_breakdown"]["download"] > catalog.credits_for(["download"], 8)


def test_pictures_denser_than_1080p30_are_billed_by_their_pixel_rate(
    pipeline_api: Client, pipeline_tenant: TenantHandle, talks: MediaServer
) -> None:
    # Given 2 s of 4K at 240 fps: 32 times the pixels a second of 1080p30
    job = _run(pipeline_api, pipeline_tenant, talks.url("uhd.mp4"), ["download"])
    # Then the client sees its real length and the length it is billed for, 32 times it
    assert job["media"]["duration_seconds"] == pytest.approx(2.0, abs=0.01)
    assert job["media"]["billed_seconds"] == pytest.approx(64.0, abs=0.1)
    # And is held and charged two started minutes, not one
    assert job["cost_breakdown"] == {"download": catalog.credits_for(["download"], 64.0)} == {"download": 2}
    assert job["credits_charged"] == 2


def test_a_download_in_a_codec_mp4_does_not_carry_fails_alone_and_uncharged(
    pipeline_api: Client, pipeline_tenant: TenantHandle, talks: MediaServer, tmp_path: Path
) -> None:
    # Given WebM with VP8 pictures, which an mp4 cannot hold as they are (and a download never re-encodes)
    url = talks.url("old.webm")
    job = run_to_end(pipeline_api, pipeline_tenant, url, ["download"], 240)
    # Then the download fails alone, with a code that says why, and is not charged
    assert job["status"] == "completed", job.get("error")
    assert [(e["capability"], e["code"]) for e in job["capability_errors"]] == [
        ("download", "DOWNLOAD_FORMAT_UNSUPPORTED")
    ]
    assert "vp8" in job["capability_errors"][0]["message"]
    assert "download" not in job["cost_breakdown"]
    # While its sound alone (Opus, which an m4a file holds) downloads as it is
    sound = _run(pipeline_api, pipeline_tenant, url, ["download"], options={"download": {"format": "m4a"}})
    _, streams = _streams(_fetch(sound["results"]["download"]["download_url"], tmp_path / "media.m4a"))
    assert set(streams) == {"audio"} and streams["audio"].codec_context.codec.canonical_name == "opus"
