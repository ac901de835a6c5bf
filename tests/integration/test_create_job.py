"""POST /v1/jobs through the local API Gateway front and the real handler."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from werkzeug.test import Client

from tests.integration.conftest import TenantHandle, create, job_body
from vidscope import catalog
from vidscope.jobs.repository import JobsRepository
from vidscope.tenancy.tenants import TenantsRepository


def test_create_returns_202_with_location_and_a_pending_job(api: Client, tenant: TenantHandle) -> None:
    # Given a tenant with credits / When it posts a job
    response = create(api, tenant, job_body(metadata={"order": "42"}, capabilities=["transcription", "brands"]))
    # Then
    assert response.status_code == 202
    job = response.json["data"]
    assert response.headers["Location"] == f"/v1/jobs/{job['job_id']}"
    assert response.headers["Retry-After"] == "30"
    assert job["job_id"].startswith("job_") and len(job["job_id"]) == 30
    assert job["status"] == "pending"
    assert job["platform"] == "youtube"
    assert job["metadata"] == {"order": "42"}
    assert job["credits_estimated"] == catalog.minimum_credits(["transcription", "brands"])
    assert job["credits_charged"] is None
    assert job["created_at"].endswith("Z") and len(job["created_at"]) == 24
    assert response.json["meta"]["request_id"].startswith("req_")
    assert response.headers["X-Request-Id"] == response.json["meta"]["request_id"]


def test_created_job_can_be_read_back(api: Client, tenant: TenantHandle) -> None:
    job_id = create(api, tenant).json["data"]["job_id"]
    response = api.get(f"/v1/jobs/{job_id}", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json["data"]["job_id"] == job_id
    assert response.json["data"]["progress"] is None


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (
            {"url": "https://youtu.be/x", "capabilities": ["transcription"], "colour": "red"},
            "VALIDATION_ERROR",
            "colour",
        ),
        ({"url": "ftp://youtu.be/x", "capabilities": ["transcription"]}, "INVALID_URL", "url"),
        ({"url": "https://user:pw@youtu.be/x", "capabilities": ["transcription"]}, "INVALID_URL", "url"),
        ({"url": "not a url", "capabilities": ["transcription"]}, "INVALID_URL", "url"),
        ({"url": "https://youtu.be/x", "capabilities": []}, "VALIDATION_ERROR", "capabilities"),
        ({"url": "https://youtu.be/x", "capabilities": ["summary", "summary"]}, "VALIDATION_ERROR", "capabilities"),
        ({"url": "https://youtu.be/x", "capabilities": ["telepathy"]}, "UNSUPPORTED_CAPABILITY", "capabilities"),
        (
            {"url": "https://youtu.be/x", "capabilities": ["summary"], "return_proof": "yes"},
            "VALIDATION_ERROR",
            "return_proof",
        ),
        (
            {"url": "https://youtu.be/x", "capabilities": ["summary"], "metadata": {f"k{i}": "v" for i in range(21)}},
            "VALIDATION_ERROR",
            "metadata",
        ),
        (
            {"url": "https://youtu.be/x", "capabilities": ["summary"], "metadata": {"k": "v" * 501}},
            "VALIDATION_ERROR",
            "metadata.k",
        ),
        ({"capabilities": ["summary"]}, "VALIDATION_ERROR", "url"),
    ],
)
def test_invalid_body_is_a_400_naming_the_field(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository, body: dict[str, object], code: str, field: str
) -> None:
    response = create(api, tenant, body)
    assert response.status_code == 400
    assert response.json["error"]["code"] == code
    assert field in {d["field"] for d in response.json["error"]["details"]}
    assert (
        jobs_repo.query(
            tenant.tenant_id, status=None, sk_from="JOB#", sk_to="JOB#~", start_after_job_id=None, limit=10
        ).records
        == []
    )


def test_a_body_that_is_not_utf8_is_a_400(api: Client, tenant: TenantHandle) -> None:
    response = api.post("/v1/jobs", data=b"\xae\x01{", headers={**tenant.headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "VALIDATION_ERROR"


def test_a_body_that_is_not_json_is_415(api: Client, tenant: TenantHandle) -> None:
    response = api.post("/v1/jobs", data="url=x", headers={**tenant.headers, "Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.json["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("url", "http://127.0.0.1:8080/a.mp4"),
        ("url", "http://169.254.169.254/latest/meta-data/"),
        ("url", "https://internal.example.com/v.mp4"),
        ("url", "https://[::ffff:10.0.0.1]/v.mp4"),
        ("url", "https://unresolvable.invalid/v.mp4"),
        ("webhook_url", "http://hooks.example.com/hook"),
        ("webhook_url", "https://192.168.1.10/hook"),
    ],
)
def test_urls_that_reach_private_addresses_or_plain_http_webhooks_are_refused(
    api: Client, tenant: TenantHandle, field: str, url: str
) -> None:
    body = job_body(**{field: url})
    response = create(api, tenant, body)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "INVALID_URL"
    assert field in response.json["error"]["message"] or "host" in response.json["error"]["message"]


def test_insufficient_credits_is_402_and_creates_no_job(
    api: Client, make_tenant: Callable[..., TenantHandle], tenants_repo: TenantsRepository, jobs_repo: JobsRepository
) -> None:
    poor = make_tenant(credits=catalog.minimum_credits(["transcription"]) - 1)
    response = create(api, poor)
    assert response.status_code == 402
    assert response.json["error"]["code"] == "INSUFFICIENT_CREDITS"
    assert tenants_repo.get_tenant(poor.tenant_id).credit_balance == catalog.minimum_credits(["transcription"]) - 1
    page = jobs_repo.query(
        poor.tenant_id, status=None, sk_from="JOB#", sk_to="JOB#~", start_after_job_id=None, limit=10
    )
    assert page.records == []


def test_creation_holds_the_estimate_with_a_ledger_entry(
    api: Client, tenant: TenantHandle, tenants_repo: TenantsRepository
) -> None:
    before = tenants_repo.get_tenant(tenant.tenant_id).credit_balance
    job = create(api, tenant).json["data"]
    assert tenants_repo.get_tenant(tenant.tenant_id).credit_balance == before - job["credits_estimated"]
    holds = [e for e in tenants_repo.ledger(tenant.tenant_id) if e["reason"] == "hold"]
    assert [(h["amount"], h["job_id"]) for h in holds] == [(-job["credits_estimated"], job["job_id"])]
