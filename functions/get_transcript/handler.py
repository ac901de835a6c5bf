"""GET /v1/jobs/{job_id}/transcript?format=json|txt|srt|vtt — a completed job's transcript."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from vidscope import dependencies, transcripts
from vidscope.api.http import build_app, current_principal, documented, json_response, lambda_entry, meta
from vidscope.api.openapi import ApiTag
from vidscope.errors import JobNotFound, TranscriptNotAvailable
from vidscope.functions import api_function
from vidscope.jobs import results
from vidscope.models import TranscriptEnvelope
from vidscope.transcripts import TranscriptFormat

SPEC = api_function("get_transcript")
router = Router()


@router.get(
    SPEC.route.resolver_path,
    summary=SPEC.description,
    operation_id="getTranscript",
    tags=[ApiTag.RESULTS],
    responses=documented(200, TranscriptEnvelope, JobNotFound, TranscriptNotAvailable),
)
def get_transcript(
    job_id: Annotated[str, Path(max_length=64)],
    format: Annotated[
        TranscriptFormat, Query(description="json (the default, in the usual envelope), txt, srt or vtt")
    ] = TranscriptFormat.JSON,
    language: Annotated[
        str | None,
        Query(
            pattern=r"^[a-z]{2,3}$",
            description="A translation's language (ISO 639-1) of a job that asked for translation; "
            "the transcript as heard when left out",
        ),
    ] = None,
) -> Response[str]:
    transcript = results.get_transcript(
        current_principal().tenant_id,
        job_id,
        repo=dependencies.jobs_repository(),
        media=dependencies.media_store(),
        language=language,
    )
    if format is TranscriptFormat.JSON:
        return json_response(TranscriptEnvelope(data=transcript, meta=meta()))
    return Response(status_code=200, content_type=format.media_type, body=transcripts.render(transcript, format))


app = build_app(router)

lambda_handler = lambda_entry(app)
