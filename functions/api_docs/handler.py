"""GET /openapi.json, /docs and /console — the published API description and the web console
(no key needed to load them; the console asks the person for theirs)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from vidscope import dependencies
from vidscope.api import console
from vidscope.api.http import build_app, lambda_entry
from vidscope.api.openapi import DOCS_PAGE, published_document
from vidscope.functions import api_function
from vidscope.settings import get_settings

SPEC = api_function("api_docs")
router = Router()


def _declared(path: str) -> str:
    """The resolver path of one of this function's declared routes (the list is the one source)."""
    return next(route.resolver_path for route in SPEC.routes if route.path == path)


@router.get(_declared("/openapi.json"), include_in_schema=False)
def openapi_document() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=published_document())


@router.get(_declared("/docs"), include_in_schema=False)
def docs_page() -> Response[str]:
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=DOCS_PAGE)


def _console_headers() -> dict[str, str]:
    # The artifact store's origin, as its signed links name it (computed: signing one is a call).
    artifact_origin = dependencies.media_store().url_origin()
    policy = console.content_security_policy(artifact_origin, allow_loopback_media=get_settings().allow_loopback_urls)
    return {"Content-Security-Policy": policy, **console.SECURITY_HEADERS}


@router.get(_declared("/console"), include_in_schema=False)
def console_page() -> Response[str]:
    return Response(
        status_code=200, content_type="text/html; charset=utf-8", body=console.page(), headers=_console_headers()
    )


@router.get(_declared(console.SCRIPT.path), include_in_schema=False)
def console_script() -> Response[str]:
    return Response(
        status_code=200, content_type=console.SCRIPT.content_type, body=console.SCRIPT.body, headers=_console_headers()
    )


@router.get(_declared(console.STYLESHEET.path), include_in_schema=False)
def console_stylesheet() -> Response[str]:
    return Response(
        status_code=200,
        content_type=console.STYLESHEET.content_type,
        body=console.STYLESHEET.body,
        headers=_console_headers(),
    )


app = build_app(router)

lambda_handler = lambda_entry(app, public=True)
