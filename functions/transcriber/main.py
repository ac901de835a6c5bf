"""Container entrypoint of the transcription task: ``python -m functions.transcriber.main``.

Step Functions starts the task with the job and its task token in the container's environment
(see the Transcribe state); the exit code is 0 whether the job was transcribed, failed cleanly
(reported with SendTaskFailure), was cancelled or was no longer awaited (its heartbeat refused),
and non-zero only when the process itself broke. Either way the container exits and ECS stops
the task, which frees the GPU.
"""

from __future__ import annotations

import json
import os
import sys

from vidscope import dependencies
from vidscope.adapters import aws
from vidscope.clock import utc_now
from vidscope.log import logger
from vidscope.pipeline import transcription_worker
from vidscope.pipeline.messages import JobRef
from vidscope.settings import get_settings


def main() -> int:
    task = transcription_worker.WorkerTask(
        job=JobRef(
            job_id=os.environ["VIDSCOPE_JOB_ID"],
            tenant_id=os.environ["VIDSCOPE_TENANT_ID"],
            # The job's stage plan, for the progress it reports (every stage when not given).
            **({"stages": json.loads(os.environ["VIDSCOPE_STAGES"])} if "VIDSCOPE_STAGES" in os.environ else {}),
        ),
        media_key=os.environ["VIDSCOPE_MEDIA_KEY"],
        task_token=os.environ["VIDSCOPE_TASK_TOKEN"],
    )
    logger.append_keys(job_id=task.job.job_id)
    settings = get_settings()
    transcription_worker.run(
        task,
        repo=dependencies.jobs_repository(),
        media=dependencies.media_store(),
        sfn=aws.client("stepfunctions"),
        whisper=dependencies.whisper_config(),
        clock=utc_now,
        heartbeat_seconds=settings.heartbeat_seconds,
        heartbeat_interval_seconds=settings.heartbeat_interval_seconds,
        progress_interval_seconds=settings.progress_interval_seconds,
        max_media_seconds=settings.max_media_seconds,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
