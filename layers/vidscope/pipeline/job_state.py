"""The job as every stage sees it: still active (or ``JobNotActive``), and its progress."""

from __future__ import annotations

from typing import Any

from vidscope.clock import Clock
from vidscope.jobs import progress
from vidscope.jobs.repository import JobRecord, JobsRepository, TransitionRefused
from vidscope.models import (
    CANCELLABLE_STATUSES,
    Stage,
)
from vidscope.pipeline.errors import (
    JobNotActive,
)
from vidscope.pipeline.messages import (
    JobRef,
)


def active_job(repo: JobsRepository, ref: JobRef, job: JobRecord | None = None) -> JobRecord:
    """The job (read now unless given), or ``JobNotActive`` once it has ended."""
    job = job if job is not None else repo.get(ref.tenant_id, ref.job_id)
    if job is None or job.status not in CANCELLABLE_STATUSES:
        raise JobNotActive(f"job {ref.job_id} is {job.status if job else 'gone'}")
    return job


def check_active(repo: JobsRepository, ref: JobRef) -> None:
    """``JobNotActive`` once the job was cancelled or deleted: a stage asks right before it
    writes what it made, so a cancelled job's stage does not store results for it."""
    active_job(repo, ref)


def enter_stage(
    repo: JobsRepository, ref: JobRef, stage: Stage, clock: Clock, fraction: float = 0.0, **fields: Any
) -> None:
    """Record progress; ``JobNotActive`` once the job was cancelled, so the stage stops."""
    try:
        repo.update_progress(ref.tenant_id, ref.job_id, progress.at(stage, fraction, ref.stages), clock(), **fields)
    except TransitionRefused as exc:
        raise JobNotActive(f"job {ref.job_id} is no longer processing") from exc


# Reads and conditional writes of a job whose hold another writer may change meanwhile.
HOLD_RETRIES = 3
