"""GET /v1/jobs/{job_id} — one job of the caller's."""

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
from vidscope.jobs import results
from vidscope.models import JobEnvelope

SPEC = api_function("get_job")
router = Router()


@router.get(
    SPEC.route.resolver_path,
    summary=SPEC.description,
    operation_id="getJob",
    tags=[ApiTag.JOBS],
    responses=documented(200, JobEnvelope, JobNotFound),
)
def get_job(job_id: Annotated[str, Path(max_length=64)]) -> Response[str]:
    job = jobs.get_job(current_principal().tenant_id, job_id, repo=dependencies.jobs_repository())
    return json_response(JobEnvelope(data=results.job_view(job, media=dependencies.media_store()), meta=meta()))


app = build_app(router)

lambda_handler = lambda_entry(app)
