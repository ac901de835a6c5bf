"""DELETE /v1/jobs/{job_id} — delete a finished job with its stored media and results."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from vidscope import dependencies
from vidscope.api.http import build_app, current_principal, documented, json_response, lambda_entry, meta
from vidscope.api.openapi import ApiTag
from vidscope.errors import JobNotDeletable, JobNotFound
from vidscope.functions import api_function
from vidscope.jobs import lifecycle as jobs
from vidscope.models import DeletedJob, DeletedJobEnvelope

SPEC = api_function("delete_job")
router = Router()


@router.delete(
    SPEC.route.resolver_path,
    summary=SPEC.description,
    operation_id="deleteJob",
    tags=[ApiTag.JOBS],
    responses=documented(200, DeletedJobEnvelope, JobNotFound, JobNotDeletable),
)
def delete_job(job_id: Annotated[str, Path(max_length=64)]) -> Response[str]:
    jobs.delete_job(
        current_principal().tenant_id,
        job_id,
        repo=dependencies.jobs_repository(),
        media=dependencies.media_store(),
        deliveries=dependencies.webhook_deliveries(),
        fingerprints=dependencies.fingerprint_index(),
    )
    return json_response(DeletedJobEnvelope(data=DeletedJob(job_id=job_id, deleted=True), meta=meta()))


app = build_app(router)

lambda_handler = lambda_entry(app)
