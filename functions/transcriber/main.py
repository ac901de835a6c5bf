"""Container entrypoint of the transcription task: ``python -m functions.transcriber.main``.

Step Functions starts the task with the job and its task token in the container's environment
(see the Transcribe state); the exit code is 0 whether the job was transcribed, failed cleanly
(reported with SendTaskFailure), was cancelled or was no longer awaited (its heartbeat refused),
and non-zero only when the process itself broke. Either way the container exits and ECS stops
the task, which frees the GPU.
"""

from __future__ import annotations

import os

from vidscope import dependencies
from vidscope.pipeline import container_task, transcription_worker
from vidscope.settings import get_settings
from vidscope.transcripts import SpeechRequest


def main() -> int:
    task = container_task.task_from_environment(os.environ)
    settings = get_settings()
    transcription_worker.run(
        task,
        dependencies.task_runtime(),
        whisper=dependencies.whisper_config(),
        request=SpeechRequest.model_validate_json(os.environ.get("VIDSCOPE_SPEECH_REQUEST", "{}")),
        progress_interval_seconds=settings.progress_interval_seconds,
        max_media_seconds=settings.max_media_seconds,
    )
    return 0


if __name__ == "__main__":
    container_task.exit_process(main())
