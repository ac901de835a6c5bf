"""The job lifecycle as the API drives it: create, read, list, cancel, delete. Reading a completed
job's results back (the job view, result pages, the transcript) is ``vidscope.jobs.results``."""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from vidscope import catalog
from vidscope.adapters import table
from vidscope.adapters.dynamo import TransactItem
from vidscope.adapters.media_store import MediaStore
from vidscope.clock import Clock, iso_ms
from vidscope.errors import (
    FailedComputeBudgetExceeded,
    IdempotencyKeyInUse,
    JobNotCancellable,
    JobNotDeletable,
    JobNotFound,
    UnsupportedCapability,
    UploadIncomplete,
    UploadNotFound,
    UploadTooLarge,
    ValidationFailed,
)
from vidscope.ids import (
    JOB_TIME_RANGE,
    first_job_id_after,
    in_job_time_range,
    is_job_id,
    job_id_time_prefix,
    new_job_id,
)
from vidscope.jobs import idempotency
from vidscope.jobs.capability_names import CAPABILITY_NAMES
from vidscope.jobs.repository import (
    IdempotencyRecordExists,
    JobRecord,
    JobsRepository,
    JoinedWriteRefused,
    TransitionRefused,
    WriteConflict,
)
from vidscope.models import (
    CANCELLABLE_STATUSES,
    TERMINAL_STATUSES,
    JobStatus,
    Platform,
    WebhookState,
    WebhookStatus,
)
from vidscope.platforms import detect_platform
from vidscope.settings import get_settings
from vidscope.tenancy import credits, failed_compute

if TYPE_CHECKING:
    # Types only: the adapters are built in vidscope.dependencies, and each API function needs
    # few of them (its cold start is budgeted, DESIGN §9).
    from vidscope.adapters.workflow import WorkflowClient
    from vidscope.fingerprints.index import FingerprintIndex
    from vidscope.jobs.capability_models import CreateJobRequest
    from vidscope.jobs.pagination import CursorCodec
    from vidscope.jobs.plan import ExecutionInput
    from vidscope.jobs.uploads import Uploads
    from vidscope.ssrf import UrlGuard
    from vidscope.tenancy.tenants import Principal

# Concurrent transactions on one idempotency key are cancelled with TransactionConflict; after
# the winner commits, a retry finds its record and replays. Past these tries the caller is told
# to retry (409 IDEMPOTENCY_KEY_IN_USE, Retry-After: 1), never given a second job.
_CONFLICT_RETRIES = 5
_CONFLICT_BACKOFF_SECONDS = 0.05


@dataclass(frozen=True)
class CreatedJob:
    job: JobRecord
    replayed: bool


def create_job(
    request: CreateJobRequest,
    *,
    principal: Principal,
    idempotency_key: str | None,
    repo: JobsRepository,
    url_guard: UrlGuard,
    clock: Clock,
    workflow: WorkflowClient | None = None,
    uploads: Uploads | None = None,
) -> CreatedJob:
    """Create a pending job holding its estimated credits and start its workflow (when one is
    given), or replay the job an ``Idempotency-Key`` already made (same body) within 48 hours.
    ``TooManyActiveJobs`` when the tenant already has its plan's ceiling of unfinished jobs,
    ``FailedComputeBudgetExceeded`` when its failures used up the day's allowance. A job
    on an upload finds it whole and within the limits first (``Uploads.check``)."""
    if request.url is not None:
        url_guard.check_media_url(request.url)
    elif uploads is None:
        raise ValueError("a job on an upload needs the uploads adapter")
    if request.webhook_url is not None:
        url_guard.check_webhook_url(request.webhook_url)
    digest = idempotency.key_digest(idempotency_key) if idempotency_key is not None else None
    fingerprint = idempotency.request_fingerprint(request.idempotency_document())

    for attempt in range(_CONFLICT_RETRIES):
        now = clock()
        replay = _resumed_replay(repo, principal.tenant_id, digest, fingerprint, now, workflow) if digest else None
        if replay is not None:
            return replay
        if attempt == 0:  # a new job, not a replay: once per request
            _refuse_over_failed_compute(repo, principal, now)
        record = new_job_record(request, principal.tenant_id, digest, now)
        # Checked for a new job only: a replay within 48 hours returns the job even after its
        # upload was used, expired (a day) or the bucket removed the file.
        consumption = _upload_consumption(
            request, record, now, uploads=uploads, repo=repo, digest=digest, fingerprint=fingerprint
        )
        if consumption is None:
            continue  # this key's first request used the upload since the replay check: replay it
        consumed, second_uploads = consumption
        if second_uploads:
            record.second_uploads = second_uploads
        put = (
            idempotency.record_put(repo.table_name, principal.tenant_id, digest, fingerprint, record.job_id, now)
            if digest is not None
            else None
        )
        try:
            repo.create(
                record,
                idempotency_put=put,
                now=now,
                active_jobs_ceiling=catalog.max_active_jobs(principal.plan),
                joined_writes=consumed,
            )
        except (IdempotencyRecordExists, WriteConflict):
            time.sleep(_CONFLICT_BACKOFF_SECONDS * (attempt + 1))
            continue
        except JoinedWriteRefused:
            continue  # another job took the upload meanwhile: the next round replays it or says so
        if workflow is not None:
            record = start_workflow(record, repo=repo, workflow=workflow)
        return CreatedJob(job=record, replayed=False)
    raise IdempotencyKeyInUse("a request with this Idempotency-Key is still in progress; retry shortly")


