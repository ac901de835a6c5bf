"""Ingestion measures instead of trusting: the decoded duration, the bytes that arrived, the
wall-clock time spent; it starts no program and resolves no playlist entry. Every server is on
the loopback; 127.0.0.2 stands in for an internal host."""

from __future__ import annotations

import ipaddress
import os
import shutil
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import av
import pytest
from werkzeug.test import Client

from tests.integration.conftest import FIXTURES, TenantHandle, create, job_body
from tests.support.media import lying_mkv
from tests.support.media_server import MediaServer, serving
from vidscope import catalog, ssrf
from vidscope.pipeline.errors import DownloadFailed, MediaTooLong
from vidscope.pipeline.ingestion import Downloader, Limits, inspect_media
from vidscope.pipeline.transcription import decode_audio
from vidscope.ssrf import UrlGuard

SPEECH_BYTES = (FIXTURES / "speech.mp4").stat().st_size
FEED_ITEMS = 200


def _feed(base_url: str) -> str:
    items = "".join(
        f"<item><title>Episode {i}</title><link>{base_url}/items/{i}.mp4</link>"
        f'<enclosure url="{base_url}/items/{i}.mp4" type="video/mp4" length="1000"/></item>'
        for i in range(FEED_ITEMS)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>{items}</channel></rss>'


@pytest.fixture(scope="module")
def internal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaServer]:
    """The stand-in internal host: nothing ingestion does may ever reach it."""
    root = tmp_path_factory.mktemp("internal")
    (root / "key").write_bytes(b"0123456789abcdef")
    with serving(root, host="127.0.0.2") as server:
        yield server


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory, internal: MediaServer) -> Iterator[MediaServer]:
    root = tmp_path_factory.mktemp("ingestion-media")
    shutil.copy(FIXTURES / "speech.mp4", root / "speech.mp4")
    lying_mkv(90.9, 1, root / "lying.mkv")
    (root / "segment0.ts").write_bytes(b"\x47" * 188 * 10)
    # The three kinds of HLS stream this yt-dlp hands to the ffmpeg binary (downloader/hls.py,
    # downloader/__init__.py), each reaching for the internal host as issue 17 found.
    header = "#EXTM3U\n#EXT-X-VERSION:5\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
    # A method other than NONE or AES-128 is an "unsupported feature" for the native downloader.
    (root / "sample-aes.m3u8").write_text(
        f'{header}#EXT-X-KEY:METHOD=SAMPLE-AES,URI="{internal.url("key")}",KEYFORMAT="identity"\n'
        "#EXTINF:10.0,\nsegment0.ts\n#EXT-X-ENDLIST\n"
    )
    # AES-128 goes to ffmpeg whenever ffmpeg is found and pycryptodomex is not installed.
    (root / "aes-128.m3u8").write_text(
        f'{header}#EXT-X-KEY:METHOD=AES-128,URI="{internal.url("key")}"\n#EXTINF:10.0,\nsegment0.ts\n#EXT-X-ENDLIST\n'
    )
    # No #EXT-X-ENDLIST: the generic extractor calls it live, and a live stream always goes to
    # ffmpeg, even with the native downloader asked for. Its segment is the metadata service.
    (root / "live.m3u8").write_text(
        f"{header}#EXTINF:10.0,\n{internal.url('latest/meta-data/iam/security-credentials/')}\n"
    )
    with serving(root) as server:
        (root / "feed.rss").write_text(_feed(server.base_url))
        yield server


def _downloader(*, max_seconds: int = 60, max_bytes: int = 10 * SPEECH_BYTES, budget: float = 60) -> Downloader:
    return Downloader(
        UrlGuard(allow_loopback=True),
        Limits(max_seconds=max_seconds, max_bytes=max_bytes, timeout_seconds=5, budget_seconds=budget),
    )


# --- measured, not declared ------------------------------------------------------------------


def test_the_duration_is_counted_by_decoding_not_read_from_the_header(tmp_path: Path) -> None:
    lying_mkv(90.9, 1, tmp_path / "lying.mkv")
    with av.open(str(tmp_path / "lying.mkv")) as container:
        assert container.duration == 1_000_000  # what the file claims: one second
    assert inspect_media(tmp_path / "lying.mkv").duration_seconds == pytest.approx(90.9, abs=0.1)


def test_media_whose_header_understates_its_length_is_refused_as_too_long(media: MediaServer, tmp_path: Path) -> None:
    with pytest.raises(MediaTooLong, match=r"more than 1\.0 minutes long; the limit is 1 minutes"):
        _downloader(max_seconds=60).download(media.url("lying.mkv"), tmp_path)


def test_the_charge_rests_on_the_decoded_duration(media: MediaServer, tmp_path: Path) -> None:
    downloaded = _downloader(max_seconds=120).download(media.url("lying.mkv"), tmp_path)
    assert downloaded.duration_seconds == pytest.approx(90.9, abs=0.1)
    # Two started minutes of transcription at 2 credits, not the one minute the header claims.
    assert catalog.credits_for(["transcription"], downloaded.duration_seconds) == 4


def test_a_chunked_body_past_the_byte_limit_is_stopped_while_downloading(media: MediaServer, tmp_path: Path) -> None:
    with pytest.raises(MediaTooLong, match="larger than"):
        _downloader(max_bytes=50_000).download(media.url("chunked/speech.mp4"), tmp_path)


