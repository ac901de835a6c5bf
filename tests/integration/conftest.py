"""moto-backed fixtures: a fresh AWS per test, tenants, and an HTTP client that goes through
the local API Gateway front into the real handlers."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import boto3
import pytest
from moto import mock_aws
from werkzeug.test import Client, TestResponse

from infra.local import resources, stack
from infra.local.api_gateway import LocalApiGateway
from infra.local.moto_patches import serialize_dynamodb_transactions
from infra.local.serve import SAMPLE_DIR
from tests.support import error_contract
from tests.support.media import repeated_mp4, silent_mp4, video_only_mp4
from tests.support.media_server import MediaServer, serving
from vidscope import dependencies
from vidscope.jobs.repository import JobsRepository
from vidscope.pipeline.messages import TranscriptRef
from vidscope.settings import get_settings
from vidscope.ssrf import UrlGuard
from vidscope.tenancy.tenants import TenantsRepository, onboard
from vidscope.transcripts import Transcript

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
        created = resources.create_data_and_events(
            boto3.client,
            table_name=settings.table_name,
            bucket_name=settings.bucket_name,
            bus_name=settings.event_bus_name,
        )
        for name, value in created.items():
            monkeypatch.setenv(name, value)
        dependencies.reset()
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
    webhook_secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Api-Key": self.api_key}


def new_tenant(
    credits: int = 10_000_000, rate_limit: int = 10_000, name: str = "Acme", plan: str = "pro"
) -> TenantHandle:
    """A tenant made the way ``vidscope tenants create`` makes one (key and webhook secret)."""
    created = onboard(
        dependencies.tenants_repository(),
        dependencies.webhook_secrets(),
        name=name,
        plan=plan,
        rate_limit_per_minute=rate_limit,
        initial_credits=credits,
        now=datetime.now(UTC),
    )
    return TenantHandle(created.tenant.tenant_id, created.key.api_key, created.key.key_id, created.webhook_secret)


@pytest.fixture
def make_tenant(tenants_repo: TenantsRepository) -> Callable[..., TenantHandle]:
    return new_tenant


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


# The transcription capability's options as a job shows them when none were given.
SPEECH_DEFAULTS = {"language": None, "languages": None, "speakers": False, "speakers_expected": None}


def assert_option_refused(
    api: Client, tenant: TenantHandle, capability: str, options: dict[str, Any], field: str
) -> None:
    """A job asking ``capability`` with ``options`` is a 400 VALIDATION_ERROR naming ``field``."""
    response = create(api, tenant, job_body(capabilities=[capability], options={capability: options}))
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert field in [d["field"] for d in response.json["error"]["details"]], response.json


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


# --- the whole pipeline: local AWS server, real ASL, real handlers, real worker ---------------

# The local runtime's sample video, its script and its timings (infra/local/sample).
FIXTURES = SAMPLE_DIR

# Shortened through configuration, not a different definition: how soon a dead worker is noticed,
# how often progress is written, the longest media accepted.
PIPELINE_ENV = {
    "VIDSCOPE_ALLOW_LOOPBACK_URLS": "true",
    "VIDSCOPE_HEARTBEAT_SECONDS": "3",
    "VIDSCOPE_PROGRESS_INTERVAL_SECONDS": "0.2",
    "VIDSCOPE_MAX_MEDIA_SECONDS": "60",
    # The pipeline tests speak English: tiny.en hears it ~3x faster than the multilingual default
    # (bundled:base); the language tests (test_languages.py) run the default.
    "VIDSCOPE_WHISPER_MODEL": "bundled:tiny.en",
    "VIDSCOPE_DOWNLOAD_TIMEOUT_SECONDS": "5",
    # The webhook retry schedule, shortened (the Standard Webhooks one runs for a day and more),
    # and how long a receiver gets to answer: 2 s, as a loaded 2-core CI machine once took over
    # 1 s to have a local receiver's 200 (the tests that hang a receiver wait it out).
    "VIDSCOPE_WEBHOOK_RETRY_SCHEDULE_SECONDS": "[0, 1, 3, 5]",
    "VIDSCOPE_WEBHOOK_TIMEOUT_SECONDS": "2",
}


@pytest.fixture(scope="module")
def media_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaServer]:
    root = tmp_path_factory.mktemp("media")
    shutil.copy(FIXTURES / "speech.mp4", root / "speech.mp4")
    silent_mp4(90, root / "ninety-seconds.mp4")
    video_only_mp4(5, root / "no-audio.mp4")
    repeated_mp4(FIXTURES / "speech.mp4", 2, root / "speech-twice.mp4")  # a longer window to cancel in
    (root / "page.html").write_text("<html><body><p>No video here.</p></body></html>")
    (root / "not-media.mp4").write_bytes(b"this is text pretending to be a video\n" * 100)
    with serving(root) as server:
        yield server


@contextmanager
def pipeline_stack(tmp_path_factory: pytest.TempPathFactory, **settings: str) -> Iterator[stack.LocalStack]:
    """The local stack under the pipeline tests' settings, ``settings`` (VIDSCOPE_* names) over them."""
    with pytest.MonkeyPatch.context() as env:
        for key, value in {**PIPELINE_ENV, **settings}.items():
            env.setenv(key, value)
        dependencies.reset()
        with stack.running(log_dir=tmp_path_factory.mktemp("worker-logs")) as running:
            yield running


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.LocalStack]:
    with pipeline_stack(tmp_path_factory) as running:
        yield running


