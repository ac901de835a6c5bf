"""Payloads against AWS's quotas (DESIGN §3b, §8, §10), on the local stack: the real ASL in
moto's interpreter, the real stage handlers and the real transcription entrypoint.

An hour of speech is the longest media a job takes, so it makes the largest payloads. Whisper
does not run here: the transcription task runs the real entrypoint (``functions.transcriber``)
with faster-whisper's call replaced by a fixed hour of realistic segments, so everything after
it (storage, the task token, analyses, merging, GET, events, webhook) handles a real hour-long
transcript. Each payload is measured the way its service counts it (``vidscope.adapters.quotas``) and
must use at most half its quota.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from infra.local import quotas as local_quotas
from infra.local import stack
from infra.local.stack import LocalStack
from tests.integration.conftest import PIPELINE_ENV, TenantHandle, is_terminal, new_tenant, wait_for
from tests.support.media import silent_mp4
from tests.support.media_server import MediaServer, serving
from tests.support.subscriber import subscribe
from tests.support.webhook_receiver import WebhookReceiver, receiving
from vidscope import dependencies
from vidscope.adapters import quotas
from vidscope.adapters.workflow import execution_arn
from vidscope.jobs.repository import job_key
from vidscope.pipeline import transcription
from vidscope.pipeline.ingestion import DownloadedMedia, Downloader
from vidscope.settings import get_settings
from vidscope.transcripts import Segment, SpeechRequest, Transcript

pytestmark = pytest.mark.timeout(420)

HOUR_SECONDS = 3590.0  # just under the 60-minute limit
# Every payload may use at most this share of its quota.
HEADROOM = 0.5

_SCRIPT = (
    "we the product team is going to walk through how our customers use the platform every day and what "
    "changed in this release because latency dropped by half while the cost per request stayed flat so "
    "let me show you the dashboard first then the numbers from last quarter and finally the roadmap"
)
_BRAND_LINES = (
    "we moved the build farm to Microsoft Azure last spring",
    "the mobile team ships on Apple devices first",
    "our partners at Google helped with the search index",
    "half the audience watched on Netflix the same evening",
    "the launch video was shared on YouTube and TikTok",
)


def hour_of_speech() -> list[Segment]:
    """An hour of speech as faster-whisper segments it: a segment every 2 to 7 s, about 150 words a
    minute, brand names now and then (so brands with proof has plenty to return)."""
    rng = random.Random(60)
    vocabulary = _SCRIPT.split()
    segments: list[Segment] = []
    start = 0.4
    while start < HOUR_SECONDS - 8:
        length = round(rng.uniform(2.0, 7.0), 3)
        if rng.random() < 0.08:
            text = rng.choice(_BRAND_LINES)
        else:
            words = [rng.choice(vocabulary) for _ in range(max(3, round(length * 2.5)))]
            text = " ".join(words).capitalize() + "."
        end = round(start + length, 3)
        segments.append(Segment(start=round(start, 3), end=end, text=text))
        start = end + round(rng.uniform(0.05, 0.6), 3)
    return segments


def transcribe_an_hour(
    media: Path,
    config: transcription.WhisperConfig,
    on_segment: Callable[[Segment, float], None] | None = None,
    *,
    max_seconds: float | None = None,
    request: SpeechRequest | None = None,
) -> Transcript:
    """Stands in for ``vidscope.pipeline.transcription.transcribe``: the same contract, a fixed hour."""
    segments = hour_of_speech()
    for segment in segments:
        if on_segment is not None:
            on_segment(segment, HOUR_SECONDS)
    return Transcript.from_segments(segments, language="en", duration_seconds=HOUR_SECONDS)


class InProcessTranscriber:
    """The ECS agent's job, for this module: each task Step Functions starts runs the real
    entrypoint with the task's environment overrides, in this process (where faster-whisper's
    call is replaced), then the task is stopped as ECS stops it when its container exits."""

    def __init__(self, local: LocalStack) -> None:
        self._ecs = local.client("ecs")
        self._cluster = local.resources.cluster_arn
        self._seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="in-process-transcriber", daemon=True)
        self.errors: list[BaseException] = []

    def __enter__(self) -> InProcessTranscriber:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        from functions.transcriber import main as entrypoint

        while not self._stop.wait(0.1):
            arns = self._ecs.list_tasks(cluster=self._cluster, desiredStatus="RUNNING")["taskArns"]
            new = [arn for arn in arns if arn not in self._seen]
            if not new:
                continue
            for task in self._ecs.describe_tasks(cluster=self._cluster, tasks=new)["tasks"]:
                self._seen.add(task["taskArn"])
                overrides = {
                    e["name"]: e["value"]
                    for o in task.get("overrides", {}).get("containerOverrides", [])
                    for e in o.get("environment", [])
                }
                # The entrypoint reads its job from the environment, as the container does; one
                # task runs at a time here, so this process's environment can carry it.
                saved = {k: os.environ.get(k) for k in overrides}
                os.environ.update(overrides)
                try:
                    entrypoint.main()
                except BaseException as exc:  # surfaced by the test, not lost in a thread
                    self.errors.append(exc)
                finally:
                    for key, value in saved.items():
                        if value is None:
                            os.environ.pop(key, None)
                        else:
                            os.environ[key] = value
                self._ecs.stop_task(cluster=self._cluster, task=task["taskArn"], reason="Essential container exited")


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in {**PIPELINE_ENV, "VIDSCOPE_MAX_MEDIA_SECONDS": "3600"}.items():
            patch.setenv(key, value)
        patch.setattr(transcription, "transcribe", transcribe_an_hour)
        dependencies.reset()
        with stack.running(log_dir=tmp_path_factory.mktemp("worker-logs")) as running:
            running.agent.stop()  # this module's tasks run in process (InProcessTranscriber)
            with InProcessTranscriber(running) as transcriber:
                yield running
            assert not transcriber.errors, transcriber.errors


@pytest.fixture(scope="module")
def hour_media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaServer]:
    root = tmp_path_factory.mktemp("hour-media")
    silent_mp4(HOUR_SECONDS, root / "hour.mp4")
    with serving(root) as server:
        yield server


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    with receiving() as running:
        yield running


@pytest.fixture
def rich_tenant(local_stack: LocalStack) -> TenantHandle:
    return new_tenant(credits=100_000, name="Payloads")


def _history_payloads(local: LocalStack, job_id: str) -> list[tuple[str, int]]:
    """(event type, bytes) of every input, output and parameters in the execution's history."""
    arn = execution_arn(local.resources.state_machine_arn, job_id)
    history = local.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    sizes = []
    for event in history:
        for key, details in event.items():
            if not key.endswith("EventDetails") or not isinstance(details, dict):
                continue
            for field in ("input", "output", "parameters"):
                if isinstance(details.get(field), str):
                    sizes.append((f"{event['type']} {field}", quotas.state_payload_bytes(details[field])))
    return sizes


