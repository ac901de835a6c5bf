"""Per-job webhooks: what is sent, how it is signed, when it is retried, and the dispatcher that
does one attempt per queue message.

The first message of a delivery is the job's terminal event, routed from the bus to the webhook
queue by a rule. Every later attempt is a ``DeliveryTask`` the dispatcher puts back on the queue
with an SQS delay (at most 15 minutes; longer waits hop through the queue until ``due_at``), so
no Lambda ever sleeps. Attempts that run out of schedule are parked in the DLQ, from which ops
redrive them into the queue for one more attempt each.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from vidscope.clock import Clock, iso_ms
from vidscope.errors import (
    InvalidUrl,
    JobNotFinished,
    WebhookDeliveryInProgress,
    WebhookNotConfigured,
)
from vidscope.jobs.lifecycle import get_job, job_view
from vidscope.jobs.repository import JobRecord, JobsRepository
from vidscope.log import logger
from vidscope.models import JobStatus, WebhookAttempt, WebhookState, WebhookStatus
from vidscope.observability import metrics
from vidscope.webhooks.attempts import RedeliveryConflict, WebhookDeliveries

if TYPE_CHECKING:
    # Sending (httpx, signing, the secrets behind Powertools' parameters, the SSRF guard) is the
    # dispatcher's; redelivery, which the API's redeliver_webhook does, only queues an attempt,
    # so these load where they are used and that function's cold start stays within DESIGN §9.
    from vidscope.adapters.media_store import MediaStore
    from vidscope.ssrf import UrlGuard
    from vidscope.webhooks.secrets import WebhookSecrets

EVENT_TYPES = {
    JobStatus.COMPLETED: "job.completed",
    JobStatus.FAILED: "job.failed",
    JobStatus.CANCELLED: "job.cancelled",
}
USER_AGENT = "Vidscope-Webhooks/1.0"
# Published per attempt (Powertools Metrics, EMF); the webhook failure-rate alarm reads them.
METRICS_NAMESPACE = "Vidscope"
METRIC_WEBHOOK_DELIVERED = "WebhookAttemptsDelivered"
METRIC_WEBHOOK_FAILED = "WebhookAttemptsFailed"
_SQS_MAX_DELAY_SECONDS = 900
# A claim outlives the attempt's own timeout by this much before another message may take it.
_LEASE_MARGIN_SECONDS = 30


def webhook_id(job_id: str) -> str:
    """The ``webhook-id`` of a job's webhook: one per job, the same on every attempt, so a
    receiver can drop duplicates."""
    return f"msg_{job_id}"


class DeliveryTask(BaseModel):
    """One attempt to make, as a queue message."""

    tenant_id: str
    job_id: str
    run: int = 0
    attempt: int = 1
    step: int = 0  # this attempt's place in the retry schedule
    due_at: float | None = None  # epoch seconds; SQS delays stop at 15 minutes
    trigger: Literal["event", "retry", "redeliver", "redrive"] = "event"


def task_from_message(body: str) -> DeliveryTask:
    """A queue message: a job's terminal event from the bus (the first attempt) or a task."""
    message = json.loads(body)
    if "detail-type" in message:
        detail = message["detail"]
        return DeliveryTask(tenant_id=detail["tenant_id"], job_id=detail["job_id"])
    return DeliveryTask.model_validate(message)


# --- retry policy ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    schedule: tuple[int, ...]
    jitter: float

    def delay_before(self, step: int, retry_after: float | None, rng: random.Random) -> float | None:
        """Seconds to wait before attempt ``step`` (None: the schedule is spent). A receiver's
        Retry-After lengthens the wait, up to the schedule's longest delay."""
        if step >= len(self.schedule):
            return None
        delay = self.schedule[step] * (1 + rng.uniform(0, self.jitter))
        if retry_after is not None:
            delay = max(delay, min(retry_after, max(self.schedule)))
        return delay


