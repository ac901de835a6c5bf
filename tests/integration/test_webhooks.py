"""Per-job webhooks end to end on the local stack: the job's terminal event goes from the table
stream through the publisher to the bus, the rule routes it to the webhook queue, the dispatcher
POSTs it over real HTTP to a receiver on 127.0.0.1 that verifies it with ``standardwebhooks``.
Retries run on the shortened schedule from PIPELINE_ENV ([0, 1, 3, 5] s), through the same
code path as the real one."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import jsonschema
import pytest
from standardwebhooks.webhooks import Webhook
from werkzeug.test import Client

from infra.local.stack import LocalStack
from tests.integration.conftest import TenantHandle, is_terminal, new_tenant, submit, wait_for
from tests.support.media_server import MediaServer
from tests.support.subscriber import subscribe
from tests.support.webhook_receiver import Reply, WebhookReceiver, receiving
from vidscope import dependencies
from vidscope.clock import utc_now
from vidscope.events import contract as events
from vidscope.settings import get_settings
from vidscope.webhooks.delivery_queue import DeliveryTask

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    with receiving() as running:
        yield running


@pytest.fixture(scope="module")
def subscriber(local_stack: LocalStack) -> Callable[[], list[dict[str, Any]]]:
    """Every job event a second rule on the bus has received so far."""
    drain = subscribe(local_stack.client("sqs"), local_stack.client("events"), local_stack.resources.event_bus_name)
    received: list[dict[str, Any]] = []

    def everything() -> list[dict[str, Any]]:
        received.extend(drain())
        return list(received)

    return everything


def cancelled_job(api: Client, tenant: TenantHandle, media_server: MediaServer, webhook_url: str) -> str:
    """A job that ends at once (cancelled): the cheapest way to a terminal event."""
    response = api.post(
        "/v1/jobs",
        json={"url": media_server.url("speech.mp4"), "capabilities": ["transcription"], "webhook_url": webhook_url},
        headers=tenant.headers,
    )
    assert response.status_code == 202, response.json
    job_id = str(response.json["data"]["job_id"])
    webhook = response.json["data"]["webhook"]
    assert (webhook["status"], webhook["attempts"], webhook["last_attempt_at"]) == ("pending", 0, None)
    cancel = api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers)
    assert cancel.status_code == 200, cancel.json
    return job_id


def webhook_of(api: Client, tenant: TenantHandle, job_id: str, until: str, timeout: float = 30) -> dict[str, Any]:
    job, _ = wait_for(api, tenant, job_id, lambda j: (j.get("webhook") or {}).get("status") == until, timeout)
    return dict(job["webhook"])


def attempts_of(api: Client, tenant: TenantHandle, job_id: str) -> list[dict[str, Any]]:
    response = api.get(f"/v1/jobs/{job_id}/webhook_deliveries", headers=tenant.headers)
    assert response.status_code == 200, response.json
    return list(response.json["data"])


_QUEUE_COUNTS = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
)


def webhook_queue_drained(local_stack: LocalStack, timeout: float = 30) -> None:
    """Wait until the webhook queue holds nothing: no message waiting, delayed or in flight.

    The dispatcher queues an attempt's next attempt before it records the attempt, and a message
    leaves the queue only once its attempt is over; so after an attempt is seen recorded, a
    drained queue means every attempt that delivery was going to make has been made."""
    sqs = local_stack.client("sqs")
    deadline = time.monotonic() + timeout
    while True:
        attributes = sqs.get_queue_attributes(
            QueueUrl=local_stack.resources.webhook_queue_url, AttributeNames=list(_QUEUE_COUNTS)
        )["Attributes"]
        if all(int(attributes[name]) == 0 for name in _QUEUE_COUNTS):
            return
        assert time.monotonic() < deadline, f"the webhook queue still holds messages after {timeout} s: {attributes}"
        time.sleep(0.05)


def events_so_far_published(
    api: Client, tenant: TenantHandle, media_server: MediaServer, subscriber: Callable[[], list[dict[str, Any]]]
) -> None:
    """Wait until every change written to the table so far has reached the subscriber.

    The publisher reads the table's stream in order (one shard), so once a job created now has
    its ``Job Created`` event delivered, every event of an earlier write has been delivered too.
    The job is cancelled at once: it is a marker, not work."""
    created = api.post(
        "/v1/jobs",
        json={"url": media_server.url("speech.mp4"), "capabilities": ["transcription"]},
        headers=tenant.headers,
    )
    assert created.status_code == 202, created.json
    marker = created.json["data"]["job_id"]
    assert api.post(f"/v1/jobs/{marker}/cancel", headers=tenant.headers).status_code == 200
    deadline = time.monotonic() + 20
    while not any(e["detail"]["job_id"] == marker and e["detail-type"] == "Job Created" for e in subscriber()):
        assert time.monotonic() < deadline, "the marker job's event never reached the subscriber"
        time.sleep(0.05)


def test_a_cancelled_job_is_delivered_once_signed_with_its_state(
    pipeline_api: Client,
    pipeline_tenant: TenantHandle,
    media_server: MediaServer,
    receiver: WebhookReceiver,
    local_stack: LocalStack,
) -> None:
    url = receiver.url("/cancelled", secret=pipeline_tenant.webhook_secret)
    job_id = cancelled_job(pipeline_api, pipeline_tenant, media_server, url)

    [delivery] = receiver.wait_for("/cancelled", 1)
    assert delivery.verified
    assert delivery.headers["webhook-id"] == f"msg_{job_id}"
    assert delivery.headers["webhook-signature"].startswith("v1,")
    assert delivery.payload["type"] == "job.cancelled"
    assert delivery.payload["data"]["job_id"] == job_id
    assert delivery.payload["data"]["status"] == "cancelled"
    job = pipeline_api.get(f"/v1/jobs/{job_id}", headers=pipeline_tenant.headers).json["data"]
    assert delivery.payload["timestamp"] == job["completed_at"]

    status = webhook_of(pipeline_api, pipeline_tenant, job_id, "delivered")
    assert status["attempts"] == 1 and status["last_status_code"] == 200 and status["next_attempt_at"] is None
    [attempt] = attempts_of(pipeline_api, pipeline_tenant, job_id)
    assert attempt["status_code"] == 200 and attempt["outcome"] == "delivered" and attempt["trigger"] == "event"
    webhook_queue_drained(local_stack)  # a retry, had one been queued, would have been made by now
    assert len(receiver.deliveries("/cancelled")) == 1


def test_a_completed_job_is_delivered_once_with_its_results_and_subscribers_get_every_event(
    pipeline_api: Client,
    pipeline_tenant: TenantHandle,
    media_server: MediaServer,
    receiver: WebhookReceiver,
    subscriber: Callable[[], list[dict[str, Any]]],
    local_stack: LocalStack,
) -> None:
    url = receiver.url("/completed", secret=pipeline_tenant.webhook_secret)
    job_id = submit(pipeline_api, pipeline_tenant, media_server.url("speech.mp4"), webhook_url=url, return_proof=True)
    job, _ = wait_for(pipeline_api, pipeline_tenant, job_id, is_terminal)
    assert job["status"] == "completed", job

    [delivery] = receiver.wait_for("/completed", 1)
    assert delivery.verified and delivery.headers["webhook-id"] == f"msg_{job_id}"
    assert delivery.payload["type"] == "job.completed"
    assert delivery.payload["timestamp"] == job["completed_at"]
    as_get = {k: v for k, v in job.items() if k != "webhook"}
    assert delivery.payload["data"] == as_get  # the full result, as GET returns it
    assert delivery.payload["data"]["results"]["transcription"]["segments"]
    assert webhook_of(pipeline_api, pipeline_tenant, job_id, "delivered")["attempts"] == 1

    def trail() -> list[dict[str, Any]]:
        return [e for e in subscriber() if e["detail"]["job_id"] == job_id]

    deadline = time.monotonic() + 20
    while not any(e["detail-type"] == "Job Completed" for e in trail()) and time.monotonic() < deadline:
        time.sleep(0.1)
    received = sorted(trail(), key=lambda e: e["detail"]["version"])
    assert [(e["detail-type"], e["detail"].get("stage")) for e in received] == [
        ("Job Created", None),
        ("Job Started", None),
        ("Job Stage Completed", "ingestion"),
        ("Job Stage Completed", "transcription"),
        ("Job Stage Completed", "vision"),  # brands read the video's screen too
        ("Job Stage Completed", "analysis"),
        ("Job Stage Completed", "merging"),
        ("Job Completed", None),
    ]
    for event in received:
        assert event["source"] == events.SOURCE
        assert event["detail"]["tenant_id"] == pipeline_tenant.tenant_id
        schema = json.loads(
            (events.SCHEMA_DIR / events.schema_file_name(events.DetailType(event["detail-type"]))).read_text()
        )
        jsonschema.validate(event["detail"], schema)
    completed = received[-1]["detail"]
    assert completed["status"] == "completed" and completed["credits_charged"] == job["credits_charged"]
    assert "results" not in completed

    # A change that is refused writes nothing, and so emits nothing.
    assert pipeline_api.post(f"/v1/jobs/{job_id}/cancel", headers=pipeline_tenant.headers).status_code == 409
    events_so_far_published(pipeline_api, pipeline_tenant, media_server, subscriber)
    assert len(trail()) == len(received)
    webhook_queue_drained(local_stack)
    assert len(receiver.deliveries("/completed")) == 1


def test_a_failed_job_is_delivered_with_its_error(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, receiver: WebhookReceiver
) -> None:
    url = receiver.url("/failed", secret=pipeline_tenant.webhook_secret)
    response = pipeline_api.post(
        "/v1/jobs",
        json={"url": media_server.url("missing.mp4"), "capabilities": ["transcription"], "webhook_url": url},
        headers=pipeline_tenant.headers,
    )
    job_id = response.json["data"]["job_id"]

    [delivery] = receiver.wait_for("/failed", 1)
    assert delivery.verified
    assert delivery.payload["type"] == "job.failed"
    assert delivery.payload["data"]["status"] == "failed"
    assert delivery.payload["data"]["error"]["code"] == "DOWNLOAD_FAILED"
    assert webhook_of(pipeline_api, pipeline_tenant, job_id, "delivered")["attempts"] == 1


def test_a_receiver_failing_three_times_gets_four_attempts_with_growing_delays(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, receiver: WebhookReceiver
) -> None:
    url = receiver.url("/flaky", secret=pipeline_tenant.webhook_secret, replies=[Reply(500)] * 3 + [Reply(200)])
    job_id = cancelled_job(pipeline_api, pipeline_tenant, media_server, url)

    deliveries = receiver.wait_for("/flaky", 4, timeout=30)
    assert all(d.verified for d in deliveries)
    assert {d.headers["webhook-id"] for d in deliveries} == {f"msg_{job_id}"}
    assert len({d.body for d in deliveries}) == 1  # the same payload every time
    gaps = [b.received_at - a.received_at for a, b in itertools.pairwise(deliveries)]
    schedule = get_settings().webhook_retry_schedule_seconds
    assert gaps == sorted(gaps) and gaps[0] < gaps[1] < gaps[2], gaps
    for gap, planned in zip(gaps, schedule[1:], strict=False):
        assert gap >= planned - 0.05, (gaps, schedule)

    status = webhook_of(pipeline_api, pipeline_tenant, job_id, "delivered")
    assert status["attempts"] == 4 and status["last_status_code"] == 200
    attempts = attempts_of(pipeline_api, pipeline_tenant, job_id)
    assert [a["status_code"] for a in attempts] == [500, 500, 500, 200]
    assert [a["outcome"] for a in attempts] == ["retrying", "retrying", "retrying", "delivered"]
    assert [a["trigger"] for a in attempts] == ["event", "retry", "retry", "retry"]
    assert all(a["next_attempt_at"] for a in attempts[:3])


def _dlq_messages(local_stack: LocalStack) -> list[dict[str, Any]]:
    sqs = local_stack.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=local_stack.resources.webhook_dlq_url,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=1,
        MessageAttributeNames=["All"],
    ).get("Messages", [])
    return list(messages)


def test_a_receiver_that_always_fails_ends_in_the_dlq_and_a_redrive_delivers_it(
    pipeline_api: Client,
    pipeline_tenant: TenantHandle,
    media_server: MediaServer,
    receiver: WebhookReceiver,
    local_stack: LocalStack,
) -> None:
    schedule = get_settings().webhook_retry_schedule_seconds
    url = receiver.url(
        "/down", secret=pipeline_tenant.webhook_secret, replies=[Reply(503)] * len(schedule) + [Reply(200)]
    )
    job_id = cancelled_job(pipeline_api, pipeline_tenant, media_server, url)

    status = webhook_of(pipeline_api, pipeline_tenant, job_id, "failed", timeout=40)
    assert status["attempts"] == len(schedule) and status["last_status_code"] == 503
    assert len(receiver.deliveries("/down")) == len(schedule)
    [parked] = _dlq_messages(local_stack)
    task = json.loads(parked["Body"])
    assert task["job_id"] == job_id and task["attempt"] == len(schedule) + 1
    assert "attempts failed" in parked["MessageAttributes"]["reason"]["StringValue"]

    # What `aws sqs start-message-move-task` does for ops: the message goes back to the queue.
    sqs = local_stack.client("sqs")
    sqs.send_message(QueueUrl=local_stack.resources.webhook_queue_url, MessageBody=parked["Body"])
    sqs.delete_message(QueueUrl=local_stack.resources.webhook_dlq_url, ReceiptHandle=parked["ReceiptHandle"])
    status = webhook_of(pipeline_api, pipeline_tenant, job_id, "delivered")
    assert status["attempts"] == len(schedule) + 1
    final = receiver.deliveries("/down")[-1]
    assert final.verified and final.headers["webhook-id"] == f"msg_{job_id}"
    assert attempts_of(pipeline_api, pipeline_tenant, job_id)[-1]["trigger"] == "redrive"


def test_410_disables_the_url_until_a_redelivery_is_asked_for(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, receiver: WebhookReceiver
) -> None:
    url = receiver.url("/gone", secret=pipeline_tenant.webhook_secret, replies=[Reply(410), Reply(200)])
    first = cancelled_job(pipeline_api, pipeline_tenant, media_server, url)
    status = webhook_of(pipeline_api, pipeline_tenant, first, "disabled")
    assert status["attempts"] == 1 and status["last_status_code"] == 410

    second = cancelled_job(pipeline_api, pipeline_tenant, media_server, url)
    assert webhook_of(pipeline_api, pipeline_tenant, second, "disabled")["attempts"] == 0
    assert attempts_of(pipeline_api, pipeline_tenant, second) == []
    assert len(receiver.deliveries("/gone")) == 1  # the second job's webhook was never sent

    response = pipeline_api.post(f"/v1/jobs/{second}/webhook/redeliver", headers=pipeline_tenant.headers)
    assert response.status_code == 202, response.json
    assert webhook_of(pipeline_api, pipeline_tenant, second, "delivered")["attempts"] == 1
    assert receiver.deliveries("/gone")[-1].headers["webhook-id"] == f"msg_{second}"


def test_a_receiver_that_hangs_is_cut_at_the_timeout_and_retried(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, receiver: WebhookReceiver
) -> None:
    timeout = get_settings().webhook_timeout_seconds
    url = receiver.url("/slow", secret=pipeline_tenant.webhook_secret, replies=[Reply(200, hang_seconds=4), Reply(200)])
    job_id = cancelled_job(pipeline_api, pipeline_tenant, media_server, url)

    status = webhook_of(pipeline_api, pipeline_tenant, job_id, "delivered")
    assert status["attempts"] == 2
    hung, delivered = attempts_of(pipeline_api, pipeline_tenant, job_id)
    assert hung["status_code"] is None and hung["error"] == f"timed out after {timeout:g} s"
    assert timeout * 1000 <= hung["duration_ms"] < timeout * 1000 + 1500
    assert hung["outcome"] == "retrying" and delivered["status_code"] == 200


def test_redelivery_sends_the_same_webhook_id_again_signed_with_both_secrets_while_rotating(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, receiver: WebhookReceiver
) -> None:
    url = receiver.url("/again", secret=pipeline_tenant.webhook_secret)
    job_id = cancelled_job(pipeline_api, pipeline_tenant, media_server, url)
    webhook_of(pipeline_api, pipeline_tenant, job_id, "delivered")

    new_secret = dependencies.webhook_secrets().rotate(
        pipeline_tenant.tenant_id, overlap=timedelta(hours=1), now=utc_now()
    )
    response = pipeline_api.post(f"/v1/jobs/{job_id}/webhook/redeliver", headers=pipeline_tenant.headers)
    assert response.status_code == 202, response.json
    assert response.json["data"]["status"] == "pending"

    first, second = receiver.wait_for("/again", 2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == f"msg_{job_id}"
    assert first.body == second.body
    assert len(second.headers["webhook-signature"].split(" ")) == 2
    for secret in (pipeline_tenant.webhook_secret, new_secret):
        Webhook(secret).verify(second.body, second.headers)  # raises unless one signature matches
    status = webhook_of(pipeline_api, pipeline_tenant, job_id, "delivered")
    assert status["attempts"] == 2
    assert [a["trigger"] for a in attempts_of(pipeline_api, pipeline_tenant, job_id)] == ["event", "redeliver"]


def test_redelivery_is_refused_clearly_when_there_is_nothing_to_redeliver(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, receiver: WebhookReceiver
) -> None:
    def redeliver(job_id: str, tenant: TenantHandle = pipeline_tenant) -> Any:
        return pipeline_api.post(f"/v1/jobs/{job_id}/webhook/redeliver", headers=tenant.headers)

    def submit(**body: Any) -> str:
        body = {"url": media_server.url("speech.mp4"), "capabilities": ["transcription"], **body}
        return str(pipeline_api.post("/v1/jobs", json=body, headers=pipeline_tenant.headers).json["data"]["job_id"])

    without = submit()
    refused = redeliver(without)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "WEBHOOK_NOT_CONFIGURED"

    running = submit(webhook_url=receiver.url("/early", secret=pipeline_tenant.webhook_secret))
    refused = redeliver(running)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "JOB_NOT_FINISHED"
    assert receiver.deliveries("/early") == []

    other = new_tenant(credits=100, name="Other")
    assert redeliver(running, other).status_code == 404
    assert pipeline_api.get(f"/v1/jobs/{running}/webhook_deliveries", headers=other.headers).status_code == 404
    assert redeliver("job_doesnotexist").status_code == 404
    for job_id in (without, running):
        pipeline_api.post(f"/v1/jobs/{job_id}/cancel", headers=pipeline_tenant.headers)


def test_one_tenants_trickling_receiver_does_not_delay_another_tenants_delivery_in_the_same_batch(
    pipeline_api: Client,
    pipeline_tenant: TenantHandle,
    media_server: MediaServer,
    receiver: WebhookReceiver,
    local_stack: LocalStack,
) -> None:
    # Given two tenants' finished jobs, their webhooks delivered, whose next attempts (ops redriving
    # them) share one batch: the first to a receiver that trickles its answer for about 15 s,
    # the second to a healthy receiver.
    timeout = get_settings().webhook_timeout_seconds
    other = new_tenant(credits=1_000, name="Healthy receiver")
    slow_url = receiver.url("/trickling", secret=pipeline_tenant.webhook_secret)
    fast_url = receiver.url("/healthy", secret=other.webhook_secret)
    slow_job = cancelled_job(pipeline_api, pipeline_tenant, media_server, slow_url)
    fast_job = cancelled_job(pipeline_api, other, media_server, fast_url)
    # A loaded machine can time a first attempt out and deliver on a retry: the redrive is the
    # attempt after however many were made, and the trickle is scripted only now, for it alone.
    made = {
        job_id: webhook_of(pipeline_api, tenant, job_id, "delivered")["attempts"]
        for tenant, job_id in ((pipeline_tenant, slow_job), (other, fast_job))
    }
    receiver.url(
        "/trickling",
        secret=pipeline_tenant.webhook_secret,
        replies=[Reply(200, trickle_interval=timeout / 4), Reply(200)],
    )
    tasks = [
        DeliveryTask(tenant_id=tenant.tenant_id, job_id=job_id, attempt=made[job_id] + 1, trigger="redrive")
        for tenant, job_id in ((pipeline_tenant, slow_job), (other, fast_job))
    ]
    event = {
        "Records": [
            {"messageId": f"m{i}", "body": task.model_dump_json(), "eventSource": "aws:sqs", "attributes": {}}
            for i, task in enumerate(tasks)
        ]
    }

    # When the dispatcher handles that batch
    response = local_stack.client("lambda").invoke(FunctionName="dispatch_webhooks", Payload=json.dumps(event))

    # Then the healthy receiver got its webhook within its own attempt's time, not after the
    # trickling one's, and only the trickling receiver's attempt failed (to be retried on schedule).
    assert "FunctionError" not in response, response["Payload"].read()
    assert json.loads(response["Payload"].read()) == {"batchItemFailures": []}
    trickled = receiver.deliveries("/trickling")[-1]
    healthy = receiver.deliveries("/healthy")[-1]
    assert healthy.received_at - trickled.received_at < timeout, healthy.received_at - trickled.received_at
    fast = attempts_of(pipeline_api, other, fast_job)[-1]
    assert (fast["attempt"], fast["status_code"], fast["outcome"]) == (made[fast_job] + 1, 200, "delivered")
    assert fast["duration_ms"] < timeout * 1000
    (slow,) = [a for a in attempts_of(pipeline_api, pipeline_tenant, slow_job) if a["attempt"] == made[slow_job] + 1]
    assert slow["error"] == f"timed out after {timeout:g} s" and slow["outcome"] == "retrying"
    assert timeout * 1000 <= slow["duration_ms"] < timeout * 1000 + 500, slow["duration_ms"]
    assert webhook_of(pipeline_api, pipeline_tenant, slow_job, "delivered")["attempts"] == made[slow_job] + 2
