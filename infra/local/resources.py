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
from vidscope import table
from vidscope.functions import TRANSCRIBER, WORKFLOW_FUNCTIONS

STATE_MACHINE_NAME = "vidscope-job-pipeline"
CLUSTER_NAME = "vidscope-transcriber"
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


def _placeholder_zip() -> bytes:
    # moto stores the code but never runs it: invocations go to the real handlers in-process
    # (infra.local.moto_patches.run_lambdas_in_process).
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "handlers run in-process from the repository")
    return buffer.getvalue()


def create(client: Callable[[str], Any], *, table_name: str, bucket_name: str) -> LocalResources:
    """Create every resource; ``client(service)`` gives a boto3 client pointed at moto."""
    client("dynamodb").create_table(**table.create_table_kwargs(table_name))
    client("s3").create_bucket(Bucket=bucket_name)
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
        for spec in WORKFLOW_FUNCTIONS
    }

    ecs = client("ecs")
    # Locally the cluster's default capacity is FARGATE, which moto places without container
    # instances; the cloud cluster's default is its GPU EC2 capacity provider. The ASL names
    # neither, so the same definition runs on both.
    cluster_arn = ecs.create_cluster(
        clusterName=CLUSTER_NAME,
        capacityProviders=["FARGATE"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
    )["cluster"]["clusterArn"]
    task_definition_arn = ecs.register_task_definition(
        family=TRANSCRIBER.name,
        containerDefinitions=[
            # moto needs container-level cpu and memory to place the task.
            {"name": TRANSCRIBER.name, "image": f"vidscope-{TRANSCRIBER.name}:local", "cpu": 1024, "memory": 4096}
        ],
    )["taskDefinition"]["taskDefinitionArn"]

    definition = workflow_definition.render(
        workflow_definition.substitutions(
            function_arns,
            cluster_arn=cluster_arn,
            task_definition_arn=task_definition_arn,
            container_name=TRANSCRIBER.name,
        )
    )
    state_machine_arn = client("stepfunctions").create_state_machine(
        name=STATE_MACHINE_NAME, definition=definition, roleArn=role_arn, type="STANDARD"
    )["stateMachineArn"]
    return LocalResources(table_name, bucket_name, state_machine_arn, cluster_arn, function_arns)
