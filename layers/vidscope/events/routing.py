"""How events travel past the bus, declared once for the CDK app and the local runtime: the
rule that sends finished jobs with a webhook to the webhook queue, and that queue's limits."""

from __future__ import annotations

from typing import Any, Final

from vidscope.events import contract as events
from vidscope.functions import function

WEBHOOK_RULE_NAME: Final = "vidscope-job-webhooks"
WEBHOOK_QUEUE_NAME: Final = "vidscope-webhooks"
WEBHOOK_DLQ_NAME: Final = "vidscope-webhooks-dlq"
# AWS asks for at least six times the consumer's timeout, so a batch that is being retried by
# Lambda is not handed out again meanwhile.
WEBHOOK_QUEUE_VISIBILITY_SECONDS: Final = 6 * function("dispatch_webhooks").timeout_seconds
# A message that crashes the dispatcher this many times (not one whose receiver failed: those
# are retried on schedule and parked by the dispatcher) goes to the DLQ as well.
WEBHOOK_QUEUE_MAX_RECEIVES: Final = 5
# Parked deliveries wait for ops this long (the SQS maximum).
WEBHOOK_DLQ_RETENTION_SECONDS: Final = 14 * 24 * 60 * 60


def webhook_rule_pattern() -> dict[str, Any]:
    """Terminal events of jobs that have a webhook_url."""
    return {
        "source": [events.SOURCE],
        "detail-type": [t.value for t in events.TERMINAL_DETAIL_TYPES.values()],
        "detail": {"webhook_url": [{"exists": True}]},
    }
