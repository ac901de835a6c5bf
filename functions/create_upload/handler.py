"""POST /v1/uploads — start an upload: the file goes straight to S3 through the presigned URL
returned, then a job is created with its ``upload_id``."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from vidscope import dependencies
from vidscope.api.http import build_app, current_principal, documented, json_response, lambda_entry, meta
from vidscope.api.openapi import ApiTag
from vidscope.clock import utc_now
from vidscope.errors import TooManyOpenUploads, UnsupportedMediaType
from vidscope.functions import api_function
from vidscope.models import CreateUploadRequest, UploadEnvelope

SPEC = api_function("create_upload")
router = Router()


@router.post(
    SPEC.route.resolver_path,
    summary=SPEC.description,
    operation_id="createUpload",
    tags=[ApiTag.UPLOADS],
    responses=documented(201, UploadEnvelope, TooManyOpenUploads, UnsupportedMediaType),
)
def create_upload(request: Annotated[CreateUploadRequest, Body()]) -> Response[str]:
    upload = dependencies.uploads().create(current_principal().tenant_id, request, utc_now())
    return json_response(UploadEnvelope(data=upload, meta=meta()), 201)


app = build_app(router)

lambda_handler = lambda_entry(app)
