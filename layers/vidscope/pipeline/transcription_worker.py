"""The transcription task's life: the container runs this once per job. It beats the task's
heartbeat, reports progress as segments come out, stops when the job is cancelled, stores the
transcript, and answers Step Functions with the task token."""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vidscope import catalog
from vidscope.adapters.media_store import MediaStore, staged_transcript_key
from vidscope.clock import Clock
from vidscope.jobs.repository import JobsRepository
from vidscope.log import logger
from vidscope.models import Stage
from vidscope.pipeline import transcription
from vidscope.pipeline.errors import JobNotActive, StageFailed, TranscriptionFailed
from vidscope.pipeline.messages import JobRef, TranscriptRef
from vidscope.pipeline.steps import check_active, enter_stage
from vidscope.transcripts import Segment


@dataclass(frozen=True)
class WorkerTask:
    job: JobRef
    media_key: str
    task_token: str


class _Heartbeat(threading.Thread):
    """Beats every ``interval`` seconds; notices when Step Functions no longer waits for us
    (execution stopped by a cancel, or the task timed out) so the work stops too.

    Step Functions does not stop an ECS task started with ``runTask.waitForTaskToken`` when the
    task times out (it calls StopTask only for ``.sync``): a worker that is no longer waited for
    would hold the GPU to the end of the job. A refused beat is how it learns to stop."""

    def __init__(self, sfn: Any, token: str, interval: float) -> None:
        super().__init__(name="heartbeat", daemon=True)
        self._sfn, self._token, self._interval = sfn, token, interval
        self._done = threading.Event()
        self.abandoned = threading.Event()

    def beat(self) -> bool:
        """One beat; False when Step Functions refused it because it no longer waits for us."""
        try:
            self._sfn.send_task_heartbeat(taskToken=self._token)
        except (
            self._sfn.exceptions.TaskTimedOut,
            self._sfn.exceptions.TaskDoesNotExist,
            self._sfn.exceptions.InvalidToken,
        ):
            self.abandoned.set()
            return False
        except Exception:  # a missed beat is survivable; the next one may get through
            logger.warning("heartbeat failed", exc_info=True)
        return True

    def run(self) -> None:
        while not self._done.wait(self._interval) and self.beat():
            pass

    def stop(self) -> None:
        self._done.set()

    def check(self) -> None:
        if self.abandoned.is_set():
            raise JobNotActive("Step Functions stopped waiting for this task")


class _ProgressReporter:
    def __init__(self, repo: JobsRepository, job: JobRef, clock: Clock, interval: float, heartbeat: _Heartbeat) -> None:
        self._repo, self._job, self._clock, self._interval = repo, job, clock, interval
        self._heartbeat = heartbeat
        self._last = time.monotonic()

    def __call__(self, segment: Segment, media_seconds: float) -> None:
        self._heartbeat.check()
        if time.monotonic() - self._last < self._interval:
            return
        self._last = time.monotonic()
        fraction = segment.end / media_seconds if media_seconds > 0 else 0.0
        enter_stage(self._repo, self._job, Stage.TRANSCRIPTION, self._clock, fraction)


def run(
    task: WorkerTask,
    *,
    repo: JobsRepository,
    media: MediaStore,
    sfn: Any,
    whisper: transcription.WhisperConfig,
    clock: Clock,
    heartbeat_seconds: float,
    heartbeat_interval_seconds: float,
    progress_interval_seconds: float,
    # Ingestion refused longer media by decoding it; this bounds the GPU time even so.
    max_media_seconds: float = catalog.MAX_MEDIA_SECONDS,
) -> bool:
    """Transcribe the job's media; True when the transcript was delivered."""
    # At least three beats per allowed window, so one slow call does not fail the task.
    interval = max(min(heartbeat_interval_seconds, heartbeat_seconds / 3), 0.2)
    heartbeat = _Heartbeat(sfn, task.task_token, interval)
    # The first beat goes out before anything else: the window Step Functions allows has been
    # running since RunTask (placement, image pull). A task that started after its window ran out
    # has been replaced by the Retry's task: it leaves without touching the job.
    if not heartbeat.beat():
        # A warning: the cold start outlasted the window, which ops should hear about.
        logger.warning("task no longer awaited (started after its heartbeat window); exiting")
        return False
    heartbeat.start()
    try:
        enter_stage(repo, task.job, Stage.TRANSCRIPTION, clock)
        with tempfile.TemporaryDirectory(prefix="vidscope-transcribe-") as tmp:
            path = Path(tmp) / Path(task.media_key).name
            media.download_file(task.media_key, path)
            heartbeat.check()  # the model load and the first segment take a while: not for nothing
            reporter = _ProgressReporter(repo, task.job, clock, progress_interval_seconds, heartbeat)
            try:
                transcript = transcription.transcribe(path, whisper, reporter, max_seconds=max_media_seconds)
            except (JobNotActive, StageFailed):
                raise
            except Exception as exc:
                logger.exception("transcription failed")
                raise TranscriptionFailed("the media could not be transcribed") from exc
        # Cancelled (and perhaps deleted) while transcribing: store nothing for it.
        check_active(repo, task.job)
        key = staged_transcript_key(task.job.tenant_id, task.job.job_id)
        media.put_json(key, transcript.model_dump(mode="json"))
        stages = task.job.stages
        if Stage.TRANSCRIPTION in stages and stages[-1] is not Stage.TRANSCRIPTION:
            enter_stage(repo, task.job, stages[stages.index(Stage.TRANSCRIPTION) + 1], clock)
        result = TranscriptRef(
            transcript_key=key,
            language=transcript.language,
            duration_seconds=transcript.duration_seconds,
            word_count=transcript.word_count,
        )
        sfn.send_task_success(taskToken=task.task_token, output=result.model_dump_json())
        return True
    except JobNotActive as exc:
        logger.info("job no longer active; stopping", extra={"job_id": task.job.job_id})
        # After a StopExecution the token is dead and this is refused, which is fine; where the
        # wait is still open (moto does not end it on StopExecution) this ends it now.
        with contextlib.suppress(Exception):
            sfn.send_task_failure(taskToken=task.task_token, error=type(exc).__name__, cause=str(exc))
        return False
    except StageFailed as exc:
        sfn.send_task_failure(taskToken=task.task_token, error=type(exc).__name__, cause=str(exc))
        return False
    finally:
        heartbeat.stop()
