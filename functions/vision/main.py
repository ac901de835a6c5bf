"""Container entrypoint of the vision task: ``python -m functions.vision.main``.

Step Functions starts the task with the job, what its plan asks of the vision stage and its task
token in the container's environment (see the See state). As with the transcriber, the exit code is 0 whether the job's
media was seen, failed cleanly (reported with SendTaskFailure), was cancelled or was no longer
awaited, and non-zero only when the process itself broke.
"""

from __future__ import annotations

import os

from vidscope import dependencies
from vidscope.pipeline import container_task, vision_worker
from vidscope.vision.request import VisionRequest


def main() -> int:
    task = container_task.task_from_environment(os.environ)
    request = VisionRequest.model_validate_json(os.environ.get("VIDSCOPE_VISION_REQUEST", "{}"))
    vision_worker.run(task, dependencies.task_runtime(), request)
    return 0


if __name__ == "__main__":
    container_task.exit_process(main())
