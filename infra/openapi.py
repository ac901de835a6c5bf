"""Generates the checked-in OpenAPI document (``make openapi``, ``python -m infra.openapi``) from
the API functions' routes and pydantic models. Build tooling beside the CDK app: it imports the
function modules, which the layer never does."""

from __future__ import annotations

import json
from importlib import import_module, resources
from typing import Any, Literal

from vidscope.api.openapi import DOCUMENT_FILE, TAG_DESCRIPTIONS, TITLE, VERSION, ApiTag

SCHEMAS = "#/components/schemas/"
DESCRIPTION = (
    "Asynchronous video analysis: post a URL, poll or receive a webhook.\n\n"
    "Every error answers with the error envelope; each operation lists, per status, every code it "
    "can answer with. A path or method the API does not have is answered with 404 NOT_FOUND."
)

# Standard Webhooks (https://www.standardwebhooks.com): the headers every webhook carries.
WEBHOOK_HEADERS = {
    "webhook-id": "The same on every attempt of a job's webhook (msg_ and the job id): deduplicate on it",
    "webhook-timestamp": "When this attempt was sent, in seconds since the epoch: refuse old ones",
    "webhook-signature": (
        "v1, and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` with the account's "
        "webhook secret; while a secret is rotated, one signature per secret, separated by spaces"
    ),
}
WEBHOOK_EVENTS = {
    "job.completed": "The job completed: its results are in data",
    "job.failed": "The job failed: data.error says why; its credit hold was refunded",
    "job.cancelled": "The job was cancelled; its credit hold was refunded",
}


def generate_document() -> dict[str, Any]:
    """Build the document from the function modules."""
    from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer, Tag

    from vidscope.api.http import build_app
    from vidscope.functions import API_FUNCTIONS

    routers = [import_module(spec.module).router for spec in API_FUNCTIONS if not spec.public]
    app = build_app(*routers)
    document: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(
            title=TITLE,
            version=VERSION,
            description=DESCRIPTION,
            tags=[Tag(name=tag.value, description=TAG_DESCRIPTIONS[tag]) for tag in ApiTag],
            security_schemes={
                "ApiKey": APIKey(**{"in": APIKeyIn.header}, name="X-Api-Key"),
                "Bearer": HTTPBearer(),
            },
            security=[{"ApiKey": []}, {"Bearer": []}],
        )
    )
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            # Request validation fails with 400 VALIDATION_ERROR (documented per route), not the
            # 422 Powertools adds by default; 422 stays only where a route documents its own.
            if "HTTPValidationError" in json.dumps(responses.get("422", {})):
                del responses["422"]
            # A fault answers INTERNAL_ERROR with whatever 5xx the layer that failed gives: 500
            # from the function, 502 or 504 from API Gateway when Lambda fails or runs too long.
            if "500" in responses:
                responses["5XX"] = responses.pop("500")
    from vidscope.jobs.capability_models import job_options_model, job_results_model

    document["webhooks"] = _webhooks(document["components"]["schemas"])
    # Job.results is marked as JobResults (vidscope.models.Results), and the request's options as
    # JobOptions (validated capability by capability): their schemas join the rest.
    _add_schemas(document["components"]["schemas"], job_results_model())
    _add_schemas(document["components"]["schemas"], job_options_model(), mode="validation")
    _refer_to_marked_schemas(document)
    _drop_unreferenced_schemas(document)
    return _named_by_title(document)


def _add_schemas(
    schemas: dict[str, Any], model: Any, mode: Literal["validation", "serialization"] = "serialization"
) -> None:
    """``model``'s schema (as a request's body when ``mode`` is validation, as a response's
    otherwise) and those it refers to, among the document's, by name."""
    from aws_lambda_powertools.event_handler.openapi.models import Schema
    from pydantic.json_schema import models_json_schema

    _, definitions = models_json_schema([(model, mode)], ref_template=SCHEMAS + "{model}")
    for name, raw in definitions.get("$defs", {}).items():
        # As Powertools writes the routes' schemas (its Schema model drops nulls), so the same
        # model gives the same schema either way.
        schema = json.loads(Schema.model_validate(raw).model_dump_json(by_alias=True, exclude_none=True))
        if schemas.setdefault(name, schema) != schema:
            raise ValueError(f"two different schemas are named {name}: give one model another name")


