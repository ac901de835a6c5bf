"""Faults on the local stack, each through the real state machine: bad media URLs, limits,
a worker that dies, a capability that fails, a cancel mid-transcription."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest
from werkzeug.test import Client

from infra.local.stack import LocalStack, free_port
from tests.integration.conftest import (
    ALL_CAPABILITIES,
    TenantHandle,
    balance_and_ledger,
    configured,
    is_terminal,
    submit,
    transcribing_or_over,
    wait_for,
)
from tests.support.media_server import MediaServer
from vidscope import dependencies


def _assert_refunded(tenant: TenantHandle) -> None:
    assert balance_and_ledger(tenant.tenant_id) == (1_000, 1_000)
    reasons = {e["reason"] for e in dependencies.tenants_repository().ledger(tenant.tenant_id)}
    assert reasons >= {"grant", "hold", "refund"}


def _failed_with(api: Client, tenant: TenantHandle, url: str, code: str) -> dict:
    job_id = submit(api, tenant, url)
    job, _ = wait_for(api, tenant, job_id, is_terminal)
    assert job["status"] == "failed", job
    assert job["error"]["code"] == code
    assert job["credits_charged"] == 0 and job["results"] is None and job["progress"] is None
    _assert_refunded(tenant)
    return job


@pytest.mark.parametrize(
    ("name", "code", "says"),
    [
        ("missing.mp4", "DOWNLOAD_FAILED", "404"),
        ("page.html", "DOWNLOAD_FAILED", "Unsupported URL"),
        ("redirect-to-private", "DOWNLOAD_FAILED", "10.0.0.7, a private or reserved address"),
        ("ninety-seconds.mp4", "MEDIA_TOO_LONG", "the limit is 1 minutes"),
        ("not-media.mp4", "MEDIA_UNSUPPORTED", "not a media format"),
    ],
)
def test_bad_media_fails_the_job_with_its_code_and_refunds(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, name: str, code: str, says: str
) -> None:
    job = _failed_with(pipeline_api, pipeline_tenant, media_server.url(name), code)
    assert says in job["error"]["message"]


def test_an_unreachable_host_is_download_failed(pipeline_api: Client, pipeline_tenant: TenantHandle) -> None:
    job = _failed_with(pipeline_api, pipeline_tenant, f"http://127.0.0.1:{free_port()}/video.mp4", "DOWNLOAD_FAILED")
    assert "could not download the media" in job["error"]["message"]


def _kill_worker_when_running(stack: LocalStack, job_id: str, already_killed: int | None = None) -> int:
    """SIGKILL the job's worker process (what an instance loss looks like); returns its pid."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for task in stack.agent.tasks_for_job(job_id):
            # The transcriber's (a job on a video also runs a vision task: brands reads the screen).
            if "VIDSCOPE_VISION_REQUEST" in task.environment:
                continue
            if task.process.pid != already_killed and task.process.poll() is None:
                os.kill(task.process.pid, signal.SIGKILL)
                return task.process.pid
        time.sleep(0.02)
    raise AssertionError("no worker was started for the job")


def test_a_worker_that_dies_is_retried_once_and_the_job_completes(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, local_stack: LocalStack
) -> None:
    job_id = submit(pipeline_api, pipeline_tenant, media_server.url("speech.mp4"))
    _kill_worker_when_running(local_stack, job_id)
    job, _ = wait_for(pipeline_api, pipeline_tenant, job_id, is_terminal)
    assert job["status"] == "completed", job["error"]
    assert job["results"]["transcription"]["word_count"] > 40


def test_a_worker_that_dies_twice_fails_the_job_as_transcription_failed(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, local_stack: LocalStack
) -> None:
    job_id = submit(pipeline_api, pipeline_tenant, media_server.url("speech.mp4"))
    first = _kill_worker_when_running(local_stack, job_id)
    _kill_worker_when_running(local_stack, job_id, already_killed=first)  # the retry's worker
    job, _ = wait_for(pipeline_api, pipeline_tenant, job_id, is_terminal)
    assert job["status"] == "failed"
    assert job["error"] == {
        "code": "TRANSCRIPTION_FAILED",
        "message": "the transcription worker stopped responding or ran out of time, twice",
    }
    _assert_refunded(pipeline_tenant)
    assert local_stack.execution_status(job_id) == "FAILED"


@pytest.fixture
def unreachable_summary_provider(local_stack: LocalStack) -> Iterator[None]:
    """Summaries configured to come from Bedrock, which the local AWS does not serve: the
    summary capability fails for a real reason while brands runs as usual."""
    with configured(VIDSCOPE_SUMMARY_PROVIDER="bedrock"):
        yield


def test_a_failing_capability_is_reported_and_not_charged_while_the_others_complete(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, unreachable_summary_provider: None
) -> None:
    # extract asks the same provider (its Converse call with the schema as a tool is recorded for
    # the IAM conformance check, as summary's is) and fails alone too.
    extract = {"schema": {"type": "object", "properties": {"product": {"type": "string"}}}}
    job_id = submit(
        pipeline_api,
        pipeline_tenant,
        media_server.url("speech.mp4"),
        capabilities=[*ALL_CAPABILITIES, "extract"],
        options={"extract": extract},
    )
    job, _ = wait_for(pipeline_api, pipeline_tenant, job_id, is_terminal)
    assert job["status"] == "completed"
    assert set(job["results"]) == {"transcription", "brands"}
    errors = sorted((e["capability"], e["code"]) for e in job["capability_errors"])
    assert errors == [("extract", "ANALYSIS_FAILED"), ("summary", "ANALYSIS_FAILED")]
    assert job["credits_charged"] == 3  # transcription 2 + brands 1 for one minute; summary and extract free
    assert balance_and_ledger(pipeline_tenant.tenant_id)[0] == 1_000 - 3


def test_cancel_mid_transcription_stops_the_worker_and_the_job_never_completes(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, local_stack: LocalStack
) -> None:
    job_id = submit(pipeline_api, pipeline_tenant, media_server.url("speech-twice.mp4"))
    wait_for(
        pipeline_api,
        pipeline_tenant,
        job_id,
        transcribing_or_over,
    )
    cancelled = pipeline_api.post(f"/v1/jobs/{job_id}/cancel", headers=pipeline_tenant.headers)
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["data"]["status"] == "cancelled"

    deadline = time.monotonic() + 15
    while any(t.process.poll() is None for t in local_stack.agent.tasks_for_job(job_id)):
        assert time.monotonic() < deadline, "the worker kept running after the cancel"
        time.sleep(0.05)
    # AWS reports ABORTED. moto 5.2 does not end a waitForTaskToken wait on StopExecution, so
    # there the execution ends when the worker gives the token back, through the failure path
    # (which leaves the cancelled job as it is).
    while local_stack.execution_status(job_id) == "RUNNING":
        assert time.monotonic() < deadline, "the execution kept running after the cancel"
        time.sleep(0.05)
    assert local_stack.execution_status(job_id) in {"ABORTED", "FAILED"}
    job = pipeline_api.get(f"/v1/jobs/{job_id}", headers=pipeline_tenant.headers).json["data"]
    assert job["status"] == "cancelled" and job["results"] is None
    _assert_refunded(pipeline_tenant)
