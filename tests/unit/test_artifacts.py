"""Results refer to files by reference in their link fields only; reading turns those into URLs."""

from __future__ import annotations

from vidscope.adapters.media_store import artifact_paths, artifact_ref, resolve_artifacts

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