def _refer_to_marked_schemas(node: Any) -> Any:
    """Replace each schema marked with ``SCHEMA_MARKER`` by a reference to the schema it names."""
    from vidscope.models import SCHEMA_MARKER

    if isinstance(node, dict):
        if SCHEMA_MARKER in node:
            return {"$ref": SCHEMAS + node[SCHEMA_MARKER]}
        for key, value in node.items():
            node[key] = _refer_to_marked_schemas(value)
    elif isinstance(node, list):
        node[:] = [_refer_to_marked_schemas(value) for value in node]
    return node


def _webhooks(schemas: dict[str, Any]) -> dict[str, Any]:
    """The ``webhooks`` section: what a job's ``webhook_url`` receives when the job ends."""
    from vidscope.models import WebhookEvent

    _add_schemas(schemas, WebhookEvent)
    headers = [
        {"in": "header", "name": name, "required": True, "description": text, "schema": {"type": "string"}}
        for name, text in WEBHOOK_HEADERS.items()
    ]
    return {
        event: {
            "post": {
                "summary": summary,
                "description": (
                    f"POSTed to the job's webhook_url with type {event}. Answer 2xx to acknowledge. "
                    "Timeouts, network errors, 408, 429 and 5xx are retried with backoff on the "
                    "Standard Webhooks schedule; any other 4xx is final, and 410 disables the URL."
                ),
                "tags": [ApiTag.WEBHOOKS.value],
                "parameters": headers,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": SCHEMAS + WebhookEvent.__name__}}},
                },
                "responses": {
                    "2XX": {"description": "Received: no further attempt"},
                    "410": {"description": "Gone: no further webhooks go to this URL until one is redelivered"},
                },
            }
        }
        for event, summary in WEBHOOK_EVENTS.items()
    }


def _references(node: Any) -> set[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        found = {ref.removeprefix(SCHEMAS)} if isinstance(ref, str) and ref.startswith(SCHEMAS) else set()
        return found.union(*(_references(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_references(value) for value in node))
    return set()


def _drop_unreferenced_schemas(document: dict[str, Any]) -> None:
    """Schemas no operation or webhook reaches (Powertools adds its validation-error ones)."""
    schemas = document["components"]["schemas"]
    reached = _references({"paths": document["paths"], "webhooks": document["webhooks"]})
    pending = set(reached)
    while pending:
        found = _references(schemas.get(pending.pop())) - reached
        reached |= found
        pending |= found
    for name in set(schemas) - reached:
        del schemas[name]


def _named_by_title(document: dict[str, Any]) -> dict[str, Any]:
    """Schemas under their models' names. pydantic keys a generic model's schema by its
    parameters (``Envelope_Job_``); its title is the name the model gives itself
    (``JobEnvelope``: ``Envelope.model_parametrized_name``), which clients should see."""
    schemas: dict[str, Any] = document["components"]["schemas"]
    renamed = {
        name: schema["title"]
        for name, schema in schemas.items()
        if isinstance(schema.get("title"), str) and schema["title"] != name and schema["title"].isidentifier()
    }
    taken = set(schemas) - set(renamed)
    clashes = [title for title in renamed.values() if title in taken] or [
        title for title in set(renamed.values()) if list(renamed.values()).count(title) > 1
    ]
    if clashes:
        raise ValueError(f"two schemas would be named {clashes[0]}: give one model another name")
    text = json.dumps(document)
    for old, new in renamed.items():
        text = text.replace(f'"{SCHEMAS}{old}"', f'"{SCHEMAS}{new}"')
    renamed_document: dict[str, Any] = json.loads(text)
    components = renamed_document["components"]["schemas"]
    renamed_document["components"]["schemas"] = {renamed.get(name, name): schema for name, schema in components.items()}
    return renamed_document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def write_document() -> None:
    """``python -m infra.openapi``: regenerate the checked-in document."""
    target = resources.files("vidscope.api").joinpath(DOCUMENT_FILE)
    with resources.as_file(target) as path:
        path.write_text(render(generate_document()))


if __name__ == "__main__":
    write_document()