def _job_item_bytes(local: LocalStack, tenant_id: str, job_id: str) -> int:
    item = local.client("dynamodb").get_item(TableName=get_settings().table_name, Key=job_key(tenant_id, job_id))
    return quotas.dynamodb_item_bytes(item["Item"])


def test_an_hour_long_job_keeps_every_payload_under_half_its_quota(
    pipeline_api: Client,
    rich_tenant: TenantHandle,
    hour_media: MediaServer,
    receiver: WebhookReceiver,
    local_stack: LocalStack,
) -> None:
    drain = subscribe(local_stack.client("sqs"), local_stack.client("events"), local_stack.resources.event_bus_name)
    local_quotas.OBSERVED.clear()
    url = receiver.url("/hour", secret=rich_tenant.webhook_secret)
    created = pipeline_api.post(
        "/v1/jobs",
        json={
            "url": hour_media.url("hour.mp4"),
            "capabilities": ["transcription", "summary", "brands"],
            "return_proof": True,
            "webhook_url": url,
        },
        headers=rich_tenant.headers,
    )
    assert created.status_code == 202, created.json
    job_id = created.json["data"]["job_id"]

    job, _ = wait_for(pipeline_api, rich_tenant, job_id, is_terminal, timeout=300)
    assert job["status"] == "completed", job.get("error")
    transcript = job["results"]["transcription"]
    total = job["result_totals"]["transcription"]
    # GET (and the webhook) carry the first 100 segments; /results pages all of them.
    assert transcript["duration_seconds"] == HOUR_SECONDS and total > 700 and len(transcript["segments"]) == 100
    segments = _all_pages(pipeline_api, rich_tenant, job_id, "transcription", "segments")
    assert len(segments) == total and segments[:100] == transcript["segments"]
    assert [s["start"] for s in segments] == sorted(s["start"] for s in segments)
    [delivery] = receiver.wait_for("/hour", 1, timeout=60)
    deadline = time.monotonic() + 20
    completed: list[dict[str, Any]] = []
    while not completed and time.monotonic() < deadline:
        completed += [e for e in drain() if e["detail-type"] == "Job Completed" and e["detail"]["job_id"] == job_id]
        time.sleep(0.1)
    assert completed, "no Job Completed event reached the subscriber"

    get_body = pipeline_api.get(f"/v1/jobs/{job_id}", headers=rich_tenant.headers).get_data()
    state_what, state_bytes = max(_history_payloads(local_stack, job_id), key=lambda p: p[1])
    measured: list[tuple[quotas.Quota, str, int]] = [
        (quotas.STEP_FUNCTIONS_STATE, f"largest state payload ({state_what})", state_bytes),
        (quotas.DYNAMODB_ITEM, "job item", _job_item_bytes(local_stack, rich_tenant.tenant_id, job_id)),
        # The webhook body is the GET document; it passes no AWS API, so the Lambda response
        # quota of GET /v1/jobs/{id} is the one that bounds it.
        (quotas.LAMBDA_SYNC_RESPONSE, "webhook body", len(delivery.body.encode())),
        (quotas.LAMBDA_SYNC_RESPONSE, "GET /v1/jobs/{id} body", len(get_body)),
        (quotas.SQS_MESSAGE, "Job Completed event as delivered to a queue", len(json.dumps(completed[0]).encode())),
    ]
    measured += [(o.quota, o.what, o.largest_bytes) for o in local_quotas.OBSERVED.observations()]

    report = "\n".join(
        f"{size / quota.limit_bytes:7.2%}  {size:>9,} B of {quota.limit_bytes:>9,}  {quota.service}: {what}"
        for quota, what, size in sorted(measured, key=lambda m: -m[2] / m[0].limit_bytes)
    )
    print(f"\npayloads of a {HOUR_SECONDS:.0f} s job ({len(transcript['segments'])} segments):\n{report}")
    assert {"Job Completed entry", "get_job response", "merge_results request"} <= {what for _, what, _ in measured}, (
        report
    )
    over = [m for m in measured if m[2] > HEADROOM * m[0].limit_bytes]
    assert not over, f"payloads over {HEADROOM:.0%} of their quota:\n{report}"
    assert len(get_body) < 1_000_000 and len(delivery.body.encode()) < 1_000_000  # DESIGN §3b: bounded


