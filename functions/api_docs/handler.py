"""GET /openapi.json and /docs — the published API description (no key needed)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.typing import LambdaContext

from vidscope.api.http import build_app, serve
from vidscope.api.openapi import DOCS_PAGE, published_document
from vidscope.functions import api_function
from vidscope.observability import logger, metrics, tracer

SPEC = api_function("api_docs")
router = Router()


@router.get(SPEC.routes[0].resolver_path, include_in_schema=False)
def openapi_document() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=published_document())


@router.get(SPEC.routes[1].resolver_path, include_in_schema=False)
def docs_page() -> Response[str]:
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=DOCS_PAGE)


app = build_app(router)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context, public=True)
