"""The worker's first heartbeat: a task that starts after Step Functions stopped waiting for it
(a cold start longer than the window, its Retry already running) leaves without touching the job."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from vidscope.clock import utc_now
from vidscope.pipeline import container_task, transcription_worker
from vidscope.pipeline.messages import JobRef
from vidscope.pipeline.transcription import WhisperConfig


class _Untouchable:
    """Stands for the job table and the media store: any use fails the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the abandoned task used {name}")


@pytest.mark.parametrize("refusal", ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"])
def test_a_task_whose_first_beat_is_refused_exits_without_touching_the_job(refusal: str) -> None:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    with Stubber(sfn) as stub:
        stub.add_client_error("send_task_heartbeat", service_error_code=refusal, expected_params={"taskToken": "tok"})
        delivered = transcription_worker.run(
            container_task.WorkerTask(JobRef(job_id="job_1", tenant_id="ten_1"), "media/x/source.mp4", "tok"),
            container_task.TaskRuntime(
                repo=_Untouchable(),  # type: ignore[arg-type]
                media=_Untouchable(),  # type: ignore[arg-type]
                sfn=sfn,
                clock=utc_now,
                heartbeat_seconds=900,
                heartbeat_interval_seconds=10,
            ),
            whisper=WhisperConfig(model="unused", device="cpu", compute_type="int8", batch_size=0),
            progress_interval_seconds=2,
        )
        stub.assert_no_pending_responses()
    assert delivered is False
