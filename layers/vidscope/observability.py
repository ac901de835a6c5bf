"""Powertools Logger, Metrics and Tracer, one of each per process, and the one way workflow and
event functions are traced."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Metrics, Tracer

from vidscope.log import logger

__all__ = ["TRACE_OPTIONS", "logger", "metrics", "traced_handler", "tracer"]

metrics = Metrics()

# Traces keep timings and the error's type, never payloads: a captured response copies results,
# transcripts and metadata into X-Ray (where deleting a job cannot reach them), and a captured
# error copies the exception object, whose message may quote the input.
TRACE_OPTIONS: dict[str, bool] = {"capture_response": False, "capture_error": False}

Handler = TypeVar("Handler", bound=Callable[..., Any])


@cache
def tracer() -> Tracer:
    """The process's Tracer, built on first use: building it imports the X-Ray SDK (≈0.26 s),
    which the API functions never pay for (``vidscope.api.http.lambda_entry`` says why)."""
    return Tracer()


def traced_handler(handler: Handler) -> Handler:
    """``tracer().capture_lambda_handler`` with ``TRACE_OPTIONS``; every workflow and event
    function's Lambda entry uses this."""
    return cast(Handler, tracer().capture_lambda_handler(handler, **TRACE_OPTIONS))
