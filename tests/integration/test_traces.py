"""What the real handlers hand to the tracer: subsegments and annotations, never a response body
or an exception object; and from the API functions, nothing at all (API Gateway and Lambda active
tracing time their requests; they never load the X-Ray SDK). The recording provider stands where
Powertools takes one (``Tracer(provider=...)``); the X-Ray SDK behind it would forward whatever it
is given."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

import pytest
from pydantic import ValidationError
from werkzeug.test import Client

from functions.fail_job.handler import lambda_handler as fail_job_handler
from infra.local.lambda_runtime import LambdaContextStub
from tests.integration.conftest import TenantHandle, create, job_body
from vidscope import observability

MARKER = "customer-secret-4711"


class RecordingSegment:
    def __init__(self, name: str) -> None:
        self.name = name
        self.metadata: list[tuple[str, Any]] = []
        self.annotations: dict[str, Any] = {}

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        self.metadata.append((key, value))

    def put_annotation(self, key: str, value: Any) -> None:
        self.annotations[key] = value


class RecordingProvider:
    def __init__(self) -> None:
        self.segments: list[RecordingSegment] = []

    @contextmanager
    def in_subsegment(self, name: str | None = None, **_: Any) -> Generator[RecordingSegment, None, None]:
        segment = RecordingSegment(name or "")
        self.segments.append(segment)
        yield segment


@pytest.fixture
def traces(monkeypatch: pytest.MonkeyPatch) -> RecordingProvider:
    provider = RecordingProvider()
    monkeypatch.setattr(observability.tracer(), "provider", provider)
    # Powertools' own switch says "capture"; the handlers' settings must win over it.
    monkeypatch.setenv("POWERTOOLS_TRACER_CAPTURE_RESPONSE", "true")
    monkeypatch.setenv("POWERTOOLS_TRACER_CAPTURE_ERROR", "true")
    return provider


def test_api_requests_hand_nothing_to_the_tracer(api: Client, tenant: TenantHandle, traces: RecordingProvider) -> None:
    created = create(api, tenant, job_body(metadata={"note": MARKER}))
    assert created.status_code == 202
    fetched = api.get(f"/v1/jobs/{created.json['data']['job_id']}", headers=tenant.headers)
    assert MARKER in fetched.get_data(as_text=True)
    refused = api.get(f"/v1/jobs/job_{MARKER}", headers=tenant.headers)
    assert refused.status_code == 404

    assert traces.segments == []


def test_workflow_task_errors_never_reach_the_trace(aws: None, traces: RecordingProvider) -> None:
    # An event the task refuses: the exception's message quotes the input, which must stay out.
    with pytest.raises(ValidationError, match=MARKER):
        fail_job_handler({"job_id": MARKER, "tenant_id": MARKER}, LambdaContextStub(function_name="fail_job"))
    assert [s.name for s in traces.segments] == ["## lambda_handler"]
    assert traces.segments[0].metadata == []
