"""The transcription task's work: the container runs this once per job, under the task's
heartbeat (``container_task``). It reports progress as segments come out, stops when the job is
cancelled, and stores the transcript."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from vidscope import catalog, transcripts
from vidscope.adapters.media_store import staged_transcript_key
from vidscope.clock import Clock
from vidscope.jobs.repository import JobsRepository
from vidscope.log import logger
from vidscope.models import Stage
from vidscope.pipeline import container_task, transcription
from vidscope.pipeline.container_task import Heartbeat, TaskRuntime, WorkerTask
from vidscope.pipeline.errors import JobNotActive, StageFailed, TranscriptionFailed
from vidscope.pipeline.messages import JobRef, TranscriptRef
from vidscope.pipeline.stages import check_active, enter_stage
from vidscope.transcripts import Segment, SpeechRequest


class _ProgressReporter:
    def __init__(self, repo: JobsRepository, job: JobRef, clock: Clock, interval: float, heartbeat: Heartbeat) -> None:
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
    runtime: TaskRuntime,
    *,
    whisper: transcription.WhisperConfig,
    progress_interval_seconds: float,
    request: SpeechRequest | None = None,
    # Ingestion refused longer media by decoding it; this bounds the GPU time even so.
    max_media_seconds: float = catalog.MAX_MEDIA_SECONDS,
) -> bool:
    """Transcribe the job's media; True when the transcript was delivered."""
    repo, media, clock = runtime.repo, runtime.media, runtime.clock

    def work(heartbeat: Heartbeat) -> TranscriptRef:
        enter_stage(repo, task.job, Stage.TRANSCRIPTION, clock)
        with tempfile.TemporaryDirectory(prefix="vidscope-transcribe-") as tmp:
            path = Path(tmp) / Path(task.media_key).name
            media.download_file(task.media_key, path)
            heartbeat.check()  # the model load and the first segment take a while: not for nothing
            reporter = _ProgressReporter(repo, task.job, clock, progress_interval_seconds, heartbeat)
            try:
                transcript = transcription.transcribe(
                    path, whisper, reporter, max_seconds=max_media_seconds, request=request
                )
            except (JobNotActive, StageFailed):
                raise
            except Exception as exc:
                logger.exception("transcription failed")
                raise TranscriptionFailed("the media could not be transcribed") from exc
        # Cancelled (and perhaps deleted) while transcribing: store nothing for it.
        check_active(repo, task.job)
        key = staged_transcript_key(task.job.tenant_id, task.job.job_id)
        media.put_json(key, transcripts.to_staged(transcript))  # with the words, for the analyses
        # On to the stage after the media stages: vision, when it runs beside, reports no progress.
        after = [s for s in task.job.stages if s not in (Stage.INGESTION, Stage.TRANSCRIPTION, Stage.VISION)]
        if after:
            enter_stage(repo, task.job, after[0], clock)
        return TranscriptRef(
            transcript_key=key,
            language=transcript.language,
            duration_seconds=transcript.duration_seconds,
            word_count=transcript.word_count,
        )

    return container_task.run(task, work, runtime)