@pytest.fixture
def pipeline_api(local_stack: stack.LocalStack) -> Client:
    dependencies.reset()
    return Client(LocalApiGateway())


@pytest.fixture
def pipeline_tenant(local_stack: stack.LocalStack) -> TenantHandle:
    return new_tenant(credits=1_000, name="Pipeline")


def wait_for(
    api: Client, tenant: TenantHandle, job_id: str, until: Callable[[dict[str, Any]], bool], timeout: float = 90
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Poll GET /v1/jobs/{id} until ``until(job)``; returns the job and every distinct view seen."""
    deadline = time.monotonic() + timeout
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        response = api.get(f"/v1/jobs/{job_id}", headers=tenant.headers)
        assert response.status_code == 200, response.json
        job = response.json["data"]
        if not seen or (job["status"], job["progress"]) != (seen[-1]["status"], seen[-1]["progress"]):
            seen.append(job)
        if until(job):
            return job, seen
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not get there in {timeout} s; last seen {seen[-1] if seen else None}")


def run_to_end(
    api: Client, tenant: TenantHandle, url: str, capabilities: list[str], timeout: float = 180, **body: Any
) -> dict[str, Any]:
    """POST a job and poll it until it ends; returns the ended job (whatever its status)."""
    created = api.post("/v1/jobs", json={"url": url, "capabilities": capabilities, **body}, headers=tenant.headers)
    assert created.status_code == 202, created.json
    job, _ = wait_for(
        api, tenant, created.json["data"]["job_id"], lambda j: j["status"] not in ("pending", "processing"), timeout
    )
    return job


ALL_CAPABILITIES = ["transcription", "summary", "brands"]


def submit(api: Client, tenant: TenantHandle, url: str, **body: Any) -> str:
    """POST a job for ``url`` with every capability; returns its id."""
    response = api.post("/v1/jobs", json={"url": url, "capabilities": ALL_CAPABILITIES, **body}, headers=tenant.headers)
    assert response.status_code == 202, response.json
    return str(response.json["data"]["job_id"])


def staged_empty_transcript(key: str = "t", seconds: float = 30) -> TranscriptRef:
    """A transcript with no speech stored under ``key``, as the worker would hand it on."""
    transcript = Transcript.from_segments([], language="en", duration_seconds=seconds)
    dependencies.media_store().put_json(key, transcript.model_dump(mode="json"))
    return TranscriptRef(transcript_key=key, language="en", duration_seconds=seconds, word_count=0)


def balance_and_ledger(tenant_id: str) -> tuple[int, int]:
    """The tenant's balance and the sum of its ledger (always equal)."""
    repo = dependencies.tenants_repository()
    return repo.get_tenant(tenant_id).credit_balance, sum(e["amount"] for e in repo.ledger(tenant_id))


def is_terminal(job: dict[str, Any]) -> bool:
    return job["status"] in {"completed", "failed", "cancelled"}


def transcribing_or_over(job: dict[str, Any]) -> bool:
    """The job's worker is transcribing (or the job already ended, so a wait never hangs)."""
    return is_terminal(job) or (job["progress"] or {}).get("stage") == "transcription"


@pytest.fixture(scope="session", autouse=True)
def error_answers_recorded() -> Iterator[None]:
    """Every error the local front answers in this session, recorded with its route; the last
    test checks each against the document (tests/integration/test_error_contract.py)."""
    with error_contract.recording():
        yield


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served_api_url(local_stack: stack.LocalStack) -> Iterator[str]:
    """The local front over real HTTP on 127.0.0.1, for clients that speak HTTP themselves."""
    server = make_server("127.0.0.1", 0, LocalApiGateway(), handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@contextmanager
def configured(**environment: str) -> Iterator[None]:
    """The deployment configured with these environment variables for the block (a provider the
    local AWS does not serve, say), the process's cached dependencies rebuilt on the way in and out."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in environment.items():
            env.setenv(name, value)
        dependencies.reset()
        yield
    dependencies.reset()
