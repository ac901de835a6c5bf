"""What a client reads when a job fails: our stage errors speak for themselves; anything else is
described by stage, never quoted (internal messages can carry paths, hosts and tokens)."""

from __future__ import annotations

import json

import pytest

from vidscope.models import Stage
from vidscope.pipeline.errors import public_message
from vidscope.pipeline.messages import Failure


def test_a_lambda_stage_error_shows_its_code_and_message() -> None:
    cause = json.dumps({"errorType": "MediaTooLong", "errorMessage": "the media is 90.0 minutes long"})
    assert public_message("MediaTooLong", cause, Stage.INGESTION) == (
        "MEDIA_TOO_LONG",
        "the media is 90.0 minutes long",
    )


def test_the_workers_plain_cause_is_used_as_is() -> None:
    failure = Failure(Error="TranscriptionFailed", Cause="the media could not be transcribed")
    assert public_message(failure.Error, failure.Cause, Stage.TRANSCRIPTION) == (
        "TRANSCRIPTION_FAILED",
        "the media could not be transcribed",
    )


@pytest.mark.parametrize(
    ("stage", "code"),
    [(Stage.INGESTION, "DOWNLOAD_FAILED"), (Stage.ANALYSIS, "ANALYSIS_FAILED"), (Stage.MERGING, "INTERNAL_ERROR")],
)
def test_an_unexpected_error_is_named_by_its_stage_without_its_text(stage: Stage, code: str) -> None:
    failure = Failure(Error="KeyError", Cause=json.dumps({"errorMessage": "secret-token-123 at /var/task"}))
    got_code, message = public_message(failure.Error, failure.Cause, stage)
    assert got_code == code
    assert "secret" not in message and stage.value in message


def test_a_dead_or_stuck_worker_is_a_transcription_failure() -> None:
    for error in ("States.HeartbeatTimeout", "States.Timeout"):
        assert public_message(error, None, Stage.TRANSCRIPTION)[0] == "TRANSCRIPTION_FAILED"
