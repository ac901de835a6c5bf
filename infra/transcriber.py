"""The transcription worker on GPU: an Auto Scaling group of GPU instances as the default capacity
of the network's ECS cluster (managed scaling, down to the stage's minimum: zero in dev; on demand
up to that minimum and optionally Spot above it, or else an optional warm pool), and the task
definition built from the worker's Dockerfile with one GPU.
The ASL's runTask names neither, so the cluster's default capacity provider is what places it
(locally FARGATE, here the GPU group)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra import nag, workflow_definition
from infra.grants import Resources, grant
from infra.lambdas import ASSET_EXCLUDES, REPO_ROOT
from infra.network import Network
from vidscope.functions import TRANSCRIBER

ROOT_VOLUME_GIB = 100
# The unprivileged user of functions/transcriber/Dockerfile (its USER line): named here too, so
# that ECS runs the worker as that user even if an image forgot it.
WORKER_USER = "10001:10001"


class Transcriber(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        network: Network,
        resources: Resources,
        environment: dict[str, str],
        whisper_model: str,
        instance_types: tuple[str, ...],
        max_instances: int,
        alarm_topic: sns.ITopic,
        min_instances: int = 0,
        warm_pool_instances: int = 0,
        spot: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        if not instance_types:
            raise ValueError("at least one GPU instance type")
        if spot and warm_pool_instances:
            raise ValueError("Auto Scaling puts no warm pool on a group that launches Spot instances")
        vpc = network.vpc
        self.cluster = network.cluster  # the cluster this worker's tasks run in (its Placement)
        instance_role = iam.Role(self, "InstanceRole", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
        # A launch template rather than the group's own launch configuration: AWS no longer lets
        # new accounts create launch configurations, and only a template encrypts the root volume.
        # The volume holds the worker image (CUDA and the model), hence its size.
        user_data = ec2.UserData.for_linux()
        if warm_pool_instances:
            # An instance booted into the warm pool must not join the cluster (and be given tasks)
            # before it is stopped; the agent checks this flag and waits until it leaves the pool.
            user_data.add_commands("echo ECS_WARM_POOLS_CHECK=true >> /etc/ecs/ecs.config")
        if spot:
            # On EC2's two-minute interruption notice the agent sets the instance DRAINING, so no new
            # task is placed on it; the task it runs dies with it, stops beating, and the Transcribe
            # state's Retry (States.HeartbeatTimeout) starts it again on another instance.
            user_data.add_commands("echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config")
        launch_template = ec2.LaunchTemplate(
            self,
            "GpuLaunchTemplate",
            instance_type=ec2.InstanceType(instance_types[0]),
            machine_image=ecs.EcsOptimizedImage.amazon_linux2023(ecs.AmiHardwareType.GPU),
            user_data=user_data,
            role=instance_role,
            security_group=ec2.SecurityGroup(self, "GpuInstancesSecurityGroup", vpc=vpc, allow_all_outbound=True),
            require_imdsv2=True,
            # The task (bridge networking) is one hop further from the metadata service than the
            # host: a limit of 1 keeps IMDSv2's token, and so the instance role, from the
            # containers. The worker's own credentials come from the ECS agent's endpoint.
            http_put_response_hop_limit=1,
            block_devices=[
                ec2.BlockDevice(
                    device_name="/dev/xvda",
                    volume=ec2.BlockDeviceVolume.ebs(
                        ROOT_VOLUME_GIB, encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3
                    ),
                )
            ],
        )
        instances = autoscaling.AutoScalingGroup(
            self,
            "GpuInstances",
            vpc=vpc,
            **_purchase_options(launch_template, instance_types, min_instances, spot=spot),
            # The stage's choice (infra.config): 0 scales to zero between jobs, and the first job
            # after a quiet spell waits for a boot and the image pull.
            min_capacity=min_instances,
            max_capacity=max_instances,
            # Failed launches (no GPU capacity in the zone, a quota) reach ops as they happen.
            notifications=[
                autoscaling.NotificationConfiguration(
                    topic=alarm_topic, scaling_events=autoscaling.ScalingEvents.ERRORS
                )
            ],
        )
        if warm_pool_instances:
            # Booted once (AMI, ECS agent, drivers), then stopped: a scale-out starts one of these
            # instead of launching from the AMI (bench/cold_start.md). ECS does not support
            # ReuseOnScaleIn for its warm pools, and the pool is capped at its own size (the
            # default fills it up to the group's maximum, each with a 100 GiB volume). The worker
            # image is pulled at the first task on a pooled instance, not while it is stopped.
            instances.add_warm_pool(
                min_size=warm_pool_instances,
                max_group_prepared_capacity=warm_pool_instances,
                pool_state=autoscaling.PoolState.STOPPED,
                reuse_on_scale_in=False,
            )
        # ECS drains an instance's tasks itself before Auto Scaling terminates it (managed draining:
        # scale-in, and a Spot instance that capacity rebalancing replaces, whose running task is
        # left to finish), so CDK adds no drain-hook Lambda and topic of its own. No managed
        # termination protection: scale-in waits on the drain, not on instance protection.
        capacity = ecs.AsgCapacityProvider(
            self,
            "GpuCapacity",
            auto_scaling_group=instances,
            enable_managed_termination_protection=False,
            enable_managed_draining=True,
        )
        self.cluster.add_asg_capacity_provider(capacity)
        if spot:
            nag.acknowledge(
                instances,
                "EC26",
                "cdk-nag 3.0.2's EBS-encryption rule reads only the group's LaunchTemplate property, "
                "which a group with a MixedInstancesPolicy has not (CloudFormation allows one or the "
                "other), and throws; the policy's launch template encrypts the root volume "
                "(tests/infra checks it).",
            )
        nag.acknowledge(
            instances,
            "AS3",
            "Launch and terminate errors notify the alarm topic; successful scaling is routine for a "
            "group that scales to zero between jobs and would drown the alarms.",
        )
        # What CDK's ECS integration grants the container agent on the instances (the
        # AmazonEC2ContainerServiceforEC2Role set, cluster-scoped where IAM allows it).
        agent_reason = (
            "ECS container-agent permissions added by CDK's cluster integration; cluster-scoped where IAM allows."
        )
        nag.acknowledge(instance_role, "IAM5", agent_reason, finding="Action::ecs:Submit*")
        nag.acknowledge(instance_role, "IAM5", agent_reason, finding="Resource::*")
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
            user=WORKER_USER,
            memory_reservation_mib=12 * 1024,
            # The SDK's region: with the metadata service out of reach (hop limit 1, above) it
            # cannot ask it, and the ECS agent on EC2 has not always set these as Fargate does.
            environment={**environment, "AWS_REGION": cdk.Aws.REGION, "AWS_DEFAULT_REGION": cdk.Aws.REGION},
            logging=ecs.LogDrivers.aws_logs(stream_prefix=TRANSCRIBER.name, log_retention=logs.RetentionDays.ONE_MONTH),
            stop_timeout=cdk.Duration.seconds(30),
        )
        grant(self.task_definition.task_role, TRANSCRIBER.access, resources)
        self.placement = workflow_definition.Placement(
            self.cluster.cluster_arn, self.task_definition.task_definition_arn
        )
        nag.acknowledge_unscoped_actions(self.task_definition.obtain_execution_role())
        nag.acknowledge(
            self.task_definition,
            "ECS2",
            "The environment holds resource names only (table, bucket, model); secrets never reach "
            "it (tests/infra checks every function and task environment).",
        )


def _purchase_options(
    launch_template: ec2.LaunchTemplate, instance_types: tuple[str, ...], on_demand: int, *, spot: bool
) -> dict[str, Any]:
    """How the group buys its instances. Without Spot: the launch template's (first) type, on
    demand. With Spot: a mixed instances policy, the first ``on_demand`` instances (the stage's
    floor) on demand in the order of ``instance_types``, every one above it Spot from whichever of
    those types has the most spare capacity in the zone (capacity-optimized: the fewest
    interruptions, which cost a job its retry), and capacity rebalancing, which launches a
    replacement when EC2 flags an instance at elevated risk."""
    if not spot:
        return {"launch_template": launch_template}
    policy = autoscaling.MixedInstancesPolicy(
        launch_template=launch_template,
        launch_template_overrides=[
            autoscaling.LaunchTemplateOverrides(instance_type=ec2.InstanceType(name)) for name in instance_types
        ],
        instances_distribution=autoscaling.InstancesDistribution(
            on_demand_base_capacity=on_demand,
            on_demand_percentage_above_base_capacity=0,
            on_demand_allocation_strategy=autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
            spot_allocation_strategy=autoscaling.SpotAllocationStrategy.CAPACITY_OPTIMIZED,
        ),
    )
    return {"mixed_instances_policy": policy, "capacity_rebalance": True}
