"""All of Vidscope's AWS side on one machine: moto as a server on 127.0.0.1 with Step Functions
execution on, the resources from ``infra.local.resources``, the Lambda handlers run in-process
and the ECS agent running transcription tasks as local processes.

Used by the pipeline tests and by the local runtime; the same code path in both.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config

from infra.local import aws_calls, moto_patches, quotas, resources
from infra.local.ecs_agent import EcsAgent
from infra.local.event_sources import EventSourcePoller
from vidscope import dependencies
from vidscope.adapters.workflow import execution_arn
from vidscope.settings import get_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalStack:
    endpoint_url: str
    resources: resources.LocalResources
    agent: EcsAgent
    session: boto3.Session
    poller: EventSourcePoller

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]

    def execution_status(self, job_id: str) -> str:
        arn = execution_arn(self.resources.state_machine_arn, job_id)
        return str(self.client("stepfunctions").describe_execution(executionArn=arn)["status"])

    def state_transitions(self, job_id: str) -> int:
        """States entered by the job's execution: what Step Functions Standard bills."""
        arn = execution_arn(self.resources.state_machine_arn, job_id)
        events = self.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
        return sum(1 for e in events if e["type"].endswith("StateEntered"))

    def stop_running_executions(self) -> None:
        """moto's interpreter threads outlive everything else; stop what is still running."""
        # Bounded: shutting down must not wait on a busy local AWS for botocore's 60 s and retries.
        quick = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 1})
        sfn = self.session.client("stepfunctions", endpoint_url=self.endpoint_url, config=quick)
        running = sfn.list_executions(stateMachineArn=self.resources.state_machine_arn, statusFilter="RUNNING")
        for execution in running["executions"]:
            sfn.stop_execution(executionArn=execution["executionArn"], error="Shutdown", cause="local stack stopping")


_RESOURCE_ENV = (
    "VIDSCOPE_AWS_ENDPOINT_URL",
    "VIDSCOPE_STATE_MACHINE_ARN",
    "VIDSCOPE_WEBHOOK_QUEUE_URL",
    "VIDSCOPE_WEBHOOK_DLQ_URL",
)


def _resource_env(endpoint: str, created: resources.LocalResources) -> dict[str, str]:
    """What the functions learn from their environment in the cloud (CDK sets the same names)."""
    values = (endpoint, created.state_machine_arn, created.webhook_queue_url, created.webhook_dlq_url)
    return dict(zip(_RESOURCE_ENV, values, strict=True))


@contextmanager
def running(
    *,
    port: int | None = None,
    worker_env: dict[str, str] | None = None,
    log_dir: Path | None = None,
    before_events: Callable[[LocalStack], None] | None = None,
    task_start_delay_seconds: float | None = None,
) -> Iterator[LocalStack]:
    """Start the local AWS, create the resources and point this process's settings at them.

    ``task_start_delay_seconds``: how long the local ECS agent holds a task between RunTask and
    starting its worker, standing for placement on capacity at zero and the image pull (default:
    the ``VIDSCOPE_LOCAL_TASK_START_DELAY_SECONDS`` setting, 0)."""
    from moto.server import ThreadedMotoServer

    aws_calls.install()  # records nothing unless VIDSCOPE_AWS_CALL_LOG names a file
    moto_patches.serialize_dynamodb_transactions()
    moto_patches.run_lambdas_in_process()
    moto_patches.run_ecs_tasks_from_step_functions()
    moto_patches.report_heartbeat_timeouts_by_name()
    moto_patches.poll_event_sources_like_lambda()
    quotas.install()  # payload quotas moto does not enforce (infra/local/quotas.py)
    # The interpreter logs every caught task failure at ERROR, tracebacks included; the job's own
    # state says what failed.
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per moto request otherwise

    port = port or free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    saved = {k: os.environ.get(k) for k in ("MOTO_PORT", "VIDSCOPE_CURSOR_SECRET_NAME", *_RESOURCE_ENV)}
    agent: EcsAgent | None = None
    poller: EventSourcePoller | None = None
    try:
        # The interpreter calls services on localhost:$MOTO_PORT; execution must be on before
        # the state machine is created.
        os.environ["MOTO_PORT"] = str(port)
        # moto's backends are process-wide: a server started in a process that ran one before
        # would see its resources, so start from nothing.
        httpx.post(f"{endpoint}/moto-api/reset", timeout=10)
        httpx.post(f"{endpoint}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}, timeout=10)
        session = boto3.Session()
        # Presigned links are checked at the local S3's door as S3 checks them (moto does not):
        # those signed with this stack's credentials, SigV4, unexpired, unaltered.
        signing = session.get_credentials()
        assert signing is not None, "the local stack signs with the environment's credentials"
        moto_patches.check_presigned_requests(signing.get_frozen_credentials(), session.region_name or "us-east-1")
        settings = get_settings()
        created = resources.create(
            lambda service: session.client(service, endpoint_url=endpoint),  # type: ignore[call-overload]
            table_name=settings.table_name,
            bucket_name=settings.bucket_name,
            event_bus_name=settings.event_bus_name,
        )
        os.environ.update(_resource_env(endpoint, created))
        # The cursor-signing key lives in Secrets Manager, as in the cloud, so list_jobs reads it
        # the same way (and its role is checked for that read).
        session.client("secretsmanager", endpoint_url=endpoint).create_secret(
            Name=resources.CURSOR_SECRET_NAME, SecretString=settings.cursor_secret
        )
        os.environ["VIDSCOPE_CURSOR_SECRET_NAME"] = resources.CURSOR_SECRET_NAME
        dependencies.reset()
        agent = EcsAgent(
            session.client("ecs", endpoint_url=endpoint),
            created.cluster_arn,
            environment={"VIDSCOPE_AWS_ENDPOINT_URL": endpoint, **(worker_env or {})},
            log_dir=log_dir,
            start_delay_seconds=(
                settings.local_task_start_delay_seconds
                if task_start_delay_seconds is None
                else task_start_delay_seconds
            ),
        ).start()
        poller = EventSourcePoller(
            lambda service: session.client(service, endpoint_url=endpoint)  # type: ignore[call-overload]
        )
        stack = LocalStack(endpoint, created, agent, session, poller)
        if before_events is not None:
            before_events(stack)  # e.g. restore saved state: not a change to publish
        poller.start()
        try:
            yield stack
        finally:
            stack.stop_running_executions()
    finally:
        if poller is not None:
            poller.stop()
        if agent is not None:
            agent.stop()
        # moto's configuration is process-wide: leave Step Functions execution off again, as an
        # in-process mock_aws started later in this process expects.
        httpx.post(f"{endpoint}/moto-api/config", json={"stepfunctions": {"execute_state_machine": False}}, timeout=10)
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        dependencies.reset()
