"""Deletion that deletes: a stage still running when its job is cancelled and deleted, a webhook
attempt still in flight, and an idempotency key that moved on to a newer job leave nothing of
the deleted job behind, and take nothing from the jobs that live on."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from werkzeug.test import Client

from infra.local import aws_calls
from tests.integration.conftest import FakeClock, TenantHandle, create, job_body, public_resolver
from vidscope import dependencies
from vidscope.adapters import table
from vidscope.adapters.dynamo import to_attributes
from vidscope.adapters.media_store import (
    MEDIA_PREFIX,
    MediaStore,
    analysis_key,
    job_prefix,
    media_key,
    staged_transcript_key,
)
from vidscope.clock import utc_now
from vidscope.jobs import lifecycle as jobs
from vidscope.jobs.capability_models import CreateJobRequest
from vidscope.jobs.repository import JobRecord, JobsRepository
from vidscope.models import JobStatus, WebhookAttempt, WebhookState, WebhookStatus
from vidscope.pipeline import stages as pipeline
from vidscope.pipeline.errors import JobNotActive
from vidscope.pipeline.messages import AnalysisOutcome, AnalyzeEvent, IngestedMedia, MergeEvent, TranscriptRef
from vidscope.settings import get_settings
from vidscope.ssrf import UrlGuard
from vidscope.tenancy.tenants import Principal
from vidscope.text.summarizers import ExtractiveSummarizer, Summary
from vidscope.transcripts import Segment, Transcript


def _objects_of(tenant_id: str, job_id: str) -> list[str]:
    s3 = boto3.client("s3")
    bucket = get_settings().bucket_name
    keys: list[str] = []
    for prefix in (job_prefix(tenant_id, job_id), MEDIA_PREFIX + job_prefix(tenant_id, job_id)):
        keys += [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
    return keys


def _items_of(tenant_id: str, job_id: str) -> list[dict[str, Any]]:
    """Every item in the tenant's partition that names the job (ledger entries aside: they are
    the account's books, not the job's data)."""
    response = boto3.client("dynamodb").query(
        TableName=get_settings().table_name,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues=to_attributes({":pk": table.tenant_pk(tenant_id)}),
    )
    return [
        i
        for i in response["Items"]
        if job_id in (i.get("SK", {}).get("S", "") + i.get("job_id", {}).get("S", ""))
        and not i["SK"]["S"].startswith("LEDGER#")
    ]


def _processing_job(api: Client, tenant: TenantHandle, repo: JobsRepository, **body: Any) -> JobRecord:
    job_id = create(api, tenant, job_body(capabilities=["transcription", "summary"], **body)).json["data"]["job_id"]
    record = repo.get(tenant.tenant_id, job_id)
    assert record is not None
    return repo.transition(
        record, to_status=JobStatus.PROCESSING, allowed_from=frozenset({JobStatus.PENDING}), now=utc_now()
    )


def _job_with_staged_transcript(
    api: Client, tenant: TenantHandle, repo: JobsRepository
) -> tuple[JobRecord, MediaStore, TranscriptRef]:
    """A processing job whose worker has staged its transcript (what analysis and merging read)."""
    job = _processing_job(api, tenant, repo)
    media = dependencies.media_store()
    key = staged_transcript_key(tenant.tenant_id, job.job_id)
    media.put_json(key, _transcript().model_dump(mode="json"))
    return job, media, TranscriptRef(transcript_key=key, language="en", duration_seconds=4, word_count=7)


def _transcript() -> Transcript:
    segments = [Segment(start=0, end=2, text="Acme makes the best rockets."), Segment(start=2, end=4, text="Buy one.")]
    return Transcript(
        text=" ".join(s.text for s in segments), segments=segments, language="en", duration_seconds=4, word_count=7
    )


def _cancel_and_delete(api: Client, tenant: TenantHandle, job_id: str) -> None:
    assert api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers).status_code == 200
    assert api.delete(f"/v1/jobs/{job_id}", headers=tenant.headers).status_code == 200


class _DeletingSummarizer:
    """Summarizes for real; the client cancels and deletes the job while it does."""

    def __init__(self, on_summarize: Any) -> None:
        self._on_summarize = on_summarize

    def summarize(self, transcript: Transcript) -> Summary:
        self._on_summarize()
        return ExtractiveSummarizer().summarize(transcript)


# What ingestion handed on for these jobs: the stages below never read the media itself.
_MEDIA = IngestedMedia(media_key=media_key("ten_x", "job_x", ".mp4"), duration_seconds=4, size_bytes=1)


def _ingested(media: MediaStore, tenant_id: str, job_id: str) -> IngestedMedia:
    """The job's downloaded media, stored where ingestion puts it (the analyses check it is there)."""
    key = media_key(tenant_id, job_id, ".mp4")
    media.put_json(key, {"stands in for": "the media"})
    return IngestedMedia(media_key=key, duration_seconds=4, size_bytes=1)


