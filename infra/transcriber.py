"""The transcription worker on GPU: an ECS cluster whose default capacity is an Auto Scaling
group of GPU instances (managed scaling, down to zero), and the task definition built from the
worker's Dockerfile with one GPU. The ASL's runTask names neither, so the cluster's default
capacity provider is what places it (locally FARGATE, here the GPU group)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.grants import Resources, grant
from infra.lambdas import ASSET_EXCLUDES, REPO_ROOT
from vidscope.functions import TRANSCRIBER


class Transcriber(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: Resources,
        environment: dict[str, str],
        whisper_model: str,
        instance_type: str,
        max_instances: int,
    ) -> None:
        super().__init__(scope, construct_id)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=1)
        self.cluster = ecs.Cluster(self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)
        instances = autoscaling.AutoScalingGroup(
            self,
            "GpuInstances",
            vpc=vpc,
            instance_type=ec2.InstanceType(instance_type),
            machine_image=ecs.EcsOptimizedImage.amazon_linux2(ecs.AmiHardwareType.GPU),
            min_capacity=0,
            max_capacity=max_instances,
            require_imdsv2=True,
        )
        capacity = ecs.AsgCapacityProvider(
            self, "GpuCapacity", auto_scaling_group=instances, enable_managed_termination_protection=False
        )
        self.cluster.add_asg_capacity_provider(capacity)
        self.cluster.add_default_capacity_provider_strategy(
            [ecs.CapacityProviderStrategy(capacity_provider=capacity.capacity_provider_name, weight=1)]
        )
        self.task_definition = ecs.Ec2TaskDefinition(self, "Task")
        self.container = self.task_definition.add_container(
            TRANSCRIBER.name,
            container_name=TRANSCRIBER.name,
            image=ecs.ContainerImage.from_asset(
                str(REPO_ROOT),
                file="functions/transcriber/Dockerfile",
                build_args={"WHISPER_MODEL": whisper_model},
                exclude=list(ASSET_EXCLUDES),
            ),
            gpu_count=1,
            memory_reservation_mib=12 * 1024,
            environment=environment,
            logging=ecs.LogDrivers.aws_logs(stream_prefix=TRANSCRIBER.name, log_retention=logs.RetentionDays.ONE_MONTH),
            stop_timeout=cdk.Duration.seconds(30),
        )
        grant(self.task_definition.task_role, TRANSCRIBER.access, resources)
