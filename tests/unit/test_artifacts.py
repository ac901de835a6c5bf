"""Results refer to files by reference in their link fields only; reading turns those into URLs."""

from __future__ import annotations

from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config

from vidscope.adapters.media_store import MediaStore, artifact_paths, artifact_ref, resolve_artifacts

RESULT = {
    "shots": [{"index": 0, "thumbnail_url": artifact_ref("vision/keyframes/shot_0000.jpg")}],
    # Text read on screen may spell the scheme: it is text, never a file.
    "items": [{"text": "artifact://vision/secret.jpg", "frame_url": artifact_ref("vision/text/f_1.jpg")}],
    "download": {"download_url": artifact_ref("download/media.mp4"), "format": "mp4"},
}


def test_only_link_fields_refer_to_files() -> None:
    assert artifact_paths(RESULT) == {"vision/keyframes/shot_0000.jpg", "vision/text/f_1.jpg", "download/media.mp4"}


def test_reading_mints_a_url_for_each_link_and_dates_the_download() -> None:
    resolved = resolve_artifacts(RESULT, lambda path: f"https://s3.example/{path}?sig", "2026-12-02T16:00:00.000Z")
    assert resolved["shots"][0]["thumbnail_url"] == "https://s3.example/vision/keyframes/shot_0000.jpg?sig"
    assert resolved["items"][0]["text"] == "artifact://vision/secret.jpg"
    assert resolved["items"][0]["frame_url"] == "https://s3.example/vision/text/f_1.jpg?sig"
    assert resolved["download"] == {
        "download_url": "https://s3.example/download/media.mp4?sig",
        "format": "mp4",
        "expires_at": "2026-12-02T16:00:00.000Z",
    }
    assert "expires_at" not in resolved["shots"][0]  # only a download's link carries its expiry


@pytest.mark.parametrize("endpoint", [None, "http://127.0.0.1:5000", "http://localhost:4566"])
def test_the_stores_origin_is_the_one_its_signed_links_name(endpoint: str | None) -> None:
    client = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(signature_version="s3v4"),
    )
    store = MediaStore(client, "vidscope-media")
    signed = urlsplit(store.presigned_url("tenants/t/jobs/j/artifacts/a.jpg", expires_in=60))
    assert store.url_origin() == f"{signed.scheme}://{signed.netloc}"
