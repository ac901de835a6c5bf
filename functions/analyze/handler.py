"""Workflow task: one capability of the analysis stage (one Map iteration), computed through the
capability registry. One function for every analysis rather than one per capability: the ASL
then needs no per-capability branch, a new capability needs no new function or grant by hand
(its declared ``access`` is added to this role), and one warm pool serves every analysis; the
price is the union of the analyses' grants (today Bedrock, for summary) and the largest one's
memory size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from vidscope import dependencies
from vidscope.capabilities.base import Capability, RunsIn
from vidscope.observability import logger, traced_handler
from vidscope.pipeline import stages as pipeline
from vidscope.pipeline.messages import AnalyzeEvent


def run(
    event: AnalyzeEvent,
    runs_in: RunsIn,
    progress: Callable[[Capability[Any, Any]], Callable[[str, float], None] | None] | None = None,
) -> dict[str, Any]:
    """One analysis on the function ``runs_in`` names (this one, or the render function)."""
    logger.append_keys(job_id=event.job_id, capability=event.capability)
    outcome = pipeline.analyze(
        event,
        media=dependencies.media_store(),
        summarizer=dependencies.summarizer(),
        extractor=dependencies.extractor(),
        runs_in=runs_in,
        progress=progress,
        fingerprints=dependencies.fingerprint_index(),
        translator=dependencies.translator(),
    )
    return outcome.model_dump(mode="json")


@logger.inject_lambda_context(clear_state=True)
@traced_handler
@event_parser(model=AnalyzeEvent)
def lambda_handler(event: AnalyzeEvent, context: LambdaContext) -> dict[str, Any]:
    return run(event, RunsIn.ANALYSIS)
