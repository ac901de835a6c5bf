"""A job reaches exactly one terminal state when the client's cancel and the pipeline's
completion (or failure) race, and the credits follow whichever won."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.integration.conftest import TenantHandle, staged_empty_transcript
from vidscope import dependencies
from vidscope.adapters.workflow import WorkflowClient
from vidscope.clock import utc_now
from vidscope.errors import JobNotCancellable
from vidscope.jobs import lifecycle as jobs
from vidscope.jobs.capability_models import CreateJobRequest
from vidscope.jobs.repository import JobRecord, JobsRepository
from vidscope.models import JobStatus
from vidscope.pipeline import stages as pipeline
from vidscope.pipeline.errors import JobNotActive
from vidscope.pipeline.messages import Failure, IngestedMedia, JobRef, MergeEvent
from vidscope.tenancy.tenants import Principal, TenantsRepository

ROUNDS = 8


def _processing_job(repo: JobsRepository, tenant: TenantHandle) -> JobRecord:
    created = jobs.create_job(
        CreateJobRequest(url="https://www.youtube.com/watch?v=race", capabilities=["transcription", "brands"]),
        principal=Principal(tenant_id=tenant.tenant_id, key_id=tenant.key_id, rate_limit_per_minute=10_000),
        idempotency_key=None,
        repo=repo,
        url_guard=dependencies.url_guard(),
        clock=utc_now,
    )
    return repo.transition(
        created.job, to_status=JobStatus.PROCESSING, allowed_from=frozenset({JobStatus.PENDING}), now=utc_now()
    )


def _race(first: Callable[[], Any], second: Callable[[], Any]) -> list[BaseException | None]:
    barrier = threading.Barrier(2)
    outcomes: list[BaseException | None] = [None, None]

    def run(index: int, action: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            action()
        except (JobNotActive, JobNotCancellable) as exc:
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _canceller(job: JobRecord) -> Callable[[], Any]:
    """The client's cancel of ``job`` (no execution to stop: these jobs run none)."""
    return lambda: jobs.cancel_job(
        job.tenant_id,
        job.job_id,
        repo=dependencies.jobs_repository(),
        workflow=WorkflowClient(None, None),
        clock=utc_now,
    )


def _ending(job: JobRecord, kind: str) -> Callable[[], Any]:
    repo = dependencies.jobs_repository()
    if kind == "complete":
        event = MergeEvent(
            job_id=job.job_id,
            tenant_id=job.tenant_id,
            media=IngestedMedia(media_key="k", duration_seconds=90, size_bytes=1),
            media_outputs=[staged_empty_transcript(seconds=90)],
        )
        return lambda: pipeline.merge(event, repo=repo, media=dependencies.media_store(), clock=utc_now)
    return lambda: pipeline.fail(
        JobRef(job_id=job.job_id, tenant_id=job.tenant_id), Failure(Error="DownloadFailed"), repo=repo, clock=utc_now
    )


@pytest.mark.parametrize("ending", ["complete", "fail"])
def test_cancel_racing_the_pipeline_ends_in_exactly_one_terminal_state(
    jobs_repo: JobsRepository, tenants_repo: TenantsRepository, tenant: TenantHandle, ending: str
) -> None:
    start_balance = tenants_repo.get_tenant(tenant.tenant_id).credit_balance
    expected_balance = start_balance
    for _ in range(ROUNDS):
        job = _processing_job(jobs_repo, tenant)
        cancel = _canceller(job)
        cancel_error, pipeline_error = _race(cancel, _ending(job, ending))
        final = jobs_repo.get(tenant.tenant_id, job.job_id)
        assert final is not None
        if final.status is JobStatus.CANCELLED:
            assert cancel_error is None
            if ending == "complete":
                assert isinstance(pipeline_error, JobNotActive)
        else:
            assert final.status is (JobStatus.COMPLETED if ending == "complete" else JobStatus.FAILED)
            assert isinstance(cancel_error, JobNotCancellable)
        expected_balance -= final.credits_charged or 0
        ledger = tenants_repo.ledger(tenant.tenant_id)
        balance = tenants_repo.get_tenant(tenant.tenant_id).credit_balance
        assert balance == sum(e["amount"] for e in ledger) == expected_balance
        # The hold came back at most once, whoever won: what the job kept is what it charged.
        entries = [e for e in ledger if e.get("job_id") == job.job_id]
        assert len([e for e in entries if e["reason"] in ("refund", "remainder")]) <= 1
        assert sum(e["amount"] for e in entries) == -(final.credits_charged or 0)


