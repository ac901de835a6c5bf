"""POST /v1/jobs — create a job, or replay the one its Idempotency-Key made."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.metrics import MetricUnit

from vidscope import catalog, dependencies
from vidscope.api.http import build_app, current_principal, documented, json_response, lambda_entry, meta
from vidscope.api.openapi import ApiTag
from vidscope.clock import utc_now
from vidscope.errors import (
    FailedComputeBudgetExceeded,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InsufficientCredits,
    InvalidUrl,
    TooManyActiveJobs,
    UnsupportedCapability,
    UnsupportedMediaType,
    UploadIncomplete,
    UploadNotFound,
    UploadTooLarge,
)
from vidscope.functions import api_function
from vidscope.jobs import lifecycle as jobs
from vidscope.jobs.capability_models import CreateJobRequest
from vidscope.models import JobEnvelope
from vidscope.observability import logger, metrics

SPEC = api_function("create_job")
router = Router()


@router.post(
    SPEC.route.resolver_path,
    summary=SPEC.description,
    operation_id="createJob",
    tags=[ApiTag.JOBS],
    responses=documented(
        202,
        JobEnvelope,
        InvalidUrl,
        UnsupportedCapability,
        InsufficientCredits,
        IdempotencyKeyInUse,
        IdempotencyKeyReused,
        TooManyActiveJobs,
        FailedComputeBudgetExceeded,
        UnsupportedMediaType,
        UploadNotFound,
        UploadIncomplete,
        UploadTooLarge,
    ),
)
def create_job(
    request: Annotated[CreateJobRequest, Body()],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="idempotency-key",
            min_length=1,
            max_length=catalog.MAX_IDEMPOTENCY_KEY_LENGTH,
            description="Makes retries safe: the same key and body within 48 h return the same job",
        ),
    ] = None,
) -> Response[str]:
    created = jobs.create_job(
        request,
        principal=current_principal(),
        idempotency_key=idempotency_key,
        repo=dependencies.jobs_repository(),
        url_guard=dependencies.url_guard(),
        clock=utc_now,
        workflow=dependencies.workflow_client(),
        uploads=dependencies.uploads() if request.upload_id is not None or request.second_media_uploads() else None,
    )
    envelope = JobEnvelope(data=created.job.to_public(), meta=meta())
    logger.append_keys(job_id=created.job.job_id)
    if created.replayed:
        return json_response(envelope, 200, {"Idempotent-Replayed": "true"})
    metrics.add_metric(name="JobsCreated", unit=MetricUnit.Count, value=1)
    return json_response(envelope, 202, {"Location": f"/v1/jobs/{created.job.job_id}", "Retry-After": "30"})


app = build_app(router)

lambda_handler = lambda_entry(app)
