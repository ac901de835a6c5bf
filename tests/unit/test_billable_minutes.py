"""Billed minutes are started minutes, less codec padding: an encoder pads its last frame, so a
minute of sound decodes to a little over a minute, and that must not bill two
(``catalog.BILLING_PADDING_SECONDS``; the vision room keeps the same rule)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.media import silent_mp4
from vidscope import catalog
from vidscope.pipeline.ingestion import inspect_media
from vidscope.vision import limits


@pytest.mark.parametrize(
    ("seconds", "minutes"),
    [(0.2, 1), (59.9, 1), (60.0, 1), (60.01, 1), (60.5, 1), (60.6, 2), (120.4, 2), (121.0, 3), (3600.3, 60)],
)
def test_half_a_second_past_a_minute_starts_no_new_one(seconds: float, minutes: int) -> None:
    assert catalog.billable_minutes(seconds) == minutes
    assert limits.billable_minutes(seconds) == minutes  # the vision room's text budget counts alike


def test_a_minute_of_aac_decodes_past_a_minute_and_is_billed_one(tmp_path: Path) -> None:
    # Given exactly 60 s of sound encoded as AAC
    silent_mp4(60.0, tmp_path / "minute.mp4")
    # When ingestion decodes it, the encoder's padding makes it a little longer
    facts = inspect_media(tmp_path / "minute.mp4", reads_video=False)
    assert 60.0 < facts.billed_seconds < 60.0 + catalog.BILLING_PADDING_SECONDS
    # Then it is billed as the one minute it is
    assert catalog.credits_for(["transcription"], facts.billed_seconds) == catalog.credits_for(["transcription"], 60)
