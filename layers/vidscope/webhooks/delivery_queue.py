"""The webhook queue's side of a delivery: the ``DeliveryTask`` a message carries, and the queue
(next attempts) and DLQ (attempts out of schedule) it is put on.

The first message of a delivery is the job's terminal event, routed from the bus to the webhook
queue by a rule. Every later attempt is a ``DeliveryTask`` put back on the queue with an SQS delay
(at most 15 minutes; longer waits hop through the queue until ``due_at``), so no Lambda ever
sleeps. Attempts that run out of schedule are parked in the DLQ, from which ops redrive them into
the queue for one more attempt each.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

_SQS_MAX_DELAY_SECONDS = 900


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
