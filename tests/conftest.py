"""Fixtures shared by every test layer. Environment first: settings are read lazily."""

from __future__ import annotations

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        # botocore sends stream calls to account-based hosts (123456789012.streams-ddb…), which
        # in-process moto 5.2 does not route; the regional host is the same API.
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "VIDSCOPE_TABLE_NAME": "vidscope-test",
        "VIDSCOPE_BUCKET_NAME": "vidscope-test-media",
        "VIDSCOPE_CURSOR_SECRET": "test-cursor-secret-0123456789",
        "POWERTOOLS_SERVICE_NAME": "vidscope",
        "POWERTOOLS_METRICS_NAMESPACE": "Vidscope",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)
os.environ.pop("VIDSCOPE_AWS_ENDPOINT_URL", None)
