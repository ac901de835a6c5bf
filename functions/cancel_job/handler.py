"""POST /v1/jobs/{job_id}/cancel — cancel a pending or processing job."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.metrics import MetricUnit

from vidscope import dependencies
from vidscope.api.http import build_app, current_principal, documented, json_response, lambda_entry, meta
from vidscope.api.openapi import ApiTag
from vidscope.clock import utc_now
from vidscope.errors import JobNotCancellable, JobNotFound
from vidscope.functions import api_function
from vidscope.jobs import lifecycle as jobs
from vidscope.models import JobEnvelope
from vidscope.observability import metrics

SPEC = api_function("cancel_job")
router = Router()


@router.post(
    SPEC.route.resolver_path,
    summary=SPEC.description,
    operation_id="cancelJob",
    tags=[ApiTag.JOBS],
    responses=documented(200, JobEnvelope, JobNotFound, JobNotCancellable),
)
def cancel_job(job_id: Annotated[str, Path(max_length=64)]) -> Response[str]:
    job = jobs.cancel_job(
        current_principal().tenant_id,
        job_id,
        repo=dependencies.jobs_repository(),
        workflow=dependencies.workflow_client(),
        clock=utc_now,
    )
    metrics.add_metric(name="JobsCancelled", unit=MetricUnit.Count, value=1)
    return json_response(JobEnvelope(data=job.to_public(), meta=meta()))


app = build_app(router)

lambda_handler = lambda_entry(app)
