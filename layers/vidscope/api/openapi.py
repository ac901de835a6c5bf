"""The OpenAPI document as the layer ships it: checked in (so a diff shows every API change),
served by ``api_docs``; generated from the API functions' routes and pydantic models by
``infra.openapi`` (``make openapi``), which may import the functions, as the layer may not."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from importlib import resources

DOCUMENT_FILE = "openapi.json"
TITLE = "Vidscope API"
VERSION = "1.0.0"


class ApiTag(StrEnum):
    """The group each operation is listed under (every route names one)."""

    JOBS = "Jobs"
    RESULTS = "Results"
    UPLOADS = "Uploads"
    WEBHOOKS = "Webhooks"
    ACCOUNT = "Account"


TAG_DESCRIPTIONS: dict[ApiTag, str] = {
    ApiTag.JOBS: "Create, follow, list, cancel and delete analysis jobs",
    ApiTag.RESULTS: "A completed job's transcript and its results, page by page",
    ApiTag.UPLOADS: "Send a local file straight to storage, then create a job with its upload_id",
    ApiTag.WEBHOOKS: "The job's webhook: its delivery attempts, and sending it again",
    ApiTag.ACCOUNT: "The caller's account: plan, credit balance and rate limit",
}

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


@cache
def published_document() -> str:
    return resources.files("vidscope.api").joinpath(DOCUMENT_FILE).read_text()
