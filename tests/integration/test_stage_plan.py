"""Each job runs its own plan on the whole local stack (real ASL, real media, real worker): only
the stages its capabilities need, priced on the media's real duration once ingestion knows it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import BaseModel
from werkzeug.test import Client

from infra.local.stack import LocalStack
from tests.integration.conftest import TenantHandle, balance_and_ledger, new_tenant, wait_for
from tests.support.media_server import MediaServer
from tests.support.required_options import required_options
from vidscope import capabilities, catalog, dependencies
from vidscope.adapters.media_store import result_key
from vidscope.adapters.workflow import execution_arn
from vidscope.capabilities import REGISTRY
from vidscope.capabilities.base import Capability, NoOptions


def _run(api: Client, tenant: TenantHandle, url: str, capabilities: list[str]) -> tuple[dict, list[dict]]:
    created = api.post(
        "/v1/jobs",
        json={"url": url, "capabilities": capabilities, "options": required_options(capabilities)},
        headers=tenant.headers,
    )
    assert created.status_code == 202, created.json
    return wait_for(api, tenant, created.json["data"]["job_id"], lambda j: j["status"] not in ("pending", "processing"))


def _states_entered(local_stack: LocalStack, job_id: str) -> list[str]:
    arn = execution_arn(local_stack.resources.state_machine_arn, job_id)
    history = local_stack.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]


def test_a_100_credit_tenant_runs_every_capability_on_a_short_video(
    pipeline_api: Client, media_server: MediaServer
) -> None:
    tenant = new_tenant(credits=100, name="Small")
    everything = list(REGISTRY)
    job, _ = _run(pipeline_api, tenant, media_server.url("speech.mp4"), everything)
    assert job["status"] == "completed", job.get("error")
    # Priced on the real 22 s: one billable minute of each capability, itemised.
    per_minute = {name: REGISTRY[name].credits_per_minute for name in everything}
    assert job["cost_breakdown"] == per_minute
    assert job["credits_charged"] == job["credits_estimated"] == sum(per_minute.values())
    assert set(job["results"]) == set(everything)
    assert job["results"]["language"]["language"] == "en"
    assert job["media"]["has_audio"] and job["media"]["has_video"] and 20 < job["media"]["duration_seconds"] < 25
    assert job["processing_time_seconds"] > 0
    assert balance_and_ledger(tenant.tenant_id) == (100 - job["credits_charged"],) * 2


@pytest.fixture
def two_minutes_allowed(local_stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The pipeline tests' stack allows 60 s of media; a two-minute price needs longer media."""
    monkeypatch.setenv("VIDSCOPE_MAX_MEDIA_SECONDS", "120")
    dependencies.reset()
    yield
    monkeypatch.undo()
    dependencies.reset()


@pytest.mark.usefixtures("two_minutes_allowed")
def test_a_job_priced_above_the_balance_fails_at_ingestion_and_is_charged_nothing(
    pipeline_api: Client, media_server: MediaServer, local_stack: LocalStack
) -> None:
    capabilities_asked = ["transcription", "summary", "brands"]
    # Enough for the first minute, which is all creation can know; the media runs 90 s.
    start = catalog.minimum_credits(capabilities_asked)
    tenant = new_tenant(credits=start, name="Tight")
    job, seen = _run(pipeline_api, tenant, media_server.url("ninety-seconds.mp4"), capabilities_asked)
    assert job["status"] == "failed"
    assert job["error"]["code"] == "INSUFFICIENT_CREDITS"
    assert "nothing was charged" in job["error"]["message"]
    assert job["credits_charged"] == 0
    assert balance_and_ledger(tenant.tenant_id) == (start, start)
    assert all((view["progress"] or {}).get("stage") in (None, "ingestion") for view in seen)
    # It never reached transcription: no worker was started for it.
    assert _states_entered(local_stack, job["job_id"]) == ["Ingest", "MarkFailed", "JobFailed"]


def test_media_without_sound_gives_an_empty_transcript_not_a_failure(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer
) -> None:
    job, _ = _run(pipeline_api, pipeline_tenant, media_server.url("no-audio.mp4"), ["transcription", "brands"])
    assert job["status"] == "completed", job.get("error")
    assert job["media"]["has_audio"] is False and job["media"]["has_video"] is True
    assert job["results"]["transcription"]["text"] == "" and job["results"]["transcription"]["segments"] == []
    assert job["results"]["brands"] == []


class _Duration(BaseModel):
    seconds: float


@pytest.fixture
def probe() -> Iterator[str]:
    """A capability that needs only the ingested media (as ``download`` will): registered the way
    discovery registers a module, for this test only."""
    capability = Capability(
        name="probe",
        description="the media's duration",
        credits_per_minute=1,
        needs=frozenset(),
        options=NoOptions,
        result=_Duration,
        compute=lambda inputs, options: _Duration(seconds=inputs.duration_seconds),
        render=lambda result: [f"{result.seconds} s"],
    )
    with capabilities.registered(capability):
        yield "probe"


def test_a_job_that_needs_no_speech_never_runs_transcription(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, local_stack: LocalStack, probe: str
) -> None:
    url = media_server.url("speech.mp4")
    without, _ = _run(pipeline_api, pipeline_tenant, url, [probe])
    assert without["status"] == "completed", without.get("error")
    assert "Transcribe" not in _states_entered(local_stack, without["job_id"])  # no GPU task either
    assert without["credits_charged"] == 1 and without["cost_breakdown"] == {probe: 1}
    # Its result was computed from the decoded duration and kept (the typed job shows only the
    # registered capabilities, and this one was registered after the API's models were built).
    kept = dependencies.media_store().get_json(result_key(pipeline_tenant.tenant_id, without["job_id"], probe))
    assert kept["seconds"] == pytest.approx(without["media"]["duration_seconds"])
    # The same job with transcription too: one state more (the Transcribe task) and a GPU task.
    transcribed, _ = _run(pipeline_api, pipeline_tenant, url, ["transcription", probe])
    assert transcribed["status"] == "completed"
    fewer = local_stack.state_transitions(without["job_id"])
    more = local_stack.state_transitions(transcribed["job_id"])
    print(f"\nstate transitions: {fewer} for [{probe}], {more} for [transcription, {probe}]")
    assert fewer < more


def test_state_transitions_per_job_stay_within_the_budget(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, local_stack: LocalStack
) -> None:
    # DESIGN §9: <= 6 for transcription alone, <= 8 for transcription + summary + brands (speech).
    url = media_server.url("speech.mp4")
    alone, _ = _run(pipeline_api, pipeline_tenant, url, ["transcription"])
    assert _states_entered(local_stack, alone["job_id"]) == [
        "Ingest",
        "ProcessMedia",
        "RouteMediaStage",
        "Transcribe",
        "Analyze",
        "Merge",
    ]
    created = pipeline_api.post(
        "/v1/jobs",
        json={
            "url": url,
            "capabilities": ["transcription", "summary", "brands"],
            "options": {"brands": {"sources": ["speech"]}},
        },
        headers=pipeline_tenant.headers,
    )
    three, _ = wait_for(
        pipeline_api, pipeline_tenant, created.json["data"]["job_id"], lambda j: j["status"] == "completed"
    )
    assert local_stack.state_transitions(three["job_id"]) == 8
    assert "See" not in _states_entered(local_stack, three["job_id"])  # no pictures asked for: no vision task
