"""The Powertools Logger alone, for code that also runs outside Lambda (the transcription
worker): ``vidscope.observability`` adds Metrics and the Tracer."""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger()
