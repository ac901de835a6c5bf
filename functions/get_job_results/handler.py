"""GET /v1/jobs/{job_id}/results/{capability}?limit&offset — a page of one capability's result:
GET /v1/jobs/{job_id} cuts each list-valued result to its first items (catalog.BOUNDED_RESULT_ITEMS);
this pages all of it."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from vidscope import catalog, dependencies
from vidscope.api.http import build_app, current_principal, documented, json_response, lambda_entry, meta
from vidscope.api.openapi import ApiTag
from vidscope.errors import JobNotFound, ResultNotAvailable, UnsupportedCapability
from vidscope.functions import api_function
from vidscope.jobs import results
from vidscope.models import CapabilityResultPage, CapabilityResultPageEnvelope

SPEC = api_function("get_job_results")
router = Router()


@router.get(
    SPEC.route.resolver_path,
    summary=SPEC.description,
    operation_id="getJobResults",
    tags=[ApiTag.RESULTS],
    responses=documented(200, CapabilityResultPageEnvelope, JobNotFound, UnsupportedCapability, ResultNotAvailable),
)
def get_job_results(
    job_id: Annotated[str, Path(max_length=64)],
    capability: Annotated[str, Path(max_length=64, description="One of the job's capabilities")],
    limit: Annotated[int, Query(ge=1, le=catalog.BOUNDED_RESULT_ITEMS)] = catalog.BOUNDED_RESULT_ITEMS,
    offset: Annotated[int, Query(ge=0, le=catalog.MAX_RESULT_OFFSET)] = 0,
) -> Response[str]:
    try:
        page = results.result_page(
            current_principal().tenant_id,
            job_id,
            capability,
            offset=offset,
            limit=limit,
            repo=dependencies.jobs_repository(),
            media=dependencies.media_store(),
        )
    except ResultNotAvailable:
        # To tell a name no capability has from one this job did not ask for (names alone: no
        # capability's module is imported for it).
        from vidscope import capabilities

        supported = capabilities.names()
        if capability not in supported:
            raise UnsupportedCapability(
                f"no capability named {capability!r}; supported: {', '.join(supported)}"
            ) from None
        raise
    data = CapabilityResultPage(
        capability=capability,
        results={capability: page.result},
        total=page.total,
        offset=page.offset,
        limit=page.limit,
        has_more=page.offset + page.limit < page.total,
    )
    return json_response(CapabilityResultPageEnvelope(data=data, meta=meta()))


app = build_app(router)

lambda_handler = lambda_entry(app)