class Verdict(Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FINAL = "final"
    GONE = "gone"


@dataclass(frozen=True)
class HttpResult:
    status_code: int | None
    error: str | None
    duration_ms: int
    retry_after: float | None = None
    blocked: bool = False

    @property
    def verdict(self) -> Verdict:
        """Retry on timeouts, network errors, 408, 429 and 5xx; 410 switches the URL off; any
        other status below 200 or from 300 up is final (redirects are not followed: a webhook
        URL must be the receiver itself)."""
        code = self.status_code
        if code is None:
            return Verdict.FINAL if self.blocked else Verdict.RETRY
        if 200 <= code < 300:
            return Verdict.DELIVERED
        if code == 410:
            return Verdict.GONE
        if code in (408, 429) or code >= 500:
            return Verdict.RETRY
        return Verdict.FINAL


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - now).total_seconds(), 0.0) if when.tzinfo else None


# --- sending -----------------------------------------------------------------------------------


def payload(job: JobRecord, media: MediaStore) -> str:
    """The body: ``{"type", "timestamp", "data"}`` with the job as GET shows it, results
    included. Built from the finished job: every attempt sends the same job, with links to its
    files (thumbnails, clips) minted afresh for the attempt, as a GET would (``webhook-id`` is the
    same on every attempt; deduplicate on it, not on the bytes)."""
    data = job_view(job, media=media).model_dump(mode="json", exclude={"webhook"})
    return json.dumps(
        {"type": EVENT_TYPES[job.status], "timestamp": job.completed_at or job.updated_at, "data": data},
        separators=(",", ":"),
    )


def signature(secrets: list[str], message_id: str, timestamp: datetime, body: str) -> str:
    """``webhook-signature``: one ``v1,…`` per secret (two while a rotation overlaps)."""
    from standardwebhooks.webhooks import Webhook

    return " ".join(Webhook(secret).sign(message_id, timestamp, body) for secret in secrets)


class WebhookSender:
    """POSTs through the SSRF guard (the URL is checked again now, and every connection is
    checked at the address actually dialled) under one deadline for the whole exchange:
    connecting, sending, and the answer's status line and headers. The body is never read.

    httpx's own timeouts are per operation, so a receiver writing a byte now and then would
    hold an attempt for as long as it liked; the deadline is an asyncio timeout around the
    whole request instead, which cancels whatever read or write is in progress."""

    def __init__(self, url_guard: UrlGuard, timeout_seconds: float) -> None:
        import httpx

        self._guard = url_guard
        self._timeout = timeout_seconds
        # Built once: loading the CA bundle costs milliseconds that every attempt would repeat.
        self._ssl = httpx.create_ssl_context()

    def post(self, url: str, body: str, headers: dict[str, str], now: datetime) -> HttpResult:
        import httpx

        from vidscope.ssrf import BlockedAddress, UnresolvableHost

        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            self._guard.check_webhook_url(url)
        except UnresolvableHost as exc:
            return HttpResult(None, exc.message, elapsed())
        except InvalidUrl as exc:
            return HttpResult(None, f"not sent: {exc.message}", elapsed(), blocked=True)
        # The guard watches the connects of this thread, so the event loop runs here. It is not
        # asyncio.run: that would wait, past the deadline, for a name lookup still under way in
        # the loop's executor; closing the loop leaves that thread to end on its own.
        loop = asyncio.new_event_loop()
        with self._guard.connections() as refused:
            try:
                status_code, retry_after = loop.run_until_complete(self._exchange(url, body.encode(), headers))
            except (TimeoutError, httpx.TimeoutException):
                return HttpResult(None, f"timed out after {self._timeout:g} s", elapsed())
            except (httpx.TransportError, BlockedAddress) as exc:
                if refused():
                    return HttpResult(None, f"not sent: {refused()} is a private address", elapsed(), blocked=True)
                return HttpResult(None, f"connection failed: {type(exc).__name__}", elapsed())
            finally:
                loop.close()
        return HttpResult(status_code, None, elapsed(), retry_after=parse_retry_after(retry_after, now))

    async def _exchange(self, url: str, content: bytes, headers: dict[str, str]) -> tuple[int, str | None]:
        """The status and Retry-After of the receiver's answer. Leaving the stream unread closes
        the connection: however large the body, none of it is held (headers are capped by h11)."""
        import httpx

        async with (
            asyncio.timeout(self._timeout),
            httpx.AsyncClient(verify=self._ssl, timeout=self._timeout, follow_redirects=False) as client,
            client.stream("POST", url, content=content, headers=headers) as response,
        ):
            return response.status_code, response.headers.get("retry-after")


