"""Idempotency-Key on POST /v1/jobs: replay, reuse, concurrency and the 48-hour window."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.test import Client

from tests.integration.conftest import FakeClock, TenantHandle, create, job_body, public_resolver
from vidscope import catalog
from vidscope.adapters import table
from vidscope.clock import utc_now
from vidscope.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from vidscope.jobs import lifecycle as jobs
from vidscope.jobs.capability_models import CreateJobRequest
from vidscope.jobs.repository import JobsRepository
from vidscope.ssrf import UrlGuard
from vidscope.tenancy.tenants import Principal, TenantsRepository


def _all_jobs(repo: JobsRepository, tenant_id: str) -> list[str]:
    page = repo.query(tenant_id, status=None, sk_from="JOB#", sk_to="JOB#~", start_after_job_id=None, limit=1000)
    return [r.job_id for r in page.records]


def test_replay_with_same_key_and_body_returns_original_job_with_200(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    first = create(api, tenant, **{"Idempotency-Key": "order-1"})
    second = create(api, tenant, **{"Idempotency-Key": "order-1"})
    assert first.status_code == 202 and "Idempotent-Replayed" not in first.headers
    assert second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json["data"]["job_id"] == first.json["data"]["job_id"]
    assert _all_jobs(jobs_repo, tenant.tenant_id) == [first.json["data"]["job_id"]]


def test_replay_ignores_key_order_and_whitespace_in_the_body(api: Client, tenant: TenantHandle) -> None:
    first = create(api, tenant, job_body(return_proof=True), **{"Idempotency-Key": "k"})
    reordered = '{ "return_proof": true,  "capabilities": ["transcription"], "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"}'
    second = api.post(
        "/v1/jobs",
        data=reordered,
        headers={**tenant.headers, "Idempotency-Key": "k", "Content-Type": "application/json"},
    )
    assert second.status_code == 200
    assert second.json["data"]["job_id"] == first.json["data"]["job_id"]


def test_same_key_with_a_different_body_is_422_and_creates_nothing(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    create(api, tenant, **{"Idempotency-Key": "order-2"})
    response = create(api, tenant, job_body(capabilities=["summary"]), **{"Idempotency-Key": "order-2"})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(_all_jobs(jobs_repo, tenant.tenant_id)) == 1


def test_keys_are_scoped_per_tenant(api: Client, make_tenant, jobs_repo: JobsRepository) -> None:  # type: ignore[no-untyped-def]
    a, b = make_tenant(), make_tenant()
    job_a = create(api, a, **{"Idempotency-Key": "shared"}).json["data"]["job_id"]
    response_b = create(api, b, **{"Idempotency-Key": "shared"})
    assert response_b.status_code == 202
    assert response_b.json["data"]["job_id"] != job_a


def test_key_of_255_characters_is_accepted_and_256_refused(api: Client, tenant: TenantHandle) -> None:
    assert create(api, tenant, **{"Idempotency-Key": "k" * 255}).status_code == 202
    refused = create(api, tenant, **{"Idempotency-Key": "k" * 256})
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "VALIDATION_ERROR"


def test_validation_failures_are_not_stored_against_the_key(api: Client, tenant: TenantHandle) -> None:
    bad = create(api, tenant, job_body(capabilities=[]), **{"Idempotency-Key": "retry-me"})
    good = create(api, tenant, **{"Idempotency-Key": "retry-me"})
    assert bad.status_code == 400
    assert good.status_code == 202


def test_twenty_concurrent_creates_with_one_key_make_one_job_and_one_hold(
    tenant: TenantHandle, jobs_repo: JobsRepository, tenants_repo: TenantsRepository
) -> None:
    # Given 20 requests with one key racing into creation at the same instant. (Each Lambda
    # environment serves one request at a time, so the race is between environments: here,
    # threads calling the domain against the same moto table.)
    principal = Principal(tenant_id=tenant.tenant_id, key_id=tenant.key_id, rate_limit_per_minute=100)
    guard = UrlGuard(allow_loopback=False, resolve=public_resolver)
    request = CreateJobRequest.model_validate(job_body())
    start = threading.Barrier(20)

    def attempt(_: int) -> tuple[str, str]:
        start.wait()
        try:
            created = jobs.create_job(
                request, principal=principal, idempotency_key="race", repo=jobs_repo, url_guard=guard, clock=utc_now
            )
        except IdempotencyKeyInUse:
            return "in_use", ""
        return ("replayed" if created.replayed else "created"), created.job.job_id

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(attempt, range(20)))
    # Then exactly one job and one hold exist, and every answer names that job
    job_ids = _all_jobs(jobs_repo, tenant.tenant_id)
    assert len(job_ids) == 1
    assert [outcome for outcome, _ in results].count("created") == 1
    assert {job for outcome, job in results if outcome != "in_use"} == set(job_ids)
    holds = [e for e in tenants_repo.ledger(tenant.tenant_id) if e["reason"] == "hold"]
    assert len(holds) == 1


def test_concurrent_http_requests_with_one_key_get_one_job(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: create(api, tenant, **{"Idempotency-Key": "http-race"}), range(8)))
    statuses = sorted(r.status_code for r in responses)
    # One creates; the rest replay it, or are told the key is still in use (409, Retry-After):
    # the requests truly run at once, each in its own execution environment.
    assert statuses.count(202) == 1 and set(statuses) <= {200, 202, 409}
    answered = {r.json["data"]["job_id"] for r in responses if r.status_code != 409}
    assert answered == set(_all_jobs(jobs_repo, tenant.tenant_id)) and len(answered) == 1


@pytest.fixture
def create_at(jobs_repo: JobsRepository, tenant: TenantHandle):  # type: ignore[no-untyped-def]
    principal = Principal(tenant_id=tenant.tenant_id, key_id=tenant.key_id, rate_limit_per_minute=100)
    guard = UrlGuard(allow_loopback=False, resolve=public_resolver)

    def create_with(clock: FakeClock, body: dict[str, object] | None = None) -> jobs.CreatedJob:
        return jobs.create_job(
            CreateJobRequest.model_validate(body or job_body()),
            principal=principal,
            idempotency_key="window",
            repo=jobs_repo,
            url_guard=guard,
            clock=clock,
        )

    return create_with


def test_replay_at_47h59m_returns_the_original_job(create_at) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    original = create_at(clock)
    clock.advance(hours=47, minutes=59)
    replay = create_at(clock)
    assert replay.replayed and replay.job.job_id == original.job.job_id


def test_after_48h01m_a_new_job_is_created_even_though_the_record_is_still_stored(
    create_at,
    jobs_repo: JobsRepository,
    tenant: TenantHandle,  # type: ignore[no-untyped-def]
) -> None:
    clock = FakeClock()
    original = create_at(clock)
    clock.advance(hours=48, minutes=1)
    # moto, like DynamoDB, has not deleted the expired record: only the timestamp says it is gone
    assert jobs_repo.get_idempotency_record(tenant.tenant_id, original.job.idempotency_digest) is not None
    fresh = create_at(clock)
    assert not fresh.replayed
    assert fresh.job.job_id != original.job.job_id
    record = jobs_repo.get_idempotency_record(tenant.tenant_id, original.job.idempotency_digest)
    assert record is not None and record.job_id == fresh.job.job_id


def test_after_48h_a_different_body_is_no_longer_a_reuse_error(create_at) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    create_at(clock)
    with pytest.raises(IdempotencyKeyReused):
        create_at(clock, job_body(capabilities=["summary"]))
    clock.advance(hours=48, seconds=1)
    assert not create_at(clock, job_body(capabilities=["summary"])).replayed


def test_idempotency_records_carry_the_ttl_attribute(
    create_at, jobs_repo: JobsRepository, tenant: TenantHandle
) -> None:  # type: ignore[no-untyped-def]
    created = create_at(FakeClock())
    item = jobs_repo._client.get_item(  # reading the raw item is the point of this test
        TableName=jobs_repo.table_name,
        Key={
            "PK": {"S": table.tenant_pk(tenant.tenant_id)},
            "SK": {"S": table.idempotency_sk(created.job.idempotency_digest)},
        },
    )["Item"]
    assert int(item[table.TTL_ATTRIBUTE]["N"]) - int(FakeClock()().timestamp()) == catalog.IDEMPOTENCY_TTL_SECONDS
