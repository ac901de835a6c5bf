"""In-process Lambda execution environments for the local runtime and the tests.

Each function of ``vidscope.functions`` gets one environment: its real handler module, invoked
with a context carrying the attributes Powertools reads, one invocation at a time (as a Lambda
execution environment runs them; handlers rely on it, e.g. the Powertools resolver keeps
per-request state on its module-level app).
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from infra.local import aws_calls, quotas
from vidscope.functions import FunctionSpec


@dataclass
class LambdaContextStub:
    """The attributes Powertools reads from a Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


class LambdaRuntime:
    def __init__(self) -> None:
        self._environments: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def invoke(self, spec: FunctionSpec, event: Any) -> Any:
        """Run the handler as Lambda would, payload quotas included: an event over the synchronous
        quota never reaches it (``RequestTooLargeException``), a result over it is replaced by
        Lambda's error (``ResponseSizeTooLarge``)."""
        quotas.check_lambda_request(spec.name, event)
        handler = import_module(spec.module).lambda_handler
        context = LambdaContextStub(function_name=spec.name, memory_limit_in_mb=spec.memory_mb)
        with self._guard:
            environment = self._environments[spec.name]
        with environment, aws_calls.acting_as(spec.name):
            result = handler(event, context)
        quotas.check_lambda_response(spec.name, result)
        return result


RUNTIME = LambdaRuntime()