def _resumed_replay(
    repo: JobsRepository,
    tenant_id: str,
    digest: str,
    fingerprint: str,
    now: datetime,
    workflow: WorkflowClient | None,
) -> CreatedJob | None:
    """The job this key already made (``_replay``), its workflow started if the first request died
    between creating and starting it (starting is idempotent)."""
    replay = _replay(repo, tenant_id, digest, fingerprint, now)
    if replay is None or workflow is None or replay.job.status is not JobStatus.PENDING or replay.job.execution_arn:
        return replay
    return CreatedJob(job=start_workflow(replay.job, repo=repo, workflow=workflow), replayed=True)


def _refuse_over_failed_compute(repo: JobsRepository, principal: Principal, now: datetime) -> None:
    """``FailedComputeBudgetExceeded`` once the tenant's failures have run its plan's daily
    allowance (DESIGN §7: failed compute counts against the tenant; failures are refunded, so
    they are capped rather than charged). One GetItem of the day's counter."""
    spent = repo.failed_compute_seconds(principal.tenant_id, now)
    budget = catalog.failed_compute_budget(principal.plan)
    if spent >= budget:
        raise FailedComputeBudgetExceeded(
            f"this account's failed jobs ran {spent} s of compute today, the {principal.plan} plan's daily "
            f"allowance is {budget} s; new jobs are accepted again when the UTC day ends",
            retry_after_seconds=failed_compute.seconds_until_next_day(now),
        )


def _upload_consumption(
    request: CreateJobRequest,
    record: JobRecord,
    now: datetime,
    *,
    uploads: Uploads | None,
    repo: JobsRepository,
    digest: str | None,
    fingerprint: str,
) -> tuple[list[TransactItem], list[str]] | None:
    """The writes that consume the job's uploads in the job's own transaction (none for a job on
    a URL with no uploaded second media), once each is found whole and unused
    (``Uploads.check``), and the second media uploads among them; None when this request's own
    Idempotency-Key made a job with them since the replay check (the caller replays that). A
    second media upload that cannot be used is left to ingestion, which fails its capability
    alone (TEMPLATE_NOT_FOUND, …), not the job."""
    if uploads is None:
        return [], []
    found = []
    if request.upload_id is not None:
        try:
            found.append(uploads.check(record.tenant_id, request.upload_id, now))
        except UploadNotFound:
            if digest is None or _replay(repo, record.tenant_id, digest, fingerprint, now) is None:
                raise
            return None
    second_uploads = []
    for upload_id in request.second_media_uploads():
        with contextlib.suppress(UploadNotFound, UploadIncomplete, UploadTooLarge):
            found.append(uploads.check(record.tenant_id, upload_id, now))
            second_uploads.append(upload_id)
    return uploads.consume(found, record.job_id, now), second_uploads


def start_workflow(job: JobRecord, *, repo: JobsRepository, workflow: WorkflowClient) -> JobRecord:
    """Start the job's execution (named after the job) and remember its ARN on the job."""
    execution_arn = workflow.start(pipeline_input(job))
    if execution_arn is None:
        return job
    repo.record_execution(job.tenant_id, job.job_id, execution_arn)
    return job.model_copy(update={"execution_arn": execution_arn})


