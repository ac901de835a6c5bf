"""GET /v1/jobs/{job_id} — one job of the caller's."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from vidscope import dependencies, jobs
from vidscope.api.http import build_app, current_principal, documented, json_response, meta, serve
from vidscope.errors import JobNotFound
from vidscope.functions import api_function
from vidscope.models import JobEnvelope
from vidscope.observability import logger, metrics, tracer

SPEC = api_function("get_job")
router = Router()


@router.get(
    SPEC.route.resolver_path,
    summary=SPEC.description,
    operation_id="getJob",
    responses=documented(200, JobEnvelope, JobNotFound),
)
def get_job(job_id: Annotated[str, Path(max_length=64)]) -> Response[str]:
    job = jobs.get_job(current_principal().tenant_id, job_id, repo=dependencies.jobs_repository())
    return json_response(JobEnvelope(data=jobs.job_view(job, media=dependencies.media_store()), meta=meta()))


app = build_app(router)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context)
