"""moto-backed fixtures: a fresh AWS per test, tenants, and an HTTP client that goes through
the local API Gateway front into the real handlers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from werkzeug.test import Client, TestResponse

from infra.local.api_gateway import LocalApiGateway
from infra.local.moto_patches import serialize_dynamodb_transactions
from vidscope import dependencies, table
from vidscope.jobs_repository import JobsRepository
from vidscope.settings import get_settings
from vidscope.ssrf import UrlGuard
from vidscope.tenants import TenantsRepository

# Names of the public hosts tests use; the sandbox has no DNS for them, so resolution is faked
# here (and only resolution: the guard's checks run for real).
PUBLIC_HOSTS = {"www.youtube.com", "youtu.be", "vimeo.com", "media.example.com", "hooks.example.com"}


def public_resolver(host: str, port: int) -> list[str]:
    if host in PUBLIC_HOSTS:
        return ["93.184.215.14"]
    if host == "internal.example.com":
        return ["10.0.0.7"]
    raise OSError(f"no such host {host}")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    serialize_dynamodb_transactions()
    dependencies.reset()
    with mock_aws():
        settings = get_settings()
        boto3.client("dynamodb").create_table(**table.create_table_kwargs(settings.table_name))
        boto3.client("s3").create_bucket(Bucket=settings.bucket_name)
        monkeypatch.setattr(dependencies, "url_guard", lambda: UrlGuard(allow_loopback=False, resolve=public_resolver))
        yield
    dependencies.reset()


@pytest.fixture
def jobs_repo(aws: None) -> JobsRepository:
    return dependencies.jobs_repository()


@pytest.fixture
def tenants_repo(aws: None) -> TenantsRepository:
    return dependencies.tenants_repository()


@dataclass(frozen=True)
class TenantHandle:
    tenant_id: str
    api_key: str
    key_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Api-Key": self.api_key}


@pytest.fixture
def make_tenant(tenants_repo: TenantsRepository) -> Callable[..., TenantHandle]:
    def make(credits: int = 10_000_000, rate_limit: int = 10_000, name: str = "Acme") -> TenantHandle:
        now = datetime.now(UTC)
        tenant = tenants_repo.create_tenant(
            name=name, plan="pro", rate_limit_per_minute=rate_limit, initial_credits=credits, now=now
        )
        issued = tenants_repo.issue_api_key(tenant.tenant_id, now)
        return TenantHandle(tenant.tenant_id, issued.api_key, issued.key_id)

    return make


@pytest.fixture
def tenant(make_tenant: Callable[..., TenantHandle]) -> TenantHandle:
    return make_tenant()


@pytest.fixture
def api(aws: None) -> Client:
    return Client(LocalApiGateway())


def job_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "capabilities": ["transcription"]}
    body.update(overrides)
    return body


def create(api: Client, tenant: TenantHandle, body: dict[str, Any] | None = None, **headers: str) -> TestResponse:
    return api.post("/v1/jobs", json=body or job_body(), headers={**tenant.headers, **headers})


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
