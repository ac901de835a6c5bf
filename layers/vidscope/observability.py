"""Powertools Logger, Tracer and Metrics, one of each per process, and the one way handlers are
traced."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Metrics, Tracer

from vidscope.log import logger

__all__ = ["TRACE_OPTIONS", "logger", "metrics", "traced_handler", "tracer"]

tracer = Tracer()
metrics = Metrics()

# Traces keep timings and the error's type, never payloads: a captured response copies results,
# transcripts and metadata into X-Ray (where deleting a job cannot reach them), and a captured
# error copies the exception object, whose message may quote the input.
TRACE_OPTIONS: dict[str, bool] = {"capture_response": False, "capture_error": False}

Handler = TypeVar("Handler", bound=Callable[..., Any])


def traced_handler(handler: Handler) -> Handler:
    """``tracer.capture_lambda_handler`` with ``TRACE_OPTIONS``; every Lambda entry uses this."""
    return cast(Handler, tracer.capture_lambda_handler(handler, **TRACE_OPTIONS))
