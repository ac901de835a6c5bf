"""Adapter for the job pipeline's Step Functions executions."""

from __future__ import annotations

from typing import Any, Protocol

from vidscope.adapters.dynamo import is_error
from vidscope.log import logger


class Execution(Protocol):
    """An execution's input (``vidscope.jobs.plan.ExecutionInput``), named after its job."""

    job_id: str

    def model_dump_json(self) -> str: ...


def execution_arn(state_machine_arn: str, job_id: str) -> str:
    """The ARN of the execution named ``job_id``: every job's execution is named after it."""
    return state_machine_arn.replace(":stateMachine:", ":execution:") + f":{job_id}"


class WorkflowClient:
    def __init__(self, client: Any, state_machine_arn: str | None) -> None:
        self._client = client
        self._state_machine_arn = state_machine_arn

    def start(self, execution: Execution) -> str | None:
        """Start the job's execution, named after the job, so starting it twice is harmless.
        Returns its ARN; None where no state machine is configured (the API-only test setup)."""
        if self._state_machine_arn is None:
            logger.warning("no state machine configured; job not started", extra={"job_id": execution.job_id})
            return None
        try:
            response = self._client.start_execution(
                stateMachineArn=self._state_machine_arn, name=execution.job_id, input=execution.model_dump_json()
            )
        except Exception as exc:
            if not is_error(exc, "ExecutionAlreadyExists"):
                raise
            return execution_arn(self._state_machine_arn, execution.job_id)
        return str(response["executionArn"])

    def stop(self, execution_arn: str, *, cause: str) -> None:
        """Stop an execution; one that already ended or never existed is fine."""
        try:
            self._client.stop_execution(executionArn=execution_arn, error="JobCancelled", cause=cause)
        except Exception as exc:
            if not is_error(exc, "ExecutionDoesNotExist"):
                raise
