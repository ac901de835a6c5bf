"""Webhook rules without AWS: which answers are retried, when, how a delivery is signed, and
that the SSRF guard stands in front of every POST."""

from __future__ import annotations

import json
import random
import time
import tracemalloc
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.support.webhook_receiver import Reply, receiving
from vidscope.http_headers import parse_retry_after
from vidscope.ssrf import UrlGuard
from vidscope.webhooks.delivery_queue import DeliveryTask, task_from_message
from vidscope.webhooks.retry_policy import RetryPolicy, Verdict
from vidscope.webhooks.secrets import new_secret
from vidscope.webhooks.sender import HttpResult, WebhookSender, signature

STANDARD = RetryPolicy((0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400), jitter=0.1)


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.DELIVERED),
        (204, Verdict.DELIVERED),
        (408, Verdict.RETRY),
        (429, Verdict.RETRY),
        (500, Verdict.RETRY),
        (503, Verdict.RETRY),
        (400, Verdict.FINAL),
        (401, Verdict.FINAL),
        (404, Verdict.FINAL),
        (301, Verdict.FINAL),
        (410, Verdict.GONE),
    ],
)
def test_which_answers_are_retried(status: int, verdict: Verdict) -> None:
    assert HttpResult(status, None, 5).verdict is verdict


def test_timeouts_and_network_errors_are_retried_but_a_blocked_address_is_not() -> None:
    assert HttpResult(None, "timed out after 10 s", 10_000).verdict is Verdict.RETRY
    assert HttpResult(None, "connection failed: ConnectError", 3).verdict is Verdict.RETRY
    assert HttpResult(None, "not sent: private address", 0, blocked=True).verdict is Verdict.FINAL


def test_the_schedule_is_the_standard_webhooks_one_with_jitter_that_never_shortens_it() -> None:
    rng = random.Random(7)
    for step, planned in enumerate(STANDARD.schedule):
        delay = STANDARD.delay_before(step, None, rng)
        assert delay is not None and planned <= delay <= planned * 1.1
    assert STANDARD.delay_before(len(STANDARD.schedule), None, rng) is None


def test_retry_after_lengthens_a_wait_up_to_the_longest_delay() -> None:
    rng = random.Random(1)
    assert STANDARD.delay_before(1, 120, rng) == 120  # instead of 5 s
    assert 300 <= (STANDARD.delay_before(2, 10, rng) or 0) <= 330  # shorter hints do not hurry it
    assert STANDARD.delay_before(1, 10**7, rng) == 86400


def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("Sun, 22 Nov 2026 12:01:30 GMT", now) == 90
    assert parse_retry_after("Sun, 22 Nov 2026 11:59:00 GMT", now) == 0  # already past: now
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("\u00b2", now) is None  # a digit to str.isdigit(), not to float()
    assert parse_retry_after(None, now) is None


def test_the_signature_verifies_with_standardwebhooks_and_carries_one_entry_per_secret() -> None:
    old, new = new_secret(), new_secret()
    assert old.startswith("whsec_") and old != new
    now = datetime.now(UTC)
    body = '{"type":"job.completed"}'
    headers = {
        "webhook-id": "msg_job_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature([new, old], "msg_job_1", now, body),
    }
    assert headers["webhook-signature"].count("v1,") == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers) == {"type": "job.completed"}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body.replace("completed", "failed"), headers)


def test_a_queue_message_is_either_the_jobs_event_or_a_task() -> None:
    event = json.dumps(
        {"detail-type": "Job Completed", "source": "vidscope.jobs", "detail": {"job_id": "job_1", "tenant_id": "ten_1"}}
    )
    assert task_from_message(event) == DeliveryTask(tenant_id="ten_1", job_id="job_1")
    task = DeliveryTask(tenant_id="ten_1", job_id="job_1", run=2, attempt=5, step=1, trigger="redeliver")
    assert task_from_message(task.model_dump_json()) == task


