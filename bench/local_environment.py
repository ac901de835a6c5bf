"""The environment a benchmark that runs the local stack sets before it imports Vidscope: fake
credentials for moto, loopback media allowed, Powertools quiet."""

from __future__ import annotations

import os

LOCAL_STACK_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "VIDSCOPE_ALLOW_LOOPBACK_URLS": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def use_local_stack_environment() -> None:
    os.environ.update(LOCAL_STACK_ENVIRONMENT)
