"""The network the workers run in: a VPC over two zones (private subnets behind one NAT gateway,
with flow logs) and the ECS cluster that the transcription and vision tasks share. The workers
add their own capacity to the cluster (the transcriber its GPU instances, vision Fargate) and
their own security groups to the VPC; nothing here knows which tasks run in it."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from constructs import Construct


class Network(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=1)
        self.vpc.add_flow_log("FlowLogs")
        # One cluster for both workers (each ASL runTask names it through its own placeholder):
        # the state machine's RunTask grant is scoped to it.
        self.cluster = ecs.Cluster(self, "Cluster", vpc=self.vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)