def test_an_analysis_finishing_after_its_job_was_deleted_stores_nothing(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    # The same analysis of a job that stays stores its summary (the control).
    kept, media, kept_transcript = _job_with_staged_transcript(api, tenant, jobs_repo)
    control = AnalyzeEvent(
        job_id=kept.job_id,
        tenant_id=tenant.tenant_id,
        capability="summary",
        media=_ingested(media, tenant.tenant_id, kept.job_id),
        media_outputs=[kept_transcript],
    )
    with aws_calls.acting_as("analyze"):
        stored = pipeline.analyze(control, media=media, summarizer=_DeletingSummarizer(lambda: None))
    assert stored.result_key is not None and media.exists(stored.result_key)
    # Given a processing job whose transcript is stored, and its summary under way
    job, media, transcript = _job_with_staged_transcript(api, tenant, jobs_repo)
    event = AnalyzeEvent(
        job_id=job.job_id,
        tenant_id=tenant.tenant_id,
        capability="summary",
        media=_ingested(media, tenant.tenant_id, job.job_id),
        media_outputs=[transcript],
    )
    summarizer = _DeletingSummarizer(lambda: _cancel_and_delete(api, tenant, job.job_id))
    # When the client cancels and deletes the job before the summary is written
    with aws_calls.acting_as("analyze"), pytest.raises(JobNotActive):
        pipeline.analyze(event, media=media, summarizer=summarizer)
    # Then nothing of the job is stored anywhere
    assert _objects_of(tenant.tenant_id, job.job_id) == []
    assert _items_of(tenant.tenant_id, job.job_id) == []


class _DeletingMediaStore(MediaStore):
    """The real store; the client cancels and deletes the job just before the first write."""

    def __init__(self, inner: MediaStore, before_first_write: Any) -> None:
        self.__dict__.update(inner.__dict__)
        self._before_first_write = before_first_write

    def put_json(self, key: str, document: Any) -> None:
        hook, self._before_first_write = self._before_first_write, None
        if hook is not None:
            hook()
        super().put_json(key, document)


def test_a_merge_writing_after_its_job_was_cancelled_and_deleted_leaves_nothing(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    # Given a processing job whose transcript and summary are staged, at merging
    job, media, transcript = _job_with_staged_transcript(api, tenant, jobs_repo)
    summary_key = analysis_key(tenant.tenant_id, job.job_id, "summary")
    media.put_json(summary_key, {"text": "Acme makes rockets.", "key_topics": ["rockets"]})
    event = MergeEvent(
        job_id=job.job_id,
        tenant_id=tenant.tenant_id,
        media=_MEDIA,
        media_outputs=[transcript],
        analysis=[AnalysisOutcome(capability="summary", result_key=summary_key)],
    )
    # When the client cancels and deletes it after merging checked the job, just before it writes
    racing = _DeletingMediaStore(media, lambda: _cancel_and_delete(api, tenant, job.job_id))
    # (recorded as merge_results's calls: its cleanup is what the IAM conformance test checks)
    with aws_calls.acting_as("merge_results"), pytest.raises(JobNotActive):
        pipeline.merge(event, repo=jobs_repo, media=racing, clock=utc_now)
    # Then what merging wrote under tenants/ (no lifecycle there) is gone with the rest
    assert _objects_of(tenant.tenant_id, job.job_id) == []
    assert _items_of(tenant.tenant_id, job.job_id) == []


def test_merge_keeps_the_transcript_and_results_of_a_completed_job_under_tenants(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    job, media, transcript = _job_with_staged_transcript(api, tenant, jobs_repo)
    event = MergeEvent(
        job_id=job.job_id,
        tenant_id=tenant.tenant_id,
        media=_MEDIA,
        media_outputs=[transcript],
        analysis=[AnalysisOutcome(capability="summary", result_key=None)],
    )
    with aws_calls.acting_as("merge_results"):
        completed = pipeline.merge(event, repo=jobs_repo, media=media, clock=utc_now)
    # The staged copies expire with the media; what the job shows lives under tenants/
    assert completed.result_capabilities == ["transcription"]  # summary failed: only what succeeded is kept
    kept = {o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=get_settings().bucket_name)["Contents"]}
    assert f"{job_prefix(tenant.tenant_id, job.job_id)}results/transcription.json" in kept
    shown = api.get(f"/v1/jobs/{job.job_id}", headers=tenant.headers).json["data"]
    assert shown["results"]["transcription"]["text"] == _transcript().text


def test_a_webhook_attempt_finishing_after_its_job_was_deleted_logs_nothing(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    # Given a cancelled job whose webhook attempt 1 was claimed and is in flight
    job_id = create(api, tenant, job_body(webhook_url="https://hooks.example.com/in")).json["data"]["job_id"]
    assert api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers).status_code == 200
    deliveries = dependencies.webhook_deliveries()
    now = int(utc_now().timestamp())
    assert deliveries.claim(tenant.tenant_id, job_id, run=0, attempt=1, lease_until=now + 30, now=now)
    # When the client deletes the job before the attempt is recorded
    assert api.delete(f"/v1/jobs/{job_id}", headers=tenant.headers).status_code == 200
    attempt = WebhookAttempt(
        attempt=1,
        webhook_id=f"msg_{job_id}",
        event_type="job.cancelled",
        url="https://hooks.example.com/in",
        attempted_at=utc_now().isoformat(),
        duration_ms=12,
        status_code=200,
        outcome=WebhookState.DELIVERED,
        trigger="event",
    )
    recorded = deliveries.record(
        tenant.tenant_id,
        job_id,
        attempt,
        WebhookStatus(status=WebhookState.DELIVERED, attempts=1),
        run=0,
    )
    # Then the attempt's log item does not bring the job back
    assert recorded is False
    assert _items_of(tenant.tenant_id, job_id) == []


def _principal(tenant: TenantHandle) -> Principal:
    return Principal(tenant_id=tenant.tenant_id, key_id=tenant.key_id, rate_limit_per_minute=100)


def test_deleting_an_old_job_keeps_the_idempotency_record_of_the_newer_job_its_key_made(
    tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    guard = UrlGuard(allow_loopback=False, resolve=public_resolver)
    request = CreateJobRequest.model_validate(job_body())
    clock = FakeClock()

    def create_now() -> jobs.CreatedJob:
        return jobs.create_job(
            request, principal=_principal(tenant), idempotency_key="k-1", repo=jobs_repo, url_guard=guard, clock=clock
        )

    # Given a key that made an old job, and 49 hours later a newer one
    old = create_now().job
    jobs.cancel_job(tenant.tenant_id, old.job_id, repo=jobs_repo, workflow=dependencies.workflow_client(), clock=clock)
    clock.advance(hours=49)
    newer = create_now()
    assert not newer.replayed and newer.job.job_id != old.job_id
    # When the old job is deleted
    jobs.delete_job(
        tenant.tenant_id,
        old.job_id,
        repo=jobs_repo,
        media=dependencies.media_store(),
        deliveries=dependencies.webhook_deliveries(),
        fingerprints=dependencies.fingerprint_index(),
    )
    # Then a retry of the newer request still replays the newer job instead of making a third
    retried = create_now()
    assert retried.replayed
    assert retried.job.job_id == newer.job.job_id


def test_deleting_a_job_removes_the_idempotency_record_it_owns(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    job_id = create(api, tenant, **{"Idempotency-Key": "own-1"}).json["data"]["job_id"]
    assert api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers).status_code == 200
    assert api.delete(f"/v1/jobs/{job_id}", headers=tenant.headers).status_code == 200
    assert _items_of(tenant.tenant_id, job_id) == []
    again = create(api, tenant, **{"Idempotency-Key": "own-1"})
    assert again.status_code == 202
    assert again.json["data"]["job_id"] != job_id
