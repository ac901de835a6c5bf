"""The failure path: the job marked failed with a public code, its hold refunded."""

from __future__ import annotations

from datetime import datetime

from vidscope.clock import Clock
from vidscope.jobs.repository import JobRecord, JobsRepository, TransitionRefused
from vidscope.models import (
    CANCELLABLE_STATUSES,
    JobError,
    JobStatus,
)
from vidscope.pipeline.errors import (
    TransientStageError,
    public_message,
)
from vidscope.pipeline.job_state import HOLD_RETRIES
from vidscope.pipeline.messages import (
    Failure,
    JobRef,
)
from vidscope.tenancy import credits, failed_compute


def fail(ref: JobRef, failure: Failure, *, repo: JobsRepository, clock: Clock) -> JobError:
    """Mark the job failed with a public code and refund its hold. A job that already ended
    (cancelled meanwhile) keeps its state: a job reaches exactly one terminal state."""
    job = repo.get(ref.tenant_id, ref.job_id)
    stage = job.progress.stage if job is not None and job.progress is not None else None
    code, message = public_message(failure.Error, failure.Cause, stage)
    error = JobError(code=code, message=message)
    for _ in range(HOLD_RETRIES):
        if job is None or job.status not in CANCELLABLE_STATUSES:
            return error  # cancelled meanwhile (or already failed): that state stands
        now = clock()
        try:
            repo.transition(
                job,
                to_status=JobStatus.FAILED,
                allowed_from=CANCELLABLE_STATUSES,
                now=now,
                extra_items=[
                    *credits.release(repo.table_name, job.tenant_id, job.job_id, job.credits_held, "refund", now),
                    # Refunded, so not charged: what it ran counts against the tenant's failed compute instead.
                    *failed_compute.spend(repo.table_name, job.tenant_id, _seconds_since_start(job, now), now),
                ],
                set_fields={"error": error.model_dump(mode="json"), "credits_charged": 0},
            )
            return error
        except TransitionRefused:
            job = repo.get(ref.tenant_id, ref.job_id)  # ended, or its hold changed: read it again
    raise TransientStageError(f"job {ref.job_id} kept changing while it was failed")


def _seconds_since_start(job: JobRecord, now: datetime) -> float:
    """How long a job's stages have run: from ingestion's start (none before it started)."""
    if job.started_at is None:
        return 0.0
    return max(0.0, (now - datetime.fromisoformat(job.started_at)).total_seconds())
