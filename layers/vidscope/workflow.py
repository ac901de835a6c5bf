"""Adapter for the job pipeline's Step Functions executions."""

from __future__ import annotations

from typing import Any

from vidscope.dynamo import is_error


class WorkflowClient:
    def __init__(self, client: Any) -> None:
        self._client = client

    def stop(self, execution_arn: str, *, cause: str) -> None:
        """Stop an execution; one that already ended or never existed is fine."""
        try:
            self._client.stop_execution(executionArn=execution_arn, error="JobCancelled", cause=cause)
        except Exception as exc:
            if not is_error(exc, "ExecutionDoesNotExist"):
                raise
