"""The vision worker on Fargate: a CPU task in the network's cluster and VPC (shared with the
transcriber), its own task definition built from functions/vision/Dockerfile. Why Fargate and not
the GPU instances: the stage is CPU work (decode, PySceneDetect, ONNX OCR), about half real time
on 2 vCPUs (bench/vision.py); a Fargate vCPU-hour costs a small fraction of a GPU instance-hour,
AWS keeps the capacity warm (no scale-out from zero, no 100 GiB image pull on a fresh instance),
and a job that needs only frames never waits for a GPU."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag, workflow_definition
from infra.grants import Resources, grant
from infra.lambdas import ASSET_EXCLUDES, REPO_ROOT
from infra.network import Network
from infra.transcriber import WORKER_USER
from vidscope.functions import VISION

# 2 vCPUs, the size the stage is benchmarked at; 4 GiB holds a 720p decode and the OCR models.
CPU_UNITS = 2048
MEMORY_MIB = 4096


class Vision(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: Resources,
        environment: dict[str, str],
        network: Network,
    ) -> None:
        super().__init__(scope, construct_id)
        self.cluster = network.cluster  # the cluster this worker's tasks run in (its Placement)
        self.cluster.enable_fargate_capacity_providers()
        self.task_definition = ecs.FargateTaskDefinition(self, "Task", cpu=CPU_UNITS, memory_limit_mib=MEMORY_MIB)
        self.container = self.task_definition.add_container(
            VISION.name,
            container_name=VISION.name,
            image=ecs.ContainerImage.from_asset(
                str(REPO_ROOT), file="functions/vision/Dockerfile", exclude=list(ASSET_EXCLUDES)
            ),
            user=WORKER_USER,
            environment={**environment, "AWS_REGION": cdk.Aws.REGION, "AWS_DEFAULT_REGION": cdk.Aws.REGION},
            logging=ecs.LogDrivers.aws_logs(stream_prefix=VISION.name, log_retention=logs.RetentionDays.ONE_MONTH),
            stop_timeout=cdk.Duration.seconds(30),
        )
        grant(self.task_definition.task_role, VISION.access, resources)
        # Outbound only (S3, DynamoDB, Step Functions through the VPC's NAT); nothing calls in.
        self.security_group = ec2.SecurityGroup(self, "TasksSecurityGroup", vpc=network.vpc, allow_all_outbound=True)
        # One private subnet per zone: a task goes where Fargate has room, and a zone's outage
        # leaves the other.
        self.placement = workflow_definition.Placement(
            self.cluster.cluster_arn,
            self.task_definition.task_definition_arn,
            subnets=tuple(
                subnet.subnet_id for subnet in network.vpc.private_subnets[: len(VISION.subnet_placeholders)]
            ),
            security_group=self.security_group.security_group_id,
        )
        nag.acknowledge_unscoped_actions(self.task_definition.obtain_execution_role())
        nag.acknowledge(
            self.task_definition,
            "ECS2",
            "The environment holds resource names only (table, bucket); secrets never reach it.",
        )
