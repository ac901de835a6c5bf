"""API keys, rate limits, account, and the headers every response carries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from werkzeug.test import Client

from tests.integration.conftest import FakeClock, TenantHandle
from vidscope import dependencies
from vidscope.tenancy.ratelimit import RateLimiter
from vidscope.tenancy.tenants import TenantsRepository, hash_api_key

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit-Policy", "RateLimit")


def test_missing_key_is_401(api: Client) -> None:
    response = api.get("/v1/account")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "UNAUTHORIZED"


def test_unknown_key_is_401(api: Client) -> None:
    assert api.get("/v1/account", headers={"X-Api-Key": "sk_live_nope"}).status_code == 401


def test_revoked_key_is_401(api: Client, tenant: TenantHandle, tenants_repo: TenantsRepository) -> None:
    tenants_repo.revoke_api_key(tenant.api_key, datetime.now(UTC))
    assert api.get("/v1/account", headers=tenant.headers).status_code == 401


def test_bearer_authorization_is_accepted(api: Client, tenant: TenantHandle) -> None:
    response = api.get("/v1/account", headers={"Authorization": f"Bearer {tenant.api_key}"})
    assert response.status_code == 200
    assert response.json["data"]["tenant_id"] == tenant.tenant_id


def test_keys_are_stored_only_as_hashes(tenant: TenantHandle, tenants_repo: TenantsRepository) -> None:
    client = tenants_repo._client  # inspecting the raw table is the point of this test
    items = client.scan(TableName=dependencies.jobs_repository().table_name)["Items"]
    dumped = str(items)
    assert tenant.api_key not in dumped
    assert hash_api_key(tenant.api_key) in dumped


def test_account_shows_plan_balance_and_rate_limit(api: Client, make_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant(credits=500, rate_limit=42, name="Globex")
    data = api.get("/v1/account", headers=tenant.headers).json["data"]
    assert data == {
        "tenant_id": tenant.tenant_id,
        "name": "Globex",
        "plan": "pro",
        "credit_balance": 500,
        "rate_limit": {"limit": 42, "window_seconds": 60},
    }


@pytest.mark.parametrize(
    ("method", "path", "auth"),
    [
        ("GET", "/v1/account", True),
        ("GET", "/v1/account", False),
        ("GET", "/v1/jobs/job_x", True),
        ("POST", "/v1/jobs", True),
    ],
)
def test_every_response_carries_request_id_and_rate_limit_headers(
    api: Client, tenant: TenantHandle, method: str, path: str, auth: bool
) -> None:
    response = api.open(
        path, method=method, headers=tenant.headers if auth else {}, json={} if method == "POST" else None
    )
    assert response.headers["X-Request-Id"].startswith("req_")
    for header in RATE_HEADERS:
        assert header in response.headers
    assert response.headers["RateLimit-Policy"].endswith(";w=60")


def test_over_the_limit_is_429_with_retry_after_60(api: Client, make_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant(rate_limit=3)
    responses = [api.get("/v1/account", headers=tenant.headers) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["2", "1", "0", "0"]
    assert responses[0].headers["X-RateLimit-Limit"] == "3"
    assert responses[-1].headers["Retry-After"] == "60"
    assert responses[-1].json["error"]["code"] == "RATE_LIMITED"


def test_limits_are_per_key(api: Client, make_tenant) -> None:  # type: ignore[no-untyped-def]
    a, b = make_tenant(rate_limit=1), make_tenant(rate_limit=1)
    assert api.get("/v1/account", headers=a.headers).status_code == 200
    assert api.get("/v1/account", headers=a.headers).status_code == 429
    assert api.get("/v1/account", headers=b.headers).status_code == 200


def test_window_slides_previous_minute_counts_by_its_remaining_share(aws: None) -> None:
    # Given 10 requests at the end of one minute, with a limit of 10
    clock = FakeClock(datetime(2026, 11, 1, 12, 0, 50, tzinfo=UTC))
    limiter = RateLimiter(dependencies.jobs_repository()._client, dependencies.jobs_repository().table_name, clock)
    assert all(limiter.hit("s", 10).allowed for _ in range(10))
    assert not limiter.hit("s", 10).allowed
    # When the clock is 15 s into the next minute, 75 % of those 10 still count (7.5)
    clock.advance(seconds=25)
    allowed = 0
    while limiter.hit("s", 10).allowed:
        allowed += 1
    # Then only 2 more fit (7.5 + 3 > 10); two windows later all 10 are free again
    assert allowed == 2
    clock.advance(seconds=120)
    assert sum(limiter.hit("s", 10).allowed for _ in range(12)) == 10


def test_the_docs_need_no_key_and_count_against_the_callers_address(api: Client) -> None:
    document = api.get("/openapi.json")
    page = api.get("/docs")
    assert document.status_code == 200
    assert document.json["openapi"].startswith("3.")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    # Anonymous callers are limited per address, like any unauthenticated request.
    assert int(page.headers["X-RateLimit-Remaining"]) < int(document.headers["X-RateLimit-Remaining"])
