"""The workflow's stages as domain operations: what each Lambda of the state machine does to
the job, its media and its credits. Handlers parse the event and call one of these; each stage
lives in its own module (``ingest_stage``, ``analysis_stage``, ``merge_stage``,
``failure_stage``), and what every stage asks of the job in ``job_state``."""

from __future__ import annotations

from vidscope.pipeline.analysis_stage import StepReporter, analyze
from vidscope.pipeline.failure_stage import fail
from vidscope.pipeline.ingest_stage import hold_price, ingest
from vidscope.pipeline.job_state import check_active, enter_stage
from vidscope.pipeline.merge_stage import merge

__all__ = ["StepReporter", "analyze", "check_active", "enter_stage", "fail", "hold_price", "ingest", "merge"]
