"""Redelivery, as the API asks for it: queue one more attempt of a finished job's webhook.

Only queues: sending (httpx, signing, the secrets behind Powertools' parameters, the SSRF guard)
is the dispatcher's, so the API's redeliver_webhook loads none of it and its cold start stays
within DESIGN §9."""

from __future__ import annotations

from vidscope.clock import Clock, iso_ms
from vidscope.errors import JobNotFinished, WebhookDeliveryInProgress, WebhookNotConfigured
from vidscope.jobs.lifecycle import get_job
from vidscope.jobs.repository import JobsRepository
from vidscope.models import WebhookState, WebhookStatus
from vidscope.webhooks.attempts import RedeliveryConflict, WebhookDeliveries
from vidscope.webhooks.delivery_queue import DeliveryTask, WebhookQueue


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