def test_a_webhook_url_that_now_resolves_to_a_private_address_is_not_posted() -> None:
    with receiving() as receiver:
        url = receiver.url("/hook", secret=new_secret())
        # Outside the local setting, loopback is as forbidden as any private address.
        strict = WebhookSender(UrlGuard(allow_loopback=False), timeout_seconds=1)
        result = strict.post(url, "{}", {}, datetime.now(UTC))
        assert result.verdict is Verdict.FINAL and result.status_code is None
        assert result.error is not None and result.error.startswith("not sent")
        rebound = WebhookSender(
            UrlGuard(allow_loopback=False, resolve=lambda host, port: ["10.0.0.7"]), timeout_seconds=1
        )
        assert rebound.post("https://hooks.example.com/x", "{}", {}, datetime.now(UTC)).verdict is Verdict.FINAL
        assert receiver.deliveries("/hook") == []

        local = WebhookSender(UrlGuard(allow_loopback=True), timeout_seconds=1)
        receiver.url("/hook", secret=new_secret(), replies=[Reply(429, headers={"Retry-After": "30"})])
        answered = local.post(url, "{}", {}, datetime.now(UTC))
        assert (answered.status_code, answered.retry_after, answered.verdict) == (429, 30, Verdict.RETRY)


def test_a_receiver_trickling_its_answer_is_cut_at_one_deadline_for_the_whole_exchange() -> None:
    # Given a receiver that writes its answer a byte every 0.2 s: no single read waits 1 s,
    # and the whole answer would take about 12 s.
    with receiving() as receiver:
        url = receiver.url("/trickle", secret=new_secret(), replies=[Reply(200, trickle_interval=0.2)])
        sender = WebhookSender(UrlGuard(allow_loopback=True), timeout_seconds=1)

        # When an attempt is made with a 1-s deadline
        started = time.monotonic()
        result = sender.post(url, "{}", {}, datetime.now(UTC))
        took = time.monotonic() - started

    # Then it ends at the deadline, not when the receiver finishes, and is retried later.
    assert result.status_code is None and result.error == "timed out after 1 s"
    assert result.verdict is Verdict.RETRY
    assert 1.0 <= took < 1.5, took
    assert 1000 <= result.duration_ms < 1500


def test_a_huge_response_body_is_not_read_into_memory() -> None:
    # Given a receiver that answers 200 followed by a 64 MiB body
    body_bytes = 64 * 1024 * 1024
    with receiving() as receiver:
        url = receiver.url("/huge", secret=new_secret(), replies=[Reply(200, body_bytes=body_bytes)])
        sender = WebhookSender(UrlGuard(allow_loopback=True), timeout_seconds=5)

        # When an attempt is made
        tracemalloc.start()
        try:
            result = sender.post(url, "{}", {}, datetime.now(UTC))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        time.sleep(0.2)  # let the receiver notice the hang-up
        sent = receiver.body_bytes_sent("/huge")

    # Then the delivery counts, the body is left unread, and memory stays flat.
    assert (result.status_code, result.verdict) == (200, Verdict.DELIVERED)
    assert peak < 1024 * 1024, peak
    assert sent < 16 * 1024 * 1024, sent  # what the kernel buffers took before the hang-up


def test_the_connect_guard_still_sees_the_connect_made_on_the_attempts_event_loop() -> None:
    # Given a name that looked public when the URL was checked but is dialled at 127.0.0.1
    # (DNS rebinding: the fake resolver answers the check, the system one the connect)
    with receiving() as receiver:
        port = receiver.url("/rebound", secret=new_secret()).rsplit(":", 1)[1].split("/", 1)[0]
        guard = UrlGuard(allow_loopback=False, resolve=lambda host, port: ["93.184.215.14"])
        sender = WebhookSender(guard, timeout_seconds=1)

        # When an attempt is made
        result = sender.post(f"https://localhost:{port}/rebound", "{}", {}, datetime.now(UTC))

        # Then the connect itself is refused and nothing reaches the receiver.
        assert result.verdict is Verdict.FINAL and result.error is not None
        # 127.0.0.1 or ::1, whichever the system lists first for localhost
        assert result.error.startswith("not sent: ") and result.error.endswith(" is a private address")
        assert receiver.deliveries("/rebound") == []