class WebhookQueue:
    """The webhook queue (next attempts) and its DLQ (attempts out of schedule)."""

    def __init__(self, client: Any, queue_url: str, dlq_url: str) -> None:
        self._client = client
        self._queue = queue_url
        self._dlq = dlq_url

    def schedule(self, task: DeliveryTask, delay_seconds: float, now: datetime) -> None:
        delay = max(delay_seconds, 0.0)
        task = task.model_copy(update={"due_at": now.timestamp() + delay if delay else None})
        self._client.send_message(
            QueueUrl=self._queue,
            MessageBody=task.model_dump_json(),
            DelaySeconds=min(math.ceil(delay), _SQS_MAX_DELAY_SECONDS),
        )

    def park(self, task: DeliveryTask, reason: str) -> None:
        self._client.send_message(
            QueueUrl=self._dlq,
            MessageBody=task.model_dump_json(),
            MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:256]}},
        )


# --- the dispatcher ----------------------------------------------------------------------------


@dataclass
class Dispatcher:
    jobs: JobsRepository
    deliveries: WebhookDeliveries
    secrets: WebhookSecrets
    media: MediaStore
    queue: WebhookQueue
    sender: WebhookSender
    policy: RetryPolicy
    timeout_seconds: float
    clock: Clock
    rng: random.Random

    def handle_message(self, body: str) -> None:
        self.handle(task_from_message(body))

    def handle(self, task: DeliveryTask) -> None:
        now = self.clock()
        if task.due_at is not None and task.due_at > now.timestamp() + 0.5:
            # Not yet: SQS delays stop at 15 minutes, so a longer wait takes several hops.
            self.queue.schedule(task, task.due_at - now.timestamp(), now)
            return
        job = self.jobs.get(task.tenant_id, task.job_id)
        if job is None or job.webhook_url is None or job.webhook is None or not job.status.is_terminal:
            return  # deleted since, or never had a webhook: nothing to send
        lease_until = int(now.timestamp() + self.timeout_seconds + _LEASE_MARGIN_SECONDS)
        if not self.deliveries.claim(
            task.tenant_id,
            task.job_id,
            run=task.run,
            attempt=task.attempt,
            lease_until=lease_until,
            now=int(now.timestamp()),
        ):
            logger.info(
                "webhook attempt already made or superseded", extra={"job_id": task.job_id, **task.model_dump()}
            )
            return
        if self.deliveries.is_disabled(task.tenant_id, job.webhook_url):
            status = job.webhook.model_copy(update={"status": WebhookState.DISABLED, "attempts": task.attempt - 1})
            self.deliveries.record(task.tenant_id, task.job_id, None, status, run=task.run)
            return
        result = self._send(job, now)
        self._conclude(task, job, result, now)

    def _send(self, job: JobRecord, now: datetime) -> HttpResult:
        from vidscope.webhooks.secrets import WebhookSecretMissing

        assert job.webhook_url is not None
        try:
            secrets = self.secrets.signing_secrets(job.tenant_id, now)
        except WebhookSecretMissing:
            return HttpResult(None, "not sent: the account has no webhook signing secret", 0, blocked=True)
        body = payload(job, self.media)
        message_id = webhook_id(job.job_id)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature(secrets, message_id, now, body),
        }
        return self.sender.post(job.webhook_url, body, headers, now)

    def _conclude(self, task: DeliveryTask, job: JobRecord, result: HttpResult, now: datetime) -> None:
        assert job.webhook_url is not None
        verdict = result.verdict
        next_task: DeliveryTask | None = None
        delay: float | None = None
        if verdict is Verdict.DELIVERED:
            state = WebhookState.DELIVERED
        elif verdict is Verdict.GONE:
            state = WebhookState.DISABLED
            self.deliveries.disable(job.tenant_id, job.webhook_url, now)
        elif verdict is Verdict.FINAL:
            state = WebhookState.FAILED
        else:
            next_task = task.model_copy(update={"attempt": task.attempt + 1, "step": task.step + 1, "trigger": "retry"})
            delay = self.policy.delay_before(task.step + 1, result.retry_after, self.rng)
            state = WebhookState.RETRYING if delay is not None else WebhookState.FAILED
        next_at = iso_ms(now + timedelta(seconds=delay)) if delay is not None else None
        attempt = WebhookAttempt(
            attempt=task.attempt,
            webhook_id=webhook_id(job.job_id),
            event_type=EVENT_TYPES[job.status],
            url=job.webhook_url,
            attempted_at=iso_ms(now),
            duration_ms=result.duration_ms,
            status_code=result.status_code,
            error=result.error or (None if verdict is Verdict.DELIVERED else f"HTTP {result.status_code}"),
            outcome=state,
            next_attempt_at=next_at,
            trigger=task.trigger,
        )
        status = WebhookStatus(
            status=state,
            attempts=task.attempt,
            last_status_code=result.status_code,
            last_attempt_at=iso_ms(now),
            next_attempt_at=next_at,
        )
        # The next attempt is queued before this one is recorded: a crash in between repeats
        # this attempt (same webhook-id) rather than losing the delivery.
        if next_task is not None:
            if delay is not None:
                self.queue.schedule(next_task, delay, now)
            else:
                self.queue.park(
                    next_task.model_copy(update={"trigger": "redrive"}),
                    f"{task.attempt} attempts failed; last: {attempt.error}",
                )
        self.deliveries.record(job.tenant_id, job.job_id, attempt, status, run=task.run)
        metric = METRIC_WEBHOOK_DELIVERED if verdict is Verdict.DELIVERED else METRIC_WEBHOOK_FAILED
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
        logger.info(
            "webhook attempt",
            extra={"job_id": job.job_id, "attempt": task.attempt, "status_code": result.status_code, "outcome": state},
        )


