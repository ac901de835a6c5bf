"""Workflow task: merging (assemble results, charge credits, complete the job)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from vidscope import dependencies
from vidscope.clock import utc_now
from vidscope.observability import logger, traced_handler
from vidscope.pipeline import stages as pipeline
from vidscope.pipeline.messages import MergeEvent


@logger.inject_lambda_context(clear_state=True)
@traced_handler
@event_parser(model=MergeEvent)
def lambda_handler(event: MergeEvent, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(job_id=event.job_id)
    job = pipeline.merge(event, repo=dependencies.jobs_repository(), media=dependencies.media_store(), clock=utc_now)
    return {"job_id": job.job_id, "status": job.status, "credits_charged": job.credits_charged}
