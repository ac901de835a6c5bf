"""Failed compute counts against the tenant (DESIGN §7): every second a failed job ran adds to the
tenant's count for the UTC day, and once the count reaches the plan's allowance the next job is
refused with 429 FAILED_COMPUTE_BUDGET_EXCEEDED until the day rolls; nothing is held for it, and
a replay of a job already made is still answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.test import Client

from tests.integration.conftest import TenantHandle, create, job_body, new_tenant
from vidscope import catalog
from vidscope.clock import iso_ms, utc_now
from vidscope.jobs.repository import JobsRepository
from vidscope.models import JobStatus
from vidscope.pipeline import stages as pipeline
from vidscope.pipeline.messages import Failure, JobRef
from vidscope.tenancy import failed_compute
from vidscope.tenancy.tenants import TenantsRepository

FREE_ALLOWANCE = catalog.FAILED_COMPUTE_SECONDS_PER_DAY["free"]


@pytest.fixture
def free_tenant(tenants_repo: TenantsRepository) -> TenantHandle:
    return new_tenant(credits=1_000_000, name="Free", plan="free")


def _fails_after_running(repo: JobsRepository, tenant: TenantHandle, job_id: str, seconds: float) -> None:
    """The job starts ``seconds`` ago (as ingestion marks it) and fails now, as the failure path does."""
    record = repo.get(tenant.tenant_id, job_id)
    assert record is not None
    started = utc_now() - timedelta(seconds=seconds)
    repo.transition(
        record,
        to_status=JobStatus.PROCESSING,
        allowed_from=frozenset({JobStatus.PENDING}),
        now=started,
        set_fields={"started_at": iso_ms(started)},
    )
    ref = JobRef(job_id=job_id, tenant_id=tenant.tenant_id)
    pipeline.fail(ref, Failure(Error="VisionFailed", Cause="too slow"), repo=repo, clock=utc_now)


def test_a_tenant_whose_failures_ran_past_the_days_allowance_is_refused_on_the_next_job_and_not_before(
    api: Client, free_tenant: TenantHandle, jobs_repo: JobsRepository, tenants_repo: TenantsRepository
) -> None:
    # Given a free tenant whose failed job ran 100 s short of the day's allowance
    first = create(api, free_tenant, job_body(), **{"Idempotency-Key": "first"})
    assert first.status_code == 202
    _fails_after_running(jobs_repo, free_tenant, first.json["data"]["job_id"], FREE_ALLOWANCE - 100)
    spent = jobs_repo.failed_compute_seconds(free_tenant.tenant_id, utc_now())
    assert FREE_ALLOWANCE - 100 <= spent < FREE_ALLOWANCE
    # Then its next job is still accepted
    second = create(api, free_tenant)
    assert second.status_code == 202, second.json
    # When that one fails too, after 200 s
    _fails_after_running(jobs_repo, free_tenant, second.json["data"]["job_id"], 200)
    assert jobs_repo.failed_compute_seconds(free_tenant.tenant_id, utc_now()) >= FREE_ALLOWANCE
    balance = tenants_repo.get_tenant(free_tenant.tenant_id).credit_balance
    # Then the next job is refused until the UTC day ends, and nothing is held for it
    refused = create(api, free_tenant)
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "FAILED_COMPUTE_BUDGET_EXCEEDED"
    assert f"allowance is {FREE_ALLOWANCE} s" in refused.json["error"]["message"]
    until_midnight = failed_compute.seconds_until_next_day(datetime.now(UTC))
    assert abs(int(refused.headers["Retry-After"]) - until_midnight) <= 5
    assert tenants_repo.get_tenant(free_tenant.tenant_id).credit_balance == balance
    assert len(api.get("/v1/jobs", headers=free_tenant.headers).json["data"]) == 2
    # And a replay of a job it already made is answered as before
    replay = create(api, free_tenant, job_body(), **{"Idempotency-Key": "first"})
    assert replay.status_code == 200 and replay.json["data"]["job_id"] == first.json["data"]["job_id"]


def test_the_allowance_is_per_tenant_and_a_failure_before_ingestion_started_costs_nothing(
    api: Client, free_tenant: TenantHandle, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    created = create(api, free_tenant)
    _fails_after_running(jobs_repo, free_tenant, created.json["data"]["job_id"], FREE_ALLOWANCE)
    assert create(api, free_tenant).status_code == 429
    assert create(api, tenant).status_code == 202  # another tenant's failures are not its own
    # A job failed while still pending (never started) ran nothing
    pending = create(api, tenant).json["data"]["job_id"]
    ref = JobRef(job_id=pending, tenant_id=tenant.tenant_id)
    pipeline.fail(ref, Failure(Error="DownloadFailed", Cause="gone"), repo=jobs_repo, clock=utc_now)
    assert jobs_repo.failed_compute_seconds(tenant.tenant_id, utc_now()) == 0
