"""POST /v1/jobs/{job_id}/webhook/redeliver — send a finished job's webhook again."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from vidscope import dependencies
from vidscope.api.http import build_app, current_principal, documented, json_response, lambda_entry, meta
from vidscope.api.openapi import ApiTag
from vidscope.clock import utc_now
from vidscope.errors import JobNotFinished, JobNotFound, WebhookDeliveryInProgress, WebhookNotConfigured
from vidscope.functions import api_function
from vidscope.models import WebhookStatusEnvelope
from vidscope.webhooks.redelivery import redeliver

SPEC = api_function("redeliver_webhook")
router = Router()


@router.post(
    SPEC.route.resolver_path,
    summary=SPEC.description,
    operation_id="redeliverWebhook",
    tags=[ApiTag.WEBHOOKS],
    responses=documented(
        202, WebhookStatusEnvelope, JobNotFound, WebhookNotConfigured, JobNotFinished, WebhookDeliveryInProgress
    ),
)
def redeliver_webhook(job_id: Annotated[str, Path(max_length=64)]) -> Response[str]:
    status = redeliver(
        current_principal().tenant_id,
        job_id,
        repo=dependencies.jobs_repository(),
        deliveries=dependencies.webhook_deliveries(),
        queue=dependencies.webhook_queue(),
        clock=utc_now,
    )
    return json_response(WebhookStatusEnvelope(data=status, meta=meta()), status=202)


app = build_app(router)

lambda_handler = lambda_entry(app)
