"""GET /openapi.json and /docs — the published API description (no key needed)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from vidscope.api.http import build_app, lambda_entry
from vidscope.api.openapi import DOCS_PAGE, published_document
from vidscope.functions import api_function

SPEC = api_function("api_docs")
router = Router()


@router.get(SPEC.routes[0].resolver_path, include_in_schema=False)
def openapi_document() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=published_document())


@router.get(SPEC.routes[1].resolver_path, include_in_schema=False)
def docs_page() -> Response[str]:
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=DOCS_PAGE)


app = build_app(router)

lambda_handler = lambda_entry(app, public=True)
