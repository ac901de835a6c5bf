"""The OpenAPI document: generated from the routes and pydantic models of the API functions,
checked into the layer (so a diff shows every API change) and served by ``api_docs``."""

from __future__ import annotations

import json
from functools import cache
from importlib import import_module, resources
from typing import Any

DOCUMENT_FILE = "openapi.json"
TITLE = "Vidscope API"
VERSION = "1.0.0"

# Swagger UI comes from a CDN, pinned to one exact release, and the browser refuses any byte that
# differs from it (Subresource Integrity). The hashes are of the files in the npm tarball of that
# release (unpkg serves those files as they are), computed with
# `npm pack swagger-ui-dist@VERSION` and `openssl dgst -sha384 -binary FILE | openssl base64 -A`;
# the tarball matched the registry's own sha512 integrity. Changing the version means new hashes.
SWAGGER_UI_VERSION = "5.35.0"
SWAGGER_UI_ASSETS = {
    "swagger-ui.css": "sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I",
    "swagger-ui-bundle.js": "sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9",
}
_CDN = f"https://unpkg.com/swagger-ui-dist@{SWAGGER_UI_VERSION}"

DOCS_PAGE = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Vidscope API</title>
<link rel="stylesheet" href="{_CDN}/swagger-ui.css"
 integrity="{SWAGGER_UI_ASSETS["swagger-ui.css"]}" crossorigin="anonymous" referrerpolicy="no-referrer"></head>
<body><div id="ui"></div>
<script src="{_CDN}/swagger-ui-bundle.js"
 integrity="{SWAGGER_UI_ASSETS["swagger-ui-bundle.js"]}" crossorigin="anonymous" referrerpolicy="no-referrer"></script>
<script>SwaggerUIBundle({{url: "/openapi.json", dom_id: "#ui"}});</script>
<noscript>The machine-readable description is at <a href="/openapi.json">/openapi.json</a>.</noscript>
</body></html>
"""


def generate_document() -> dict[str, Any]:
    """Build the document from the function modules (needs the repository root on sys.path)."""
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


@cache
def published_document() -> str:
    return resources.files("vidscope.api").joinpath(DOCUMENT_FILE).read_text()


def write_document() -> None:
    """``python -m vidscope.api.openapi``: regenerate the checked-in document."""
    target = resources.files("vidscope.api").joinpath(DOCUMENT_FILE)
    with resources.as_file(target) as path:
        path.write_text(render(generate_document()))


if __name__ == "__main__":
    write_document()
