"""The dispatcher: one attempt per queue message. It builds what is sent (the job as GET shows
it), claims the attempt, sends it signed, records it, and queues the next attempt or parks it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from vidscope.clock import Clock, iso_ms
from vidscope.jobs.repository import JobRecord, JobsRepository
from vidscope.jobs.results import job_view
from vidscope.log import logger
from vidscope.models import JobStatus, WebhookAttempt, WebhookState, WebhookStatus
from vidscope.observability import metrics
from vidscope.webhooks.attempts import WebhookDeliveries
from vidscope.webhooks.delivery_queue import DeliveryTask, WebhookQueue, task_from_message
from vidscope.webhooks.retry_policy import RetryPolicy, Verdict
from vidscope.webhooks.sender import HttpResult, WebhookSender, signed_headers

if TYPE_CHECKING:
    from vidscope.adapters.media_store import MediaStore
    from vidscope.webhooks.secrets import WebhookSecrets

EVENT_TYPES = {
    JobStatus.COMPLETED: "job.completed",
    JobStatus.FAILED: "job.failed",
    JobStatus.CANCELLED: "job.cancelled",
}
# Published per attempt (Powertools Metrics, EMF); the webhook failure-rate alarm reads them.
METRICS_NAMESPACE = "Vidscope"
METRIC_WEBHOOK_DELIVERED = "WebhookAttemptsDelivered"
METRIC_WEBHOOK_FAILED = "WebhookAttemptsFailed"
# A claim outlives the attempt's own timeout by this much before another message may take it.
_LEASE_MARGIN_SECONDS = 30


def webhook_id(job_id: str) -> str:
    """The ``webhook-id`` of a job's webhook: one per job, the same on every attempt, so a
    receiver can drop duplicates."""
    return f"msg_{job_id}"


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
        headers = signed_headers(secrets, webhook_id(job.job_id), now, body)
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
