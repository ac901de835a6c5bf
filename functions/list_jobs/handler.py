"""GET /v1/jobs — the caller's jobs, newest first, with signed cursors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from vidscope import catalog, dependencies
from vidscope.api.http import build_app, current_principal, documented, json_response, lambda_entry, meta
from vidscope.api.openapi import ApiTag
from vidscope.errors import InvalidCursor, UnsupportedCapability, ValidationFailed
from vidscope.functions import api_function
from vidscope.jobs import lifecycle as jobs
from vidscope.models import JobListEnvelope, JobStatus, Pagination

SPEC = api_function("list_jobs")
router = Router()


def _utc(moment: datetime | None) -> datetime | None:
    """Timestamps without an offset are taken as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@router.get(
    SPEC.route.resolver_path,
    summary=SPEC.description,
    operation_id="listJobs",
    tags=[ApiTag.JOBS],
    responses=documented(200, JobListEnvelope, InvalidCursor, UnsupportedCapability, ValidationFailed),
)
def list_jobs(
    limit: Annotated[int, Query(ge=1, le=catalog.LIST_MAX_LIMIT)] = catalog.LIST_DEFAULT_LIMIT,
    status: Annotated[JobStatus | None, Query()] = None,
    created_after: Annotated[datetime | None, Query(description="Only jobs created after this instant")] = None,
    created_before: Annotated[datetime | None, Query(description="Only jobs created before this instant")] = None,
    cursor: Annotated[str | None, Query(max_length=1024, description="next_cursor of the previous page")] = None,
    capability: Annotated[
        str | None,
        Query(max_length=64, description="Only jobs that asked for this capability (not combined with status)"),
    ] = None,
) -> Response[str]:
    query = jobs.ListQuery(
        limit=limit,
        status=status,
        created_after=_utc(created_after),
        created_before=_utc(created_before),
        cursor=cursor,
        capability=capability,
    )
    page = jobs.list_jobs(
        current_principal().tenant_id, query, repo=dependencies.jobs_repository(), cursors=dependencies.cursor_codec()
    )
    return json_response(
        JobListEnvelope(
            data=[j.to_public() for j in page.jobs],
            pagination=Pagination(has_more=page.has_more, next_cursor=page.next_cursor),
            meta=meta(),
        )
    )


app = build_app(router)

lambda_handler = lambda_entry(app)
