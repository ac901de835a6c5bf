"""Workflow task: the failure path every Catch leads to (job failed, hold refunded)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from vidscope import dependencies
from vidscope.clock import utc_now
from vidscope.observability import logger, traced_handler
from vidscope.pipeline import stages as pipeline
from vidscope.pipeline.messages import FailEvent


@logger.inject_lambda_context(clear_state=True)
@traced_handler
@event_parser(model=FailEvent)
def lambda_handler(event: FailEvent, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(job_id=event.job_id)
    logger.info("job failed", extra={"error": event.failure.Error})
    error = pipeline.fail(event, event.failure, repo=dependencies.jobs_repository(), clock=utc_now)
    return error.model_dump(mode="json")
