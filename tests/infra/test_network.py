"""The network both workers share (infra.network): one VPC with its flow log, one ECS cluster, the
GPU instances and the vision tasks in the VPC's private subnets, one per zone."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from vidscope.functions import TRANSCRIBER, VISION


def _one(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, resource)] = template.find_resources(resource_type).items()
    return logical_id, resource["Properties"]


def test_both_workers_run_in_the_one_cluster_of_the_one_vpc(prod_template: Template) -> None:
    vpc, _ = _one(prod_template, "AWS::EC2::VPC")
    cluster, _ = _one(prod_template, "AWS::ECS::Cluster")
    _, flow_log = _one(prod_template, "AWS::EC2::FlowLog")
    assert flow_log["ResourceId"] == {"Ref": vpc} and flow_log["ResourceType"] == "VPC"
    _, machine = _one(prod_template, "AWS::StepFunctions::StateMachine")
    substitutions = machine["DefinitionSubstitutions"]
    for worker in (TRANSCRIBER, VISION):
        assert substitutions[worker.cluster_placeholder] == {"Fn::GetAtt": [cluster, "Arn"]}, worker.name


def test_gpu_instances_and_vision_tasks_use_the_private_subnets_of_both_zones(prod_template: Template) -> None:
    vpc, _ = _one(prod_template, "AWS::EC2::VPC")
    private = {
        logical_id
        for logical_id, subnet in prod_template.find_resources("AWS::EC2::Subnet").items()
        if subnet["Properties"]["VpcId"] == {"Ref": vpc} and subnet["Properties"]["MapPublicIpOnLaunch"] is False
    }
    assert len(private) == 2
    _, group = _one(prod_template, "AWS::AutoScaling::AutoScalingGroup")
    assert {ref["Ref"] for ref in group["VPCZoneIdentifier"]} == private
    _, machine = _one(prod_template, "AWS::StepFunctions::StateMachine")
    substitutions = machine["DefinitionSubstitutions"]
    assert {substitutions[name]["Ref"] for name in VISION.subnet_placeholders} == private
    assert VISION.security_group_placeholder is not None
    [security_group] = substitutions[VISION.security_group_placeholder]["Fn::GetAtt"][:1]
    assert prod_template.to_json()["Resources"][security_group]["Properties"]["VpcId"] == {"Ref": vpc}
