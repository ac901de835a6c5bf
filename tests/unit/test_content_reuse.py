"""The reuse rule and the content hash it keys on: equal streams hash equal whatever container
carries them; a re-encode is other content; a source counts only when it computed every asked
capability with the same options."""

from __future__ import annotations

from pathlib import Path

from tests.support.fingerprint_media import Variant, make_clip, make_variant
from tests.support.media import remux
from vidscope.pipeline.content import content_hash, reusable_source


def test_the_same_streams_in_another_container_hash_equal_and_a_re_encode_does_not(tmp_path: Path) -> None:
    make_clip(tmp_path / "clip.mp4", seed=3, seconds=4.0)
    remux(tmp_path / "again.mkv", video=tmp_path / "clip.mp4", audio=tmp_path / "clip.mp4")
    make_variant(tmp_path / "clip.mp4", tmp_path / "re-encoded.mp4", Variant())
    original = content_hash(tmp_path / "clip.mp4")
    assert original.startswith("sha256:")
    assert content_hash(tmp_path / "again.mkv") == original
    assert content_hash(tmp_path / "re-encoded.mp4") != original


def test_a_source_counts_only_with_every_capability_computed_with_the_same_options() -> None:
    options = {"summary": {}, "thumbnails": {"width": 160, "format": "jpeg"}}
    newest_partial = {"job_id": "job_B", "computed": ["summary"], "options": {"summary": {}}}
    other_options = {"job_id": "job_C", "computed": ["summary", "thumbnails"], "options": {**options, "thumbnails": {}}}
    full = {"job_id": "job_A", "computed": ["summary", "thumbnails", "shots"], "options": {**options, "shots": {}}}
    assert reusable_source([newest_partial, other_options, full], ["summary", "thumbnails"], options) == "job_A"
    assert reusable_source([newest_partial, other_options], ["summary", "thumbnails"], options) is None