def test_a_terminal_job_never_leaves_its_state(jobs_repo: JobsRepository, tenant: TenantHandle) -> None:
    job = _processing_job(jobs_repo, tenant)
    _canceller(job)()
    _ending(job, "fail")()
    with pytest.raises(JobNotActive):
        _ending(job, "complete")()
    final = jobs_repo.get(tenant.tenant_id, job.job_id)
    assert final is not None and final.status is JobStatus.CANCELLED and final.error is None
    assert datetime.fromisoformat(final.completed_at or "").tzinfo == UTC


def _raise_hold(job: JobRecord, price: int) -> Callable[[], Any]:
    ref = JobRef(job_id=job.job_id, tenant_id=job.tenant_id)
    return lambda: pipeline.hold_price(dependencies.jobs_repository(), ref, price, utc_now)


def test_a_cancel_racing_ingestions_price_refunds_whatever_hold_won(
    jobs_repo: JobsRepository, tenants_repo: TenantsRepository, tenant: TenantHandle
) -> None:
    # Ingestion raises the hold to the media's real price while the client cancels: the refund is
    # the hold the job has when the cancel commits, never the one it had when the cancel read it.
    start_balance = tenants_repo.get_tenant(tenant.tenant_id).credit_balance
    for _ in range(ROUNDS):
        job = _processing_job(jobs_repo, tenant)
        cancel = _canceller(job)
        _race(cancel, _raise_hold(job, job.credits_held * 5))
        final = jobs_repo.get(tenant.tenant_id, job.job_id)
        assert final is not None and final.status is JobStatus.CANCELLED
        balance = tenants_repo.get_tenant(tenant.tenant_id).credit_balance
        assert balance == sum(e["amount"] for e in tenants_repo.ledger(tenant.tenant_id)) == start_balance


def test_overlapping_ingestions_raise_the_hold_once(
    jobs_repo: JobsRepository, tenants_repo: TenantsRepository, tenant: TenantHandle
) -> None:
    # A Lambda retry that overlaps the first attempt prices the job again: one difference is taken.
    start_balance = tenants_repo.get_tenant(tenant.tenant_id).credit_balance
    for _ in range(ROUNDS):
        job = _processing_job(jobs_repo, tenant)
        price = job.credits_held * 3
        _race(_raise_hold(job, price), _raise_hold(job, price))
        final = jobs_repo.get(tenant.tenant_id, job.job_id)
        assert final is not None and final.credits_held == final.credits_estimated == price
        balance = tenants_repo.get_tenant(tenant.tenant_id).credit_balance
        assert balance == sum(e["amount"] for e in tenants_repo.ledger(tenant.tenant_id)) == start_balance - price
        # Cancelled, it gives back the whole (raised) hold, and frees its place for the next round.
        _canceller(job)()
        assert tenants_repo.get_tenant(tenant.tenant_id).credit_balance == start_balance


def test_a_capability_with_no_outcome_is_reported_and_not_charged(
    jobs_repo: JobsRepository, tenant: TenantHandle
) -> None:
    # The merge event carries the transcript but no brands outcome: brands is an error, never silently absent.
    job = _processing_job(jobs_repo, tenant)
    _ending(job, "complete")()
    final = jobs_repo.get(tenant.tenant_id, job.job_id)
    assert final is not None and final.status is JobStatus.COMPLETED
    assert final.result_capabilities == ["transcription"]
    assert [(e.capability, e.code) for e in final.capability_errors or []] == [("brands", "ANALYSIS_FAILED")]
    assert set(final.cost_breakdown or {}) == {"transcription"}
