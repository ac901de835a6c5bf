"""Merging, the workflow's last stage: assemble the results, charge for what succeeded on the real
duration, and complete the job."""

from __future__ import annotations

from typing import Any

from vidscope import catalog
from vidscope.adapters.media_store import (
    MediaStore,
    result_key,
)
from vidscope.capabilities import REGISTRY, compute
from vidscope.capabilities.base import RunsIn
from vidscope.clock import Clock
from vidscope.jobs.repository import JobRecord, JobsRepository, TransitionRefused, content_record
from vidscope.log import logger
from vidscope.models import (
    CapabilityError,
    CapabilityNote,
    JobStatus,
    Stage,
)
from vidscope.pipeline.analysis_stage import stage_inputs
from vidscope.pipeline.errors import (
    STAGE_FAILURES,
    AnalysisFailed,
    JobNotActive,
    MediaHasNoSite,
    MediaHasNoVideo,
    ReuseLost,
    VisionFailed,
    public_message,
)
from vidscope.pipeline.ingest_stage import with_second_media
from vidscope.pipeline.job_state import active_job, check_active, enter_stage
from vidscope.pipeline.messages import (
    Failure,
    JobRef,
    MergeEvent,
)
from vidscope.tenancy import credits, failed_compute


def merge(event: MergeEvent, *, repo: JobsRepository, media: MediaStore, clock: Clock) -> JobRecord:
    """Assemble the results, charge for what succeeded on the real duration, complete the job."""
    job = repo.get(event.tenant_id, event.job_id)
    if job is not None and job.status is JobStatus.COMPLETED:
        return job  # a retried merge after its write succeeded
    job = active_job(repo, event, job)
    reused = event.media.reused_from
    # Reused results are copied before the job shows it merges: when their job is gone, the job
    # goes back to its media stages (ComputeInstead), and progress never moves back.
    copied = _reused_results(job, reused, repo, media) if reused else None
    enter_stage(repo, event, Stage.MERGING, clock)
    results, errors = copied if copied is not None else _gather_results(job, event, media)
    results = _naming_readable_jobs(results, job, repo)
    notes = _notes_on_empty_results(results, event)
    # Only merging writes what outlives the media (under ``tenants/``): asked right before.
    check_active(repo, event)
    if not reused:  # reused results' files were copied from their job's with them
        media.keep_artifacts(event.tenant_id, event.job_id, results)
    for name, result in results.items():
        media.put_json(result_key(event.tenant_id, event.job_id, name), result)
    # A capability that failed is not charged; reused results are not computed, only ingested.
    charged = [c for c in job.capabilities if c in results]
    breakdown = (
        catalog.reuse_breakdown(event.media.billed_seconds)
        if reused
        else with_second_media(
            catalog.cost_breakdown(charged, event.media.billed_seconds, event.media.size_bytes),
            event.media.second_media,
        )
    )
    charge = min(sum(breakdown.values()), job.credits_held)
    now = clock()
    try:
        return repo.transition(
            job,
            to_status=JobStatus.COMPLETED,
            allowed_from=frozenset({JobStatus.PROCESSING}),
            now=now,
            extra_items=[
                *credits.release(
                    repo.table_name, job.tenant_id, job.job_id, job.credits_held - charge, "remainder", now
                ),
                # The frame capabilities failed uncharged: what their vision task ran counts against the tenant.
                *failed_compute.spend(repo.table_name, job.tenant_id, _vision_failed_seconds(event), now),
                # What it computed, found by its content: a later job on the same content reuses it.
                *_content_record(repo, job, event.media.content_hash, charged),
            ],
            set_fields={
                **({"reused_from": reused} if reused else {}),
                "credits_charged": charge,
                "cost_breakdown": breakdown,
                "result_capabilities": list(results),
                "result_lists": {n: REGISTRY[n].paged for n in results if REGISTRY[n].paged is not None},
                "media_duration_seconds": event.media.duration_seconds,
                **({"capability_errors": [e.model_dump(mode="json") for e in errors]} if errors else {}),
                **({"notes": [n.model_dump(mode="json") for n in notes]} if notes else {}),
            },
        )
    except TransitionRefused as exc:  # cancelled while merging: the cancel refunded the hold
        _remove_unclaimed_results(repo, media, event)
        raise JobNotActive(f"job {job.job_id} ended while merging") from exc


# Jobs whose results cannot be read: a result's list does not point to them.
_WITHOUT_RESULTS = frozenset({JobStatus.FAILED, JobStatus.CANCELLED})


def _naming_readable_jobs(results: dict[str, Any], job: JobRecord, repo: JobsRepository) -> dict[str, Any]:
    """The results, each list that names jobs (``Capability.names_jobs``) kept to the jobs whose
    results can be read now: one that failed, was cancelled or is gone since is left out."""
    naming = {name: REGISTRY[name] for name in results if name in REGISTRY and REGISTRY[name].names_jobs}
    named = {item["job_id"] for name, c in naming.items() for item in c.items(results[name]) or ()}
    if not named:
        return results
    readable = {j.job_id for j in repo.get_many(job.tenant_id, sorted(named)) if j.status not in _WITHOUT_RESULTS}
    return {
        name: c.with_items(result, [i for i in c.items(result) or () if i["job_id"] in readable])
        if (c := naming.get(name)) is not None
        else result
        for name, result in results.items()
    }


