"""The AWS resources Vidscope needs, created in moto from the same definitions the CDK app
deploys: the table definition, the function list, the container spec and the ASL file."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra import workflow_definition
from vidscope.adapters import table
from vidscope.api.console import ARTIFACT_STORE_CORS
from vidscope.events import routing as event_routing
from vidscope.functions import CONTAINERS, EVENT_FUNCTIONS, WORKFLOW_FUNCTIONS

STATE_MACHINE_NAME = "vidscope-job-pipeline"
CLUSTER_NAME = "vidscope-transcriber"
# The cursor-signing key, kept in Secrets Manager locally as in the cloud (read by list_jobs).
CURSOR_SECRET_NAME = "vidscope/cursor-secret"  # noqa: S105 - a name, not a secret
# The table stream's on-failure destination (the cloud's PublisherDlq): where the position of a
# batch that failed every retry is parked.
PUBLISHER_DLQ_NAME = "vidscope-publisher-dlq"
_ROLE_NAME = "vidscope-local"
_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@dataclass(frozen=True)
class LocalResources:
    table_name: str
    bucket_name: str
    state_machine_arn: str
    cluster_arn: str
    function_arns: dict[str, str]
    event_bus_name: str
    webhook_queue_url: str
    webhook_dlq_url: str
    publisher_dlq_url: str


def _placeholder_zip() -> bytes:
    # moto stores the code but never runs it: invocations go to the real handlers in-process
    # (infra.local.moto_patches.run_lambdas_in_process).
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "handlers run in-process from the repository")
    return buffer.getvalue()


def create(client: Callable[[str], Any], *, table_name: str, bucket_name: str, event_bus_name: str) -> LocalResources:
    """Create every resource; ``client(service)`` gives a boto3 client pointed at moto."""
    stream_arn = client("dynamodb").create_table(**table.create_table_kwargs(table_name))["TableDescription"][
        "LatestStreamArn"
    ]
    client("s3").create_bucket(Bucket=bucket_name)
    client("s3").put_bucket_cors(Bucket=bucket_name, CORSConfiguration={"CORSRules": [ARTIFACT_STORE_CORS]})
    role_arn = client("iam").create_role(RoleName=_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(_TRUST))["Role"][
        "Arn"
    ]

    lambdas = client("lambda")
    code = _placeholder_zip()
    function_arns = {
        spec.name: lambdas.create_function(
            FunctionName=spec.name,
            Runtime="python3.12",
            Role=role_arn,
            Handler=f"{spec.module}.lambda_handler",
            Code={"ZipFile": code},
            Timeout=spec.timeout_seconds,
            MemorySize=spec.memory_mb,
        )["FunctionArn"]
        for spec in WORKFLOW_FUNCTIONS + EVENT_FUNCTIONS
    }
    queue_url, dlq_url = create_events_and_webhooks(client, event_bus_name)
    publisher_dlq_url = client("sqs").create_queue(QueueName=PUBLISHER_DLQ_NAME)["QueueUrl"]
    queue_arns = {"webhook-queue": _queue_arn(client, queue_url), "table-stream": stream_arn}
    for spec in EVENT_FUNCTIONS:
        assert spec.event_source is not None
        stream: dict[str, Any] = {}
        if spec.event_source.kind == "table-stream":
            # As the cloud's mapping: a batch that fails every retry is parked, not retried forever.
            stream = {
                "StartingPosition": "LATEST",
                "DestinationConfig": {"OnFailure": {"Destination": _queue_arn(client, publisher_dlq_url)}},
            }
            if spec.event_source.retry_attempts is not None:
                stream["MaximumRetryAttempts"] = spec.event_source.retry_attempts
        lambdas.create_event_source_mapping(
            EventSourceArn=queue_arns[spec.event_source.kind],
            FunctionName=function_arns[spec.name],
            BatchSize=spec.event_source.batch_size,
            FunctionResponseTypes=["ReportBatchItemFailures"],
            **stream,
        )

    ecs = client("ecs")
    # Locally the cluster's default capacity is FARGATE, which moto places without container
    # instances; the cloud cluster's default is its GPU EC2 capacity provider. The ASL names
    # neither, so the same definition runs on both.
    cluster_arn = ecs.create_cluster(
        clusterName=CLUSTER_NAME,
        capacityProviders=["FARGATE"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
    )["cluster"]["clusterArn"]
    placements = {
        container.name: workflow_definition.Placement(
            cluster_arn,
            ecs.register_task_definition(
                family=container.name,
                containerDefinitions=[
                    # moto needs container-level cpu and memory to place the task.
                    {"name": container.name, "image": f"vidscope-{container.name}:local", "cpu": 1024, "memory": 4096}
                ],
            )["taskDefinition"]["taskDefinitionArn"],
            # Fargate tasks name a subnet and a security group; moto records them and places none.
            subnets=tuple(f"subnet-local-{n}" for n, _ in enumerate(container.subnet_placeholders)),
            security_group="sg-local" if container.security_group_placeholder else None,
        )
        for container in CONTAINERS
    }
    definition = workflow_definition.render(workflow_definition.substitutions(function_arns, placements))
    state_machine_arn = client("stepfunctions").create_state_machine(
        name=STATE_MACHINE_NAME, definition=definition, roleArn=role_arn, type="STANDARD"
    )["stateMachineArn"]
    return LocalResources(
        table_name,
        bucket_name,
        state_machine_arn,
        cluster_arn,
        function_arns,
        event_bus_name,
        queue_url,
        dlq_url,
        publisher_dlq_url,
    )


def _queue_arn(client: Callable[[str], Any], queue_url: str) -> str:
    attributes = client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def create_data_and_events(
    client: Callable[[str], Any], *, table_name: str, bucket_name: str, bus_name: str
) -> dict[str, str]:
    """The table, the bucket, the bus and the webhook queues (what the API functions touch,
    without the workflow); the queue settings the functions read, by environment name."""
    client("dynamodb").create_table(**table.create_table_kwargs(table_name))
    client("s3").create_bucket(Bucket=bucket_name)
    queue_url, dlq_url = create_events_and_webhooks(client, bus_name)
    return {"VIDSCOPE_WEBHOOK_QUEUE_URL": queue_url, "VIDSCOPE_WEBHOOK_DLQ_URL": dlq_url}


def create_events_and_webhooks(client: Callable[[str], Any], bus_name: str) -> tuple[str, str]:
    """The bus, the webhook queue with its DLQ, and the rule between them; the queue URLs."""
    sqs = client("sqs")
    dlq_url = sqs.create_queue(
        QueueName=event_routing.WEBHOOK_DLQ_NAME,
        Attributes={"MessageRetentionPeriod": str(event_routing.WEBHOOK_DLQ_RETENTION_SECONDS)},
    )["QueueUrl"]
    queue_url = sqs.create_queue(
        QueueName=event_routing.WEBHOOK_QUEUE_NAME,
        Attributes={
            "VisibilityTimeout": str(event_routing.WEBHOOK_QUEUE_VISIBILITY_SECONDS),
            "RedrivePolicy": json.dumps(
                {
                    "deadLetterTargetArn": _queue_arn(client, dlq_url),
                    "maxReceiveCount": event_routing.WEBHOOK_QUEUE_MAX_RECEIVES,
                }
            ),
        },
    )["QueueUrl"]
    events = client("events")
    events.create_event_bus(Name=bus_name)
    events.put_rule(
        Name=event_routing.WEBHOOK_RULE_NAME,
        EventBusName=bus_name,
        EventPattern=json.dumps(event_routing.webhook_rule_pattern()),
    )
    events.put_targets(
        Rule=event_routing.WEBHOOK_RULE_NAME,
        EventBusName=bus_name,
        Targets=[{"Id": "webhook-queue", "Arn": _queue_arn(client, queue_url)}],
    )
    return queue_url, dlq_url
