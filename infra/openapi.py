"""Generates the checked-in OpenAPI document (``make openapi``, ``python -m infra.openapi``) from
the API functions' routes and pydantic models. Build tooling beside the CDK app: it imports the
function modules, which the layer never does."""

from __future__ import annotations

import json
from importlib import import_module, resources
from typing import Any

from vidscope.api.openapi import DOCUMENT_FILE, TITLE, VERSION


def generate_document() -> dict[str, Any]:
    """Build the document from the function modules."""
    from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer

    from vidscope.api.http import build_app
    from vidscope.functions import API_FUNCTIONS

    routers = [import_module(spec.module).router for spec in API_FUNCTIONS if not spec.public]
    app = build_app(*routers)
    document: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(
            title=TITLE,
            version=VERSION,
            description="Asynchronous video analysis: post a URL, poll or receive a webhook.",
            security_schemes={
                "ApiKey": APIKey(**{"in": APIKeyIn.header}, name="X-Api-Key"),
                "Bearer": HTTPBearer(),
            },
            security=[{"ApiKey": []}, {"Bearer": []}],
        )
    )
    # Request validation fails with 400 VALIDATION_ERROR (documented per route), not the 422
    # Powertools adds by default; 422 stays only where a route documents its own.
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            response = operation.get("responses", {}).get("422")
            if response and "HTTPValidationError" in json.dumps(response):
                del operation["responses"]["422"]
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def write_document() -> None:
    """``python -m infra.openapi``: regenerate the checked-in document."""
    target = resources.files("vidscope.api").joinpath(DOCUMENT_FILE)
    with resources.as_file(target) as path:
        path.write_text(render(generate_document()))


if __name__ == "__main__":
    write_document()