def _reused_results(
    job: JobRecord, source_id: str, repo: JobsRepository, media: MediaStore
) -> tuple[dict[str, Any], list[CapabilityError]]:
    """The results of ``source_id`` (copied, with their files, under this job), asked again now
    that they are copied: ``ReuseLost`` when that job is gone or going (deleted meanwhile), and
    then the copies go too and the ASL computes the results instead. A job deleted once this
    check passed was still a job when its results were copied."""
    results = media.reuse_results(job.tenant_id, source_id, job.job_id, job.capabilities)
    source = repo.get(job.tenant_id, source_id)
    if results is None or source is None or source.status is not JobStatus.COMPLETED:
        media.delete_job_results(job.tenant_id, job.job_id)
        raise ReuseLost(f"job {source_id}, whose results {job.job_id} was to reuse, was deleted")
    return results, []


def _content_record(repo: JobsRepository, job: JobRecord, content: str | None, computed: list[str]) -> list[Any]:
    return [content_record(repo.table_name, job, content, computed)] if content and computed else []


def _gather_results(
    job: JobRecord, event: MergeEvent, media: MediaStore
) -> tuple[dict[str, Any], list[CapabilityError]]:
    """The analyses' stored results and the results computed while merging, by capability; and
    each capability that failed or was refused, with why."""
    results: dict[str, Any] = {}
    errors = [
        CapabilityError(capability=name, code=note.code, message=note.message)
        for name, note in event.media.refused.items()
    ]
    for outcome in event.analysis:
        if outcome.capability in event.media.refused:
            continue
        if outcome.result_key is not None:
            results[outcome.capability] = media.get_json(outcome.result_key)
        else:
            errors.append(_capability_error(outcome.capability, outcome.failure or Failure()))
    for name in job.capabilities:
        capability = REGISTRY[name]
        if capability.runs_in is not RunsIn.MERGING or name in event.media.refused:
            continue
        try:
            results[name] = compute(capability, stage_inputs(capability, event, media), event.options)
        except (MediaHasNoVideo, MediaHasNoSite, VisionFailed) as exc:
            errors.append(CapabilityError(capability=name, code=exc.code, message=str(exc)))
    # A capability asked for with neither a result nor an error would vanish from the job unseen.
    answered = set(results) | {e.capability for e in errors}
    errors += [
        CapabilityError(capability=name, code=AnalysisFailed.code, message=f"The {name} analysis returned no result.")
        for name in job.capabilities
        if name not in answered
    ]
    return results, errors


def _notes_on_empty_results(results: dict[str, Any], event: MergeEvent) -> list[CapabilityNote]:
    """Why each empty result is empty, as its capability declares."""
    notes = []
    for name, result in results.items():
        capability = REGISTRY[name]
        note = capability.empty_note(event.options.get(name), event.media.duration_seconds)
        if note is not None and capability.is_empty(result):
            notes.append(CapabilityNote(capability=name, code=note.code, message=note.message))
    return notes


def _remove_unclaimed_results(repo: JobsRepository, media: MediaStore, ref: JobRef) -> None:
    """The job ended (cancelled, perhaps deleted too) between the check and the write: what was
    just written under ``tenants/`` belongs to no job, and no lifecycle rule would expire it.
    ``jobs.delete_job`` sweeps again after deleting the job item, so either that sweep or this
    one, which runs after the write, finds every object."""
    current = repo.get(ref.tenant_id, ref.job_id)
    if current is not None and current.status is JobStatus.COMPLETED:
        return  # a retried merge completed it: the results are its own
    try:
        media.delete_job_results(ref.tenant_id, ref.job_id)
    except Exception:  # the stage fails anyway; an orphan is worth an alarm, not a new error
        logger.exception("could not remove the results of a job that ended while merging")


# The codes a capability fails with alone: its input missing, or one of its analysis's own kinds of
# failure (EXTRACTION_INVALID, DOWNLOAD_FORMAT_UNSUPPORTED); anything else is its analysis failing.
_CAPABILITY_CODES = frozenset(
    {
        MediaHasNoVideo.code,
        MediaHasNoSite.code,
        VisionFailed.code,
        *(c.code for c in STAGE_FAILURES.values() if issubclass(c, AnalysisFailed)),
    }
)


def _capability_error(capability: str, failure: Failure) -> CapabilityError:
    code, message = public_message(failure.Error, failure.Cause, Stage.ANALYSIS)
    if code not in _CAPABILITY_CODES:
        code = AnalysisFailed.code
    return CapabilityError(capability=capability, code=code, message=message)


def _vision_failed_seconds(event: MergeEvent) -> float:
    failed = event.vision_failed
    return failed.seconds if failed is not None else 0.0
