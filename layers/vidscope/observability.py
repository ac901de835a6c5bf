"""Powertools Logger, Tracer and Metrics, one of each per process."""

from __future__ import annotations

from aws_lambda_powertools import Metrics, Tracer

from vidscope.log import logger

__all__ = ["logger", "metrics", "tracer"]

tracer = Tracer()
metrics = Metrics()
