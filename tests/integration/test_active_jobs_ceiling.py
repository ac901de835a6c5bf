"""Per-tenant ceiling on unfinished jobs: at its plan's ceiling a tenant is refused with 429
TOO_MANY_ACTIVE_JOBS (no job, no hold); every way a job ends frees exactly one place; replays
are not counted; a burst cannot slip past the ceiling."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.test import Client

from tests.integration.conftest import TenantHandle, create, job_body, new_tenant, staged_empty_transcript
from vidscope import catalog, dependencies
from vidscope.clock import utc_now
from vidscope.errors import JobNotCancellable
from vidscope.jobs import lifecycle as jobs
from vidscope.jobs.repository import JobsRepository
from vidscope.models import JobStatus
from vidscope.pipeline import stages as pipeline
from vidscope.pipeline.errors import JobNotActive
from vidscope.pipeline.messages import Failure, IngestedMedia, JobRef, MergeEvent
from vidscope.tenancy.tenants import TenantsRepository

FREE_CEILING = catalog.MAX_ACTIVE_JOBS["free"]


@pytest.fixture
def free_tenant(tenants_repo: TenantsRepository) -> TenantHandle:
    return new_tenant(credits=1_000_000, name="Free", plan="free")


def _fill(api: Client, tenant: TenantHandle) -> list[str]:
    responses = [create(api, tenant) for _ in range(FREE_CEILING)]
    assert [r.status_code for r in responses] == [202] * FREE_CEILING
    return [r.json["data"]["job_id"] for r in responses]


def test_a_tenant_at_its_ceiling_is_refused_with_429_and_nothing_is_held(
    api: Client, free_tenant: TenantHandle, jobs_repo: JobsRepository, tenants_repo: TenantsRepository
) -> None:
    _fill(api, free_tenant)
    balance = tenants_repo.get_tenant(free_tenant.tenant_id).credit_balance
    refused = create(api, free_tenant)
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "TOO_MANY_ACTIVE_JOBS"
    assert str(FREE_CEILING) in refused.json["error"]["message"]
    assert refused.headers["Retry-After"] == str(catalog.ACTIVE_JOBS_RETRY_AFTER_SECONDS)
    assert tenants_repo.get_tenant(free_tenant.tenant_id).credit_balance == balance
    assert jobs_repo.active_jobs(free_tenant.tenant_id) == FREE_CEILING
    listed = api.get("/v1/jobs", headers=free_tenant.headers).json["data"]
    assert len(listed) == FREE_CEILING


def test_the_ceiling_is_per_tenant(api: Client, free_tenant: TenantHandle, tenant: TenantHandle) -> None:
    _fill(api, free_tenant)
    assert create(api, tenant).status_code == 202


def _end(how: str, tenant: TenantHandle, job_id: str, api: Client, repo: JobsRepository) -> None:
    ref = JobRef(job_id=job_id, tenant_id=tenant.tenant_id)
    if how == "cancel":
        assert api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers).status_code == 200
        return
    record = repo.get(tenant.tenant_id, job_id)
    assert record is not None
    repo.transition(record, to_status=JobStatus.PROCESSING, allowed_from=frozenset({JobStatus.PENDING}), now=utc_now())
    if how == "fail":
        pipeline.fail(ref, Failure(Error="DownloadFailed", Cause="gone"), repo=repo, clock=utc_now)
    else:
        event = MergeEvent(
            **ref.model_dump(),
            media=IngestedMedia(media_key="k", duration_seconds=30, size_bytes=1),
            media_outputs=[staged_empty_transcript()],
        )
        pipeline.merge(event, repo=repo, media=dependencies.media_store(), clock=utc_now)


@pytest.mark.parametrize("how", ["cancel", "fail", "complete"])
def test_a_job_that_ends_frees_exactly_one_place(
    api: Client, free_tenant: TenantHandle, jobs_repo: JobsRepository, how: str
) -> None:
    first, _ = _fill(api, free_tenant)
    _end(how, free_tenant, first, api, jobs_repo)
    assert jobs_repo.active_jobs(free_tenant.tenant_id) == FREE_CEILING - 1
    assert create(api, free_tenant).status_code == 202
    assert create(api, free_tenant).status_code == 429


def test_deleting_a_finished_job_does_not_free_a_second_place(
    api: Client, free_tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    first, _ = _fill(api, free_tenant)
    _end("cancel", free_tenant, first, api, jobs_repo)
    assert api.delete(f"/v1/jobs/{first}", headers=free_tenant.headers).status_code == 200
    assert jobs_repo.active_jobs(free_tenant.tenant_id) == FREE_CEILING - 1


def test_an_idempotent_replay_at_the_ceiling_returns_the_job_and_is_not_counted(
    api: Client, free_tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    first = create(api, free_tenant, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 202
    assert create(api, free_tenant, job_body(capabilities=["summary", "transcription"])).status_code == 202
    replay = create(api, free_tenant, **{"Idempotency-Key": "k-1"})
    assert replay.status_code == 200
    assert replay.json["data"]["job_id"] == first.json["data"]["job_id"]
    assert jobs_repo.active_jobs(free_tenant.tenant_id) == FREE_CEILING


def test_a_burst_of_concurrent_creations_makes_exactly_the_ceiling(
    api: Client, free_tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    start = threading.Barrier(12)

    def attempt(_: int) -> int:
        start.wait()
        return create(api, free_tenant).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(attempt, range(12)))
    assert sorted(codes) == [202] * FREE_CEILING + [429] * (12 - FREE_CEILING)
    assert jobs_repo.active_jobs(free_tenant.tenant_id) == FREE_CEILING
    assert len(api.get("/v1/jobs", headers=free_tenant.headers).json["data"]) == FREE_CEILING


@pytest.mark.parametrize("rival", ["fail", "complete"])
def test_cancel_racing_the_pipeline_frees_one_place_not_two(
    api: Client, free_tenant: TenantHandle, jobs_repo: JobsRepository, rival: str
) -> None:
    first, _ = _fill(api, free_tenant)
    record = jobs_repo.get(free_tenant.tenant_id, first)
    assert record is not None
    jobs_repo.transition(
        record, to_status=JobStatus.PROCESSING, allowed_from=frozenset({JobStatus.PENDING}), now=utc_now()
    )
    ref = JobRef(job_id=first, tenant_id=free_tenant.tenant_id)
    event = MergeEvent(
        **ref.model_dump(),
        media=IngestedMedia(media_key="k", duration_seconds=30, size_bytes=1),
        media_outputs=[staged_empty_transcript()],
    )
    actions: dict[str, Callable[[], object]] = {
        "cancel": lambda: jobs.cancel_job(
            free_tenant.tenant_id, first, repo=jobs_repo, workflow=dependencies.workflow_client(), clock=utc_now
        ),
        "fail": lambda: pipeline.fail(ref, Failure(Error="DownloadFailed"), repo=jobs_repo, clock=utc_now),
        "complete": lambda: pipeline.merge(event, repo=jobs_repo, media=dependencies.media_store(), clock=utc_now),
    }
    barrier = threading.Barrier(2)

    def run(name: str) -> None:
        barrier.wait()
        with contextlib.suppress(JobNotActive, JobNotCancellable):  # the loser is told it lost
            actions[name]()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("cancel", rival)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ended = jobs_repo.get(free_tenant.tenant_id, first)
    assert ended is not None and ended.status.is_terminal
    assert jobs_repo.active_jobs(free_tenant.tenant_id) == FREE_CEILING - 1