def _all_pages(api: Client, tenant: TenantHandle, job_id: str, capability: str, field: str) -> list[Any]:
    """Every item of a list-valued result, page by page through GET /v1/jobs/{id}/results/{capability}."""
    items: list[Any] = []
    offset, has_more = 0, True
    while has_more:
        page = api.get(f"/v1/jobs/{job_id}/results/{capability}?limit=100&offset={offset}", headers=tenant.headers)
        assert page.status_code == 200, page.json
        data = page.json["data"]
        assert data["capability"] == capability and data["offset"] == offset
        chunk = data["results"][capability][field]
        assert len(chunk) <= 100
        items += chunk
        offset, has_more = offset + len(chunk), data["has_more"]
    return items


@dataclasses.dataclass
class _TitledDownloader:
    """The real downloader, for a site that reports a very long title (it is the site's to choose)."""

    title: str
    inner: Downloader

    def download(self, url: str, dest_dir: Path, **options: Any) -> DownloadedMedia:
        return dataclasses.replace(self.inner.download(url, dest_dir, **options), title=self.title)


def test_a_task_result_over_256_kib_fails_its_state_with_data_limit_exceeded_and_the_job_fails(
    pipeline_api: Client,
    rich_tenant: TenantHandle,
    hour_media: MediaServer,
    local_stack: LocalStack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_downloader = dependencies.downloader
    monkeypatch.setattr(dependencies, "downloader", lambda: _TitledDownloader("t" * 300_000, real_downloader()))
    created = pipeline_api.post(
        "/v1/jobs",
        json={"url": hour_media.url("hour.mp4"), "capabilities": ["transcription"]},
        headers=rich_tenant.headers,
    )
    assert created.status_code == 202, created.json
    job_id = created.json["data"]["job_id"]

    arn = execution_arn(local_stack.resources.state_machine_arn, job_id)
    sfn = local_stack.client("stepfunctions")
    deadline = time.monotonic() + 60
    failures: list[str] = []
    while not failures and time.monotonic() < deadline:
        history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        failures = [
            details["error"]
            for event in history
            for key, details in event.items()
            if key.endswith("FailedEventDetails") and isinstance(details, dict) and "error" in details
        ]
        time.sleep(0.2)
    # The Ingest task's result (the media with its 300 KB title) is over the state quota.
    assert failures[:1] == ["States.DataLimitExceeded"], failures

    # States.ALL does not catch States.DataLimitExceeded (AWS, and locally since
    # infra.local.quotas): only a Catch that names it sends the job to MarkFailed; without one
    # the execution fails and the job stays "processing" for ever.
    job, _ = wait_for(pipeline_api, rich_tenant, job_id, is_terminal, timeout=30)
    assert job["status"] == "failed", job
    assert job["credits_charged"] == 0
