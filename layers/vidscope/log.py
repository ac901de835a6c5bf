"""The Powertools Logger alone, for code that also runs outside Lambda (the transcription
worker): ``vidscope.observability`` adds the Tracer, whose X-Ray SDK import costs ~0.35 s of
every worker start."""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger()