def redeliver(
    tenant_id: str,
    job_id: str,
    *,
    repo: JobsRepository,
    deliveries: WebhookDeliveries,
    queue: WebhookQueue,
    clock: Clock,
) -> WebhookStatus:
    """Send a finished job's webhook again: a new attempt with the same webhook-id, on a fresh
    retry schedule. A URL switched off by 410 is switched back on: asking is consent."""
    job = get_job(tenant_id, job_id, repo=repo)
    if job.webhook_url is None or job.webhook is None:
        raise WebhookNotConfigured(f"job {job_id} has no webhook_url")
    if not job.status.is_terminal:
        raise JobNotFinished(f"job {job_id} is {job.status}; its webhook is sent when it ends")
    now = clock()
    try:
        run = deliveries.start_redelivery(job, now)
    except RedeliveryConflict as exc:
        raise WebhookDeliveryInProgress(f"an attempt of job {job_id}'s webhook is under way; retry shortly") from exc
    deliveries.enable(tenant_id, job.webhook_url)
    task = DeliveryTask(
        tenant_id=tenant_id, job_id=job_id, run=run, attempt=job.webhook.attempts + 1, trigger="redeliver"
    )
    queue.schedule(task, 0, now)
    return job.webhook.model_copy(update={"status": WebhookState.PENDING, "next_attempt_at": iso_ms(now)})