def pipeline_input(job: JobRecord) -> ExecutionInput:
    # The workflow's models and the plan (which reads the capability registry): only creation needs them.
    from vidscope.jobs.plan import ExecutionInput, plan_for

    settings = get_settings()
    return ExecutionInput(
        job_id=job.job_id,
        tenant_id=job.tenant_id,
        plan=plan_for(job.capabilities, job.options),
        options=job.options,
        config={
            "heartbeat_seconds": settings.heartbeat_seconds,
            "transcription_timeout_seconds": settings.transcription_timeout_seconds,
            "vision_timeout_seconds": settings.vision_timeout_seconds,
        },
    )


def _replay(repo: JobsRepository, tenant_id: str, digest: str, fingerprint: str, now: datetime) -> CreatedJob | None:
    existing = repo.get_idempotency_record(tenant_id, digest)
    if existing is None or not existing.is_live(now):
        return None
    job = repo.get(tenant_id, existing.job_for(fingerprint))
    if job is None:  # the record is written with its job and deleted with it
        return None
    return CreatedJob(job=job, replayed=True)


def new_job_record(request: CreateJobRequest, tenant_id: str, digest: str | None, now: datetime) -> JobRecord:
    """A pending job for ``request``, holding its estimated credits."""
    timestamp = iso_ms(now)
    estimate = catalog.minimum_credits(request.capabilities)
    return JobRecord(
        job_id=new_job_id(now),
        tenant_id=tenant_id,
        status=JobStatus.PENDING,
        url=request.url,
        upload_id=request.upload_id,
        platform=detect_platform(request.url) if request.url is not None else Platform.UPLOAD,
        capabilities=request.capabilities,
        credits_estimated=estimate,
        credits_held=estimate,
        return_proof=request.return_proof,
        reuse=request.reuse,
        options=request.capability_options(),
        webhook_url=request.webhook_url,
        webhook=WebhookStatus(status=WebhookState.PENDING, attempts=0) if request.webhook_url else None,
        metadata=request.metadata or {},
        created_at=timestamp,
        updated_at=timestamp,
        idempotency_digest=digest,
    )


def get_job(tenant_id: str, job_id: str, *, repo: JobsRepository) -> JobRecord:
    """The caller's job; another tenant's job or a malformed id is simply not found."""
    job = repo.get(tenant_id, job_id) if is_job_id(job_id) else None
    if job is None:
        raise JobNotFound(f"no job {job_id!r}")
    return job


@dataclass(frozen=True)
class ListQuery:
    limit: int = catalog.LIST_DEFAULT_LIMIT
    status: JobStatus | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    cursor: str | None = None
    capability: str | None = None

    def filters_key(self) -> str:
        """What a cursor is bound to: the filters, not the page size."""
        parts = [
            self.status or "",
            self.created_after.isoformat() if self.created_after else "",
            self.created_before.isoformat() if self.created_before else "",
        ]
        if self.capability is not None:  # appended only when given: earlier cursors stay valid
            parts.append(self.capability)
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class JobList:
    jobs: list[JobRecord]
    has_more: bool
    next_cursor: str | None
    scanned_count: int


def _check_capability_filter(query: ListQuery) -> None:
    """A capability the service has, and not with ``status``: a job's capability markers do not
    follow its status, so that pair has no key condition to serve it."""
    if query.capability is None:
        return
    if query.capability not in CAPABILITY_NAMES:
        message = f"no capability named {query.capability!r}; supported: {', '.join(sorted(CAPABILITY_NAMES))}"
        raise UnsupportedCapability(message, [{"field": "capability", "location": "query", "message": message}])
    if query.status is not None:
        message = "cannot be combined with status; filter by one of them"
        raise ValidationFailed(
            f"capability {message}", [{"field": "capability", "location": "query", "message": message}]
        )


