"""GET /v1/jobs/{job_id}/webhook_deliveries — the attempts of a job's webhook, oldest first."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from vidscope import dependencies
from vidscope.api.http import build_app, current_principal, documented, json_response, lambda_entry, meta
from vidscope.api.openapi import ApiTag
from vidscope.errors import JobNotFound
from vidscope.functions import api_function
from vidscope.jobs import lifecycle as jobs
from vidscope.models import WebhookAttemptsEnvelope

SPEC = api_function("list_webhook_deliveries")
router = Router()


@router.get(
    SPEC.route.resolver_path,
    summary=SPEC.description,
    operation_id="listWebhookDeliveries",
    tags=[ApiTag.WEBHOOKS],
    responses=documented(200, WebhookAttemptsEnvelope, JobNotFound),
)
def list_webhook_deliveries(job_id: Annotated[str, Path(max_length=64)]) -> Response[str]:
    tenant_id = current_principal().tenant_id
    jobs.get_job(tenant_id, job_id, repo=dependencies.jobs_repository())
    attempts = dependencies.webhook_deliveries().attempts(tenant_id, job_id)
    return json_response(WebhookAttemptsEnvelope(data=attempts, meta=meta()))


app = build_app(router)

lambda_handler = lambda_entry(app)
