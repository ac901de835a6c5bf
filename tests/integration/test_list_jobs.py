"""GET /v1/jobs: newest first, key-condition filters, signed cursors."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, cast

import pytest
from werkzeug.test import Client, TestResponse

from tests.integration.conftest import FakeClock, TenantHandle, create, job_body
from tests.support.required_options import required_options
from vidscope import dependencies
from vidscope.adapters.dynamo import to_attributes
from vidscope.adapters.workflow import WorkflowClient
from vidscope.clock import iso_ms
from vidscope.jobs import lifecycle as jobs
from vidscope.jobs.capability_models import CreateJobRequest
from vidscope.jobs.repository import JobsRepository, job_item
from vidscope.models import JobStatus


def seed_jobs(repo: JobsRepository, tenant: TenantHandle, count: int, clock: FakeClock) -> list[str]:
    """Store ``count`` pending jobs a millisecond apart, as creation stores them. Written in
    batches: moto's TransactWriteItems slows down as the partition grows (creation through the
    API is covered by test_create_job/test_idempotency)."""
    request = CreateJobRequest.model_validate(job_body())
    records = []
    for _ in range(count):
        clock.advance(milliseconds=1)
        records.append(jobs.new_job_record(request, tenant.tenant_id, None, clock()))
    client = repo._client
    for start in range(0, count, 25):
        batch = [{"PutRequest": {"Item": to_attributes(job_item(r))}} for r in records[start : start + 25]]
        client.batch_write_item(RequestItems={repo.table_name: batch})
    return [r.job_id for r in records]


def walk(api: Client, tenant: TenantHandle, query: str) -> list[dict[str, object]]:
    seen: list[dict[str, object]] = []
    cursor = None
    while True:
        url = f"/v1/jobs?{query}" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(url, headers=tenant.headers).json
        seen += body["data"]
        if not body["pagination"]["has_more"]:
            assert body["pagination"]["next_cursor"] is None
            return seen
        cursor = body["pagination"]["next_cursor"]


def test_walking_2000_jobs_sees_each_exactly_once_newest_first(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    ids = seed_jobs(jobs_repo, tenant, 2000, FakeClock())
    seen = [j["job_id"] for j in walk(api, tenant, "limit=100")]
    assert seen == list(reversed(ids))


def test_default_page_is_20_and_limit_above_100_is_refused(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    seed_jobs(jobs_repo, tenant, 25, FakeClock())
    assert len(api.get("/v1/jobs", headers=tenant.headers).json["data"]) == 20
    for bad in ("limit=101", "limit=0", "limit=ten"):
        response = api.get(f"/v1/jobs?{bad}", headers=tenant.headers)
        assert response.status_code == 400
        assert response.json["error"]["details"][0]["field"] == "limit"


def test_pages_read_at_most_limit_plus_one_items(tenant: TenantHandle, jobs_repo: JobsRepository) -> None:
    seed_jobs(jobs_repo, tenant, 30, FakeClock())
    page = jobs_repo.query(
        tenant.tenant_id, status=None, sk_from="JOB#", sk_to="JOB#~", start_after_job_id=None, limit=11
    )
    assert page.scanned_count == 11


def test_status_filter_reads_the_status_index(api: Client, tenant: TenantHandle, jobs_repo: JobsRepository) -> None:
    ids = seed_jobs(jobs_repo, tenant, 6, FakeClock())
    for job_id in ids[:2]:
        jobs.cancel_job(
            tenant.tenant_id, job_id, repo=jobs_repo, workflow=WorkflowClient(None, None), clock=FakeClock()
        )
    cancelled = walk(api, tenant, "status=cancelled&limit=1")
    pending = walk(api, tenant, "status=pending")
    assert [j["job_id"] for j in cancelled] == list(reversed(ids[:2]))
    assert [j["job_id"] for j in pending] == list(reversed(ids[2:]))
    assert {j["status"] for j in cancelled} == {JobStatus.CANCELLED}


def test_created_after_and_before_bound_the_range(api: Client, tenant: TenantHandle, jobs_repo: JobsRepository) -> None:
    clock = FakeClock()
    ids = seed_jobs(jobs_repo, tenant, 10, clock)
    start = FakeClock().now
    after, before = iso_ms(start + timedelta(milliseconds=3)), iso_ms(start + timedelta(milliseconds=8))
    seen = walk(api, tenant, f"created_after={after}&created_before={before}&limit=2")
    # jobs were created at +1 ms … +10 ms; strictly after +3 and strictly before +8 → +4 … +7
    assert [j["job_id"] for j in seen] == list(reversed(ids[3:7]))


def test_created_after_not_before_created_before_is_400(api: Client, tenant: TenantHandle) -> None:
    response = api.get(
        "/v1/jobs?created_after=2026-01-02T00:00:00Z&created_before=2026-01-01T00:00:00Z", headers=tenant.headers
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "VALIDATION_ERROR"


def test_a_cursor_used_with_other_filters_is_refused(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    seed_jobs(jobs_repo, tenant, 3, FakeClock())
    cursor = api.get("/v1/jobs?limit=1", headers=tenant.headers).json["pagination"]["next_cursor"]
    response = api.get(f"/v1/jobs?limit=1&status=pending&cursor={cursor}", headers=tenant.headers)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "INVALID_CURSOR"


@pytest.mark.parametrize(
    "mangle", [lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"), lambda c: "x" + c, lambda c: "garbage"]
)
def test_forged_or_mangled_cursors_are_refused(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository, mangle
) -> None:  # type: ignore[no-untyped-def]
    seed_jobs(jobs_repo, tenant, 3, FakeClock())
    cursor = api.get("/v1/jobs?limit=1", headers=tenant.headers).json["pagination"]["next_cursor"]
    response = api.get(f"/v1/jobs?limit=1&cursor={mangle(cursor)}", headers=tenant.headers)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "INVALID_CURSOR"


def test_another_tenants_cursor_is_useless(api: Client, make_tenant, jobs_repo: JobsRepository) -> None:  # type: ignore[no-untyped-def]
    a, b = make_tenant(), make_tenant()
    seed_jobs(jobs_repo, a, 3, FakeClock())
    cursor = api.get("/v1/jobs?limit=1", headers=a.headers).json["pagination"]["next_cursor"]
    response = api.get(f"/v1/jobs?limit=1&cursor={cursor}", headers=b.headers)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "INVALID_CURSOR"


def test_list_shows_only_the_callers_jobs(api: Client, make_tenant) -> None:  # type: ignore[no-untyped-def]
    a, b = make_tenant(), make_tenant()
    mine = create(api, a).json["data"]["job_id"]
    create(api, b)
    assert [j["job_id"] for j in api.get("/v1/jobs", headers=a.headers).json["data"]] == [mine]


def _refused(response: TestResponse, code: str) -> dict[str, Any]:
    """The error of a 400 answer with ``code``."""
    assert (response.status_code, response.json["error"]["code"]) == (400, code)
    error: dict[str, Any] = response.json["error"]
    return error


def _create_with(api: Client, tenant: TenantHandle, capabilities: list[str]) -> str:
    options = required_options(capabilities)
    response = create(api, tenant, job_body(capabilities=capabilities, options=options))
    assert response.status_code == 202, response.json
    time.sleep(0.002)  # job ids order by their millisecond: the next job's is later
    return str(response.json["data"]["job_id"])


def test_capability_filter_pages_the_jobs_that_asked_for_it_and_forgets_a_deleted_one(
    api: Client, make_tenant, jobs_repo: JobsRepository
) -> None:  # type: ignore[no-untyped-def]
    tenant, other = make_tenant(), make_tenant()
    asked = [["transcription"], ["transcription", "summary"], ["summary"], ["transcription", "shots"]]
    ids = [_create_with(api, tenant, capabilities) for capabilities in asked * 2]
    _create_with(api, other, ["summary"])  # another tenant's: never listed
    summary_jobs = [job_id for job_id, capabilities in zip(ids, asked * 2, strict=True) if "summary" in capabilities]
    # Then each capability's list holds its jobs newest first, page by page, and only them
    seen = walk(api, tenant, "capability=summary&limit=1")
    assert [j["job_id"] for j in seen] == list(reversed(summary_jobs))
    assert all("summary" in cast(list[str], j["capabilities"]) for j in seen)
    assert [j["job_id"] for j in walk(api, tenant, "capability=shots&limit=1")] == [ids[7], ids[3]]
    assert walk(api, tenant, "capability=brands") == []
    # When a job is cancelled and deleted, its places in its capabilities' lists go with it
    jobs.cancel_job(tenant.tenant_id, ids[1], repo=jobs_repo, workflow=WorkflowClient(None, None), clock=FakeClock())
    assert api.delete(f"/v1/jobs/{ids[1]}", headers=tenant.headers).status_code == 200
    assert ids[1] not in [j["job_id"] for j in walk(api, tenant, "capability=summary&limit=2")]
    for capability in asked[1]:  # the markers themselves, not only the job they name
        markers = jobs_repo.query(
            tenant.tenant_id,
            status=None,
            sk_from="JOB#",
            sk_to="JOB#~",
            start_after_job_id=None,
            limit=100,
            capability=capability,
        )
        assert ids[1] not in markers.listed
        assert markers.records == []
    assert ids[1] not in [j["job_id"] for j in walk(api, tenant, "capability=transcription&limit=2")]
    assert [j["job_id"] for j in walk(api, tenant, "capability=transcription&limit=2")] == [
        ids[7],
        ids[5],
        ids[4],
        ids[3],
        ids[0],
    ]


def test_a_capability_page_reads_limit_plus_one_markers_and_the_limit_jobs(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository
) -> None:
    ids = [_create_with(api, tenant, ["transcription", "summary"]) for _ in range(5)]
    codec = dependencies.cursor_codec()
    page = jobs.list_jobs(
        tenant.tenant_id, jobs.ListQuery(limit=2, capability="summary"), repo=jobs_repo, cursors=codec
    )
    assert page.scanned_count == 3
    assert [j.job_id for j in page.jobs] == [ids[4], ids[3]]
    assert page.has_more


def test_capability_filter_with_time_range_and_cursor_bound_to_it(api: Client, tenant: TenantHandle) -> None:
    ids = [_create_with(api, tenant, ["summary"]) for _ in range(3)]
    created = [api.get(f"/v1/jobs/{j}", headers=tenant.headers).json["data"]["created_at"] for j in ids]
    seen = walk(api, tenant, f"capability=summary&created_before={created[2]}&limit=1")
    assert [j["job_id"] for j in seen] == [ids[1], ids[0]]
    cursor = api.get("/v1/jobs?capability=summary&limit=1", headers=tenant.headers).json["pagination"]["next_cursor"]
    for other_filters in ("capability=transcription&", ""):
        _refused(api.get(f"/v1/jobs?{other_filters}limit=1&cursor={cursor}", headers=tenant.headers), "INVALID_CURSOR")


def test_an_unknown_capability_or_one_with_status_is_400_naming_capability(api: Client, tenant: TenantHandle) -> None:
    unknown = _refused(api.get("/v1/jobs?capability=teleport", headers=tenant.headers), "UNSUPPORTED_CAPABILITY")
    assert unknown["details"][0]["field"] == "capability"
    assert "transcription" in unknown["message"]
    both = _refused(api.get("/v1/jobs?capability=summary&status=pending", headers=tenant.headers), "VALIDATION_ERROR")
    assert both["details"][0]["field"] == "capability"
    assert "status" in both["details"][0]["message"]
