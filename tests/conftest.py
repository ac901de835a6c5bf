"""Fixtures shared by every test layer. Environment first: settings are read lazily."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from infra.local import aws_calls

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

# --- IAM conformance: record every AWS call the functions make, check them last ----------------
# The integration and e2e tests run the functions through the local runtime, which records each
# call as the IAM requests AWS would authorize (infra.local.aws_calls); the worker and `vidscope
# serve` subprocesses inherit the file. tests/infra/test_iam_conformance.py evaluates them.
if aws_calls.LOG_ENV not in os.environ:
    _descriptor, _path = tempfile.mkstemp(prefix="vidscope-aws-calls-", suffix=".jsonl")
    os.close(_descriptor)
    os.environ[aws_calls.LOG_ENV] = _path
aws_calls.install()

_RECORDING_LAYERS = ("tests/integration", "tests/e2e")


def _records_everything(items: list[pytest.Item]) -> bool:
    """Whether every test module of the recording layers is in this session."""
    root = Path(__file__).resolve().parent.parent
    modules = {str(p.relative_to(root)) for layer in _RECORDING_LAYERS for p in (root / layer).glob("test_*.py")}
    return modules <= {item.nodeid.split("::", 1)[0] for item in items}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Conformance tests run after everything else, over what the session recorded. Those that
    need the whole recording (``conformance(complete=True)``) run only in a session that runs
    every integration and e2e module; the others need some recording: a session that runs no
    recording test is given none, unless VIDSCOPE_AWS_CALL_LOG names a file an earlier session
    recorded (to re-check it alone)."""
    conformance = [item for item in items if item.get_closest_marker("conformance")]
    if not conformance:
        return
    rest = [item for item in items if item not in conformance]
    log = os.environ[aws_calls.LOG_ENV]
    recorded = os.path.exists(log) and os.path.getsize(log) > 0
    everything = recorded or _records_everything(rest)
    some = everything or any(item.nodeid.startswith(_RECORDING_LAYERS) for item in rest)
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in conformance:
        marker = item.get_closest_marker("conformance")
        assert marker is not None
        (kept if (everything if marker.kwargs.get("complete") else some) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = rest + kept
