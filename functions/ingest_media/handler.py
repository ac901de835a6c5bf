"""Workflow task: ingestion (download the media into S3 and check its limits)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from vidscope import dependencies
from vidscope.clock import utc_now
from vidscope.observability import logger, traced_handler
from vidscope.pipeline import stages as pipeline
from vidscope.pipeline.messages import IngestEvent


@logger.inject_lambda_context(clear_state=True)
@traced_handler
@event_parser(model=IngestEvent)
def lambda_handler(event: IngestEvent, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(job_id=event.job_id)
    media = pipeline.ingest(
        event,
        repo=dependencies.jobs_repository(),
        media=dependencies.media_store(),
        downloader=dependencies.downloader(),
        clock=utc_now,
    )
    return media.model_dump(mode="json")