def test_a_trickling_server_is_cut_off_at_the_overall_budget(media: MediaServer, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(DownloadFailed, match="longer than the 2-second limit"):
        _downloader(budget=2).download(media.url("trickle/speech.mp4"), tmp_path)
    # Every read got a byte within the 5-s read timeout: only the overall budget stopped it.
    assert time.monotonic() - started < 5


# --- egress that no library can bypass --------------------------------------------------------


# A stand-in for the ffmpeg binary a Lambda image may carry. Asked for its version (yt-dlp runs
# `ffmpeg -bsfs` and `ffprobe -bsfs` to decide ffmpeg is there) it answers like ffmpeg 7.1; asked
# to download (`-i URL`), it fetches what the real one would, with its own sockets, out of reach
# of this process's connection guard: the manifest, the keys it names, its segments.
_STAND_IN_FFMPEG = r"""
import re, sys, urllib.parse, urllib.request
if "-i" not in sys.argv:
    print(sys.argv[0].rsplit("/", 1)[-1] + " version 7.1 Copyright (c) 2000-2024 the FFmpeg developers")
    print("Bitstream filters:")
    print("aac_adtstoasc")
    sys.exit(0)
manifest_url = sys.argv[sys.argv.index("-i") + 1]
with open(sys.argv[0] + ".downloads", "a") as log:
    log.write(manifest_url + "\n")
manifest = urllib.request.urlopen(manifest_url, timeout=5).read().decode()
keys = re.findall(r'URI="([^"]+)"', manifest)
segments = [line for line in manifest.splitlines() if line.strip() and not line.startswith("#")]
for url in keys + segments:
    try:
        urllib.request.urlopen(urllib.parse.urljoin(manifest_url, url), timeout=5).read()
    except OSError:
        pass
sys.exit(1)  # no output file: yt-dlp reports a failed download
"""


@pytest.fixture
def ffmpeg_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Puts the stand-in ffmpeg and ffprobe first on PATH; returns the log of the downloads the
    stand-in ffmpeg was asked for (absent while it was never asked)."""
    from yt_dlp.postprocessor.ffmpeg import FFmpegPostProcessor

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("ffmpeg", "ffprobe"):
        path = bin_dir / name
        path.write_text(f"#!{sys.executable}\n{_STAND_IN_FFMPEG}")
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    # yt-dlp caches, per process, what it found when it last looked for "ffmpeg": an earlier
    # test that looked without the stand-in on PATH would hide it from this one.
    monkeypatch.setattr(FFmpegPostProcessor, "_version_cache", {None: None})
    monkeypatch.setattr(FFmpegPostProcessor, "_features_cache", {})
    return bin_dir / "ffmpeg.downloads"


@pytest.fixture
def internal_is_forbidden(monkeypatch: pytest.MonkeyPatch, internal: MediaServer) -> None:
    """The connection guard judges 127.0.0.2 as what it stands for, an internal address: these
    tests allow loopback for the media server on 127.0.0.1, which would let it through."""
    internal_ip = ipaddress.ip_address(urlsplit(internal.base_url).hostname or "")
    judge = ssrf._is_forbidden

    def forbidding_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool) -> bool:
        return address == internal_ip or judge(address, allow_loopback)

    monkeypatch.setattr(ssrf, "_is_forbidden", forbidding_internal)


@pytest.mark.usefixtures("internal_is_forbidden")
@pytest.mark.parametrize("manifest", ["sample-aes.m3u8", "aes-128.m3u8", "live.m3u8"])
def test_an_hls_stream_yt_dlp_would_hand_to_ffmpeg_is_refused_without_any_request_to_the_internal_host(
    media: MediaServer, internal: MediaServer, ffmpeg_on_path: Path, tmp_path: Path, manifest: str
) -> None:
    """Issue 17: an encrypted (SAMPLE-AES, or AES-128 without pycryptodomex) or live HLS stream
    made yt-dlp start ffmpeg, whose requests the in-process guard never sees."""
    before = len(internal.traffic.requests)
    with pytest.raises(DownloadFailed):
        _downloader().download(media.url(manifest), tmp_path)
    assert internal.traffic.requests[before:] == []
    assert not ffmpeg_on_path.exists(), f"ffmpeg was asked to download {ffmpeg_on_path.read_text()!r}"


def test_a_feed_is_refused_as_a_playlist_before_any_entry_is_fetched(media: MediaServer, tmp_path: Path) -> None:
    before = len(media.traffic.requests), media.traffic.bytes_sent
    with pytest.raises(DownloadFailed, match="playlist"):
        _downloader().download(media.url("feed.rss"), tmp_path)
    requests = media.traffic.requests[before[0] :]
    sent = media.traffic.bytes_sent - before[1]
    print(f"\n200-item feed: {len(requests)} request(s), {sent} bytes served")  # the issue asks for the figure
    assert [r for r in requests if "/items/" in r] == []
    assert len(requests) <= 2  # the feed itself (yt-dlp may ask twice: a HEAD-like probe, then GET)


def test_a_url_whose_ipv6_form_wraps_the_metadata_address_is_a_400(api: Client, tenant: TenantHandle) -> None:
    response = create(api, tenant, job_body(url="http://[64:ff9b::a9fe:a9fe]/"))
    assert response.status_code == 400
    assert response.json["error"]["code"] == "INVALID_URL"
    assert "url" in response.json["error"]["message"]


def test_the_worker_decodes_no_more_audio_than_the_limit(tmp_path: Path) -> None:
    lying_mkv(90.9, 1, tmp_path / "lying.mkv")
    assert len(decode_audio(tmp_path / "lying.mkv", max_seconds=60)) == 60 * 16_000
