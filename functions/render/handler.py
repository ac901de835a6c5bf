"""Workflow task: one capability of the analysis stage that encodes video (``RunsIn.RENDER``),
computed through the capability registry as the analysis function computes the others. A function
of its own because a render needs what the analyses that only read do not: Lambda's 6 vCPUs and
its 15-minute timeout (a 10-minute 720p render, bench/style.py); the analysis function refuses such
a capability (RunsOnRenderFunction) and the ASL's Catch hands the item here."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.analyze.handler import run
from vidscope import dependencies
from vidscope.capabilities.base import RunsIn
from vidscope.clock import utc_now
from vidscope.observability import logger, traced_handler
from vidscope.pipeline.messages import AnalyzeEvent
from vidscope.pipeline.stages import StepReporter


@logger.inject_lambda_context(clear_state=True)
@traced_handler
@event_parser(model=AnalyzeEvent)
def lambda_handler(event: AnalyzeEvent, context: LambdaContext) -> dict[str, Any]:
    # A render runs for minutes: its steps are the job's progress (the render function's own grant).
    repo = dependencies.jobs_repository()
    return run(event, RunsIn.RENDER, lambda capability: StepReporter(repo, event, capability.steps, utc_now))
