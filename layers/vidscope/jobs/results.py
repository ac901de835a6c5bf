"""A completed job's results as the API reads them back: the job view (GET /v1/jobs/{id} and
its webhook), one page of a list-valued result, the transcript. Each capability's result lives on
its own in S3 (``stored_results``); the links to its files are minted only for what a response
holds, after any cut to a page (36,000 shots presigned for a page of one took 5 CPU-seconds)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from vidscope import catalog, paged_lists
from vidscope.adapters.media_store import MediaStore, artifact_key, resolve_artifacts, result_key
from vidscope.clock import iso_ms, utc_now
from vidscope.errors import ResultNotAvailable, TranscriptNotAvailable
from vidscope.jobs.lifecycle import get_job
from vidscope.jobs.repository import JobRecord, JobsRepository
from vidscope.models import Job, JobStatus
from vidscope.transcripts import Segment, Transcript


def job_view(job: JobRecord, *, media: MediaStore) -> Job:
    """The job as GET (and its webhook) shows it: a completed job's results are read back from
    S3, where each capability's lives on its own, and each list-valued result is cut to its
    first ``catalog.BOUNDED_RESULT_ITEMS`` (``result_totals`` says how many there are; ``result_page`` pages
    them), so the response stays far below every service quota whatever the media."""
    if job.status is not JobStatus.COMPLETED:
        return job.to_public()
    results: dict[str, Any] = {}
    totals: dict[str, int] = {}
    for name, result in stored_results(job, media).items():
        items = _paged_items(job, name, result)
        if items is not None:
            totals[name] = len(items)
            result = _with_items(job, name, result, items[: catalog.BOUNDED_RESULT_ITEMS])
        results[name] = result
    results, expire_at = _with_artifact_urls(job, results, media)
    public = job.to_public(results, totals)
    return public.model_copy(update={"artifacts_expire_at": expire_at}) if expire_at else public


def stored_results(job: JobRecord, media: MediaStore, only: str | None = None) -> dict[str, Any]:
    """A completed job's results (or the one named ``only``), as merging stored them."""
    if job.result_capabilities is not None:
        names = [n for n in job.result_capabilities if only in (None, n)]
        return {name: media.get_json(result_key(job.tenant_id, job.job_id, name)) for name in names}
    results: dict[str, Any] = {}  # a job completed before each result was stored on its own
    if job.results_key is not None and only != "transcription":
        results = {n: r for n, r in media.get_json(job.results_key).items() if only in (None, n)}
    if job.transcript_key is not None and "transcription" in job.capabilities and only in (None, "transcription"):
        results = {"transcription": media.get_json(job.transcript_key), **results}
    return results


@dataclass(frozen=True)
class ResultPage:
    capability: str
    result: Any  # the result with its list cut to the page
    total: int
    offset: int
    limit: int


def result_page(
    tenant_id: str, job_id: str, capability: str, *, offset: int, limit: int, repo: JobsRepository, media: MediaStore
) -> ResultPage:
    """One page of a completed job's list-valued result, with links minted for that page only."""
    job = get_job(tenant_id, job_id, repo=repo)
    if capability not in job.capabilities:
        raise ResultNotAvailable(f"job {job_id} did not ask for the {capability} capability")
    stored = stored_results(job, media, capability) if job.status is JobStatus.COMPLETED else {}
    if capability not in stored:
        raise ResultNotAvailable(f"job {job_id} has no {capability} result (it is {job.status})")
    result = stored[capability]
    items = _paged_items(job, capability, result)
    if items is None:
        return ResultPage(capability, _with_artifact_urls(job, result, media)[0], 1, 0, limit)
    page = _with_items(job, capability, result, items[offset : offset + limit])
    return ResultPage(capability, _with_artifact_urls(job, page, media)[0], len(items), offset, limit)


def get_transcript(
    tenant_id: str, job_id: str, *, repo: JobsRepository, media: MediaStore, language: str | None = None
) -> Transcript:
    """The job's transcript, or its translation into ``language`` (the translation capability's,
    timed like the transcript's segments) when that is not the language it was heard in."""
    job = get_job(tenant_id, job_id, repo=repo)
    if "transcription" not in job.capabilities:
        raise TranscriptNotAvailable(f"job {job_id} did not ask for the transcription capability")
    stored = stored_results(job, media, "transcription") if job.status is JobStatus.COMPLETED else {}
    if "transcription" not in stored:
        raise TranscriptNotAvailable(f"job {job_id} is {job.status}; its transcript is ready once it is completed")
    transcript = Transcript.model_validate(stored["transcription"])
    if language is None or language == transcript.language:
        return transcript
    translated = stored_results(job, media, "translation").get("translation") or {}
    for translation in translated.get("translations", []):
        if translation["language"] == language:
            segments = [Segment.model_validate(s) for s in translation["segments"]]
            return Transcript.from_segments(segments, language=language, duration_seconds=transcript.duration_seconds)
    raise TranscriptNotAvailable(
        f"job {job_id} has no {language} transcript: it was heard in {transcript.language}, "
        "and the translation capability did not translate it into that language"
    )


def _with_artifact_urls(job: JobRecord, document: Any, media: MediaStore) -> tuple[Any, str | None]:
    """``document`` with its artifact references as presigned URLs, minted now, and when they expire
    (None when it refers to none)."""
    expires = catalog.ARTIFACT_URL_SECONDS
    expires_at = iso_ms(utc_now() + timedelta(seconds=expires))
    minted: list[str] = []

    def url_for(path: str) -> str:
        minted.append(path)
        return media.presigned_url(artifact_key(job.tenant_id, job.job_id, path), expires)

    resolved = resolve_artifacts(document, url_for, expires_at)
    return resolved, expires_at if minted else None


def _paged_field(job: JobRecord, capability: str) -> str | None:
    """The result's list (a field, "" for the result itself), as merging recorded it."""
    if job.result_lists is not None:
        return job.result_lists.get(capability)
    from vidscope import capabilities  # a job completed before merging recorded its lists

    return capabilities.get(capability).paged


def _paged_items(job: JobRecord, capability: str, result: Any) -> list[Any] | None:
    field = _paged_field(job, capability)
    return None if field is None else paged_lists.items_of(result, field)


def _with_items(job: JobRecord, capability: str, result: Any, items: list[Any]) -> Any:
    field = _paged_field(job, capability)
    return result if field is None else paged_lists.with_items(result, field, items)
