"""The CLI shows an empty result with its reason (a capability's ``notes``), never as nothing."""

from __future__ import annotations

from vidscope.cli import _job_lines
from vidscope.models import CapabilityNote, Job


def test_an_empty_result_is_printed_as_zero_with_its_reason() -> None:
    job = Job.model_validate(
        {
            "job_id": "job_01",
            "status": "completed",
            "url": "https://example.com/clip.mp4",
            "platform": "direct",
            "capabilities": ["shorts"],
            "credits_estimated": 2,
            "return_proof": False,
            "created_at": "2026-12-07T10:00:00.000Z",
            "updated_at": "2026-12-07T10:01:00.000Z",
            "results": {"shorts": []},
            "notes": [
                CapabilityNote(
                    capability="shorts",
                    code="NO_SPAN_FITS",
                    message="no span of 15-60 s of complete sentences was found in 19 s of media",
                )
            ],
        }
    )
    lines = list(_job_lines(job))
    assert "[bold]shorts[/bold]: 0 shorts: no span of 15-60 s of complete sentences was found in 19 s of media" in lines