def list_jobs(tenant_id: str, query: ListQuery, *, repo: JobsRepository, cursors: CursorCodec) -> JobList:
    """One page of the tenant's jobs, newest first; reads at most ``limit + 1`` items (a
    capability's list: ``limit + 1`` markers, then the ``limit`` jobs by key)."""
    _check_capability_filter(query)
    for field, moment in (("created_after", query.created_after), ("created_before", query.created_before)):
        if moment is not None and not in_job_time_range(moment):
            message = f"must lie {JOB_TIME_RANGE}"
            raise ValidationFailed(f"{field} {message}", [{"field": field, "location": "query", "message": message}])
    if query.created_after and query.created_before and query.created_after >= query.created_before:
        raise ValidationFailed(
            "created_after must be earlier than created_before",
            [{"field": "created_after", "location": "query", "message": "must be earlier than created_before"}],
        )
    filters = query.filters_key()
    start_after = cursors.decode(query.cursor, tenant_id=tenant_id, filters=filters) if query.cursor else None
    page = repo.query(
        tenant_id,
        status=query.status,
        sk_from=table.job_sk(first_job_id_after(query.created_after)) if query.created_after else table.JOB_SK_PREFIX,
        sk_to=table.job_sk(job_id_time_prefix(query.created_before)) if query.created_before else table.JOB_SK_END,
        start_after_job_id=start_after,
        # One extra item tells whether another page exists without a second, empty read.
        limit=query.limit + 1,
        capability=query.capability,
    )
    listed = page.listed[: query.limit]
    jobs = page.records[: query.limit] if query.capability is None else repo.get_many(tenant_id, listed)
    has_more = len(page.listed) > query.limit
    next_cursor = cursors.encode(tenant_id=tenant_id, filters=filters, last_job_id=listed[-1]) if has_more else None
    return JobList(jobs=jobs, has_more=has_more, next_cursor=next_cursor, scanned_count=page.scanned_count)


def cancel_job(
    tenant_id: str, job_id: str, *, repo: JobsRepository, workflow: WorkflowClient, clock: Clock
) -> JobRecord:
    """Cancel a pending or processing job, refund its hold and stop its execution."""
    for _ in range(_CONFLICT_RETRIES):
        job = get_job(tenant_id, job_id, repo=repo)
        if job.status not in CANCELLABLE_STATUSES:
            raise JobNotCancellable(f"job {job_id} is {job.status} and can no longer be cancelled")
        now = clock()
        try:
            cancelled = repo.transition(
                job,
                to_status=JobStatus.CANCELLED,
                allowed_from=CANCELLABLE_STATUSES,
                now=now,
                extra_items=credits.release(repo.table_name, tenant_id, job_id, job.credits_held, "refund", now),
            )
            break
        except TransitionRefused:
            continue  # it ended, or ingestion raised its hold meanwhile: read it again
    else:
        raise JobNotCancellable(f"job {job_id} kept changing; retry the cancel")
    if cancelled.execution_arn:
        workflow.stop(cancelled.execution_arn, cause="cancelled by the client")
    return cancelled


class AttemptLog(Protocol):
    """The job's webhook attempt log (``vidscope.webhooks.attempts``), as deleting a job sees it."""

    def delete_attempts(self, tenant_id: str, job_id: str) -> None: ...


def _delete_item(job: JobRecord, repo: JobsRepository) -> None:
    """The job item and its list markers, retried while another write touches them at once."""
    for attempt in range(_CONFLICT_RETRIES):
        try:
            repo.delete(job, allowed_from=TERMINAL_STATUSES)
            return
        except TransitionRefused as exc:  # deleted by a concurrent request meanwhile
            raise JobNotFound(f"no job {job.job_id!r}") from exc
        except WriteConflict:
            if attempt == _CONFLICT_RETRIES - 1:
                raise
            time.sleep(_CONFLICT_BACKOFF_SECONDS * (attempt + 1))


def delete_job(
    tenant_id: str,
    job_id: str,
    *,
    repo: JobsRepository,
    media: MediaStore,
    deliveries: AttemptLog,
    fingerprints: FingerprintIndex,
) -> None:
    """Delete a finished job with its stored media, results, upload (file and record) and
    webhook attempt log.

    Everything is swept twice: before the job item goes, so a request that fails half-way can
    be retried (the job is still there to find), and after, because every late writer checks
    the job item (stages before they write, webhook attempts in the same transaction as their
    log item): whatever was written before the job was seen gone is stored by the second sweep."""
    job = get_job(tenant_id, job_id, repo=repo)
    if job.status not in TERMINAL_STATUSES:
        raise JobNotDeletable(f"job {job_id} is {job.status}; cancel it before deleting it")
    media.delete_job_objects(tenant_id, job_id, uploads=job.uploads)
    deliveries.delete_attempts(tenant_id, job_id)
    fingerprints.remove(tenant_id, job_id)
    _delete_item(job, repo)
    media.delete_job_objects(tenant_id, job_id, uploads=job.uploads)
    deliveries.delete_attempts(tenant_id, job_id)
    # A fingerprint analysis that stored its print after this sweep finds the media gone and
    # takes its print back (pipeline.analysis_stage.analyze).
    fingerprints.remove(tenant_id, job_id)
