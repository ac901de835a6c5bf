"""Workflow task: one capability of the analysis stage that encodes video (``RunsIn.RENDER``),
computed through the capability registry as the analysis function computes the others. A function
of its own because a render needs what the analyses that only read do not: Lambda's 6 vCPUs and
its 15-minute timeout (a 10-minute 720p render, bench/style.py); the ASL's Choice sends each Map
item to the function its plan item names."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.analyze.handler import run
from vidscope.capabilities.base import RunsIn
from vidscope.observability import logger, traced_handler
from vidscope.pipeline.messages import AnalyzeEvent


@logger.inject_lambda_context(clear_state=True)
@traced_handler
@event_parser(model=AnalyzeEvent)
def lambda_handler(event: AnalyzeEvent, context: LambdaContext) -> dict[str, Any]:
    return run(event, RunsIn.RENDER)
