"""The pipeline as deployed: the ASL file itself with every placeholder given a value, a GPU
transcription task on a cluster that scales to zero, and stage functions granted only their part."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra import config, workflow_definition
from tests.infra.conftest import Synthesized
from tests.infra.policies import actions, policies_of


def test_the_state_machine_is_the_asl_file_with_every_placeholder_substituted(prod: Synthesized) -> None:
    [machine] = prod.template.find_resources("AWS::StepFunctions::StateMachine").values()
    properties: dict[str, Any] = machine["Properties"]
    # DefinitionBody.from_file uploads the file itself as an asset: the staged copy is the ASL file.
    staged = prod.assembly / f"asset.{properties['DefinitionS3Location']['Key']}"
    assert json.loads(staged.read_text()) == json.loads(workflow_definition.ASL_PATH.read_text())
    assert set(properties["DefinitionSubstitutions"]) == workflow_definition.placeholders()
    assert "${" not in json.dumps(properties["DefinitionSubstitutions"])
    assert properties["StateMachineType"] == "STANDARD" and properties["TracingConfiguration"] == {"Enabled": True}


def test_the_transcription_task_asks_for_a_gpu_on_managed_scaling_instances(prod_template: Template) -> None:
    prod_template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like({"Name": "transcriber", "ResourceRequirements": [{"Type": "GPU", "Value": "1"}]})
            ]
        },
    )
    prod_template.has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"MinSize": "1"})
    prod_template.has_resource_properties(
        "AWS::ECS::CapacityProvider",
        {"AutoScalingGroupProvider": Match.object_like({"ManagedScaling": Match.object_like({"Status": "ENABLED"})})},
    )
    prod_template.has_resource_properties(
        "AWS::ECS::ClusterCapacityProviderAssociations",
        {"DefaultCapacityProviderStrategy": [Match.object_like({"Weight": 1})]},
    )


def test_gpu_capacity_keeps_the_stage_minimum(prod: Synthesized, dev: Synthesized) -> None:
    prod_config, dev_config = config.for_stage("prod"), config.for_stage("dev")
    assert dev_config.min_gpu_instances == 0  # dev idles at no cost
    assert prod_config.min_gpu_instances >= 1  # prod keeps one instance, and its cached image, up
    prod.template.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup", {"MinSize": str(prod_config.min_gpu_instances)}
    )
    dev.template.has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"MinSize": "0"})


def test_gpu_capacity_is_on_demand_up_to_the_stage_floor_and_spot_above_it(prod: Synthesized, dev: Synthesized) -> None:
    for synthesized, stage in ((prod, config.for_stage("prod")), (dev, config.for_stage("dev"))):
        assert stage.gpu_spot, stage.name
        [group] = synthesized.template.find_resources("AWS::AutoScaling::AutoScalingGroup").values()
        properties = group["Properties"]
        assert "LaunchTemplate" not in properties  # the mixed instances policy names it instead
        policy = properties["MixedInstancesPolicy"]
        assert policy["InstancesDistribution"] == {
            # The warm floor (min_gpu_instances) on demand, in the listed order (L4 first)...
            "OnDemandBaseCapacity": stage.min_gpu_instances,
            "OnDemandAllocationStrategy": "prioritized",
            # ...and every instance above it Spot, from the pools least likely to be interrupted.
            "OnDemandPercentageAboveBaseCapacity": 0,
            "SpotAllocationStrategy": "capacity-optimized",
        }, stage.name
        types = [override["InstanceType"] for override in policy["LaunchTemplate"]["Overrides"]]
        assert types == list(stage.gpu_instance_types) and len(types) >= 2, stage.name
        # One GPU class: each type has one 24 GB GPU for the task's gpu_count=1.
        assert set(types) <= {"g6.xlarge", "g5.xlarge"}, stage.name
        assert properties["CapacityRebalance"] is True
        [(template_id, template)] = synthesized.template.find_resources("AWS::EC2::LaunchTemplate").items()
        assert policy["LaunchTemplate"]["LaunchTemplateSpecification"]["LaunchTemplateId"] == {"Ref": template_id}
        data = template["Properties"]["LaunchTemplateData"]
        assert "gpu" in json.dumps(data["ImageId"]).lower()  # the ECS-optimized GPU AMI for every type
        # An instance given its interruption notice drains: no new task lands on it; the task it
        # runs dies with it and the Transcribe state retries it (test_asl checks that Retry).
        assert "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true" in json.dumps(data["UserData"])
        # Auto Scaling terminations (scale-in, a rebalanced Spot instance) wait on ECS's drain.
        synthesized.template.has_resource_properties(
            "AWS::ECS::CapacityProvider",
            {
                "AutoScalingGroupProvider": Match.object_like(
                    {"ManagedDraining": "ENABLED", "ManagedTerminationProtection": "DISABLED"}
                )
            },
        )
        # Auto Scaling refuses a warm pool on a group that launches Spot.
        assert not synthesized.template.find_resources("AWS::AutoScaling::WarmPool"), stage.name


def test_a_stage_cannot_ask_for_spot_and_a_warm_pool() -> None:
    with pytest.raises(ValueError, match="warm pool"):
        replace(config.STAGES["prod"], gpu_spot=True, gpu_warm_pool_instances=2)
    assert replace(config.STAGES["prod"], gpu_spot=False, gpu_warm_pool_instances=2).gpu_warm_pool_instances == 2


def test_stage_functions_get_only_their_part(prod_template: Template) -> None:
    analyze = actions(policies_of(prod_template, "analyze"))
    assert "bedrock:InvokeModel" in analyze  # declared by the summary capability
    # The analysis touches no job, tenant or key item: only the fingerprint index's partitions.
    table = [s for s in policies_of(prod_template, "analyze") if any(a.startswith("dynamodb:") for a in actions([s]))]
    assert actions(table) == {"dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"}
    for statement in table:
        leading = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        assert all(key.startswith("FPRINT#") for key in ([leading] if isinstance(leading, str) else leading))
    fail_job = actions(policies_of(prod_template, "failjob"))
    assert {"dynamodb:UpdateItem", "dynamodb:GetItem"} <= fail_job
    assert not {a for a in fail_job if a.startswith("s3:")}
    ingest = actions(policies_of(prod_template, "ingestmedia"))
    assert "s3:PutObject" in ingest and "s3:DeleteObject*" not in ingest


def test_gpu_instances_boot_from_an_encrypted_volume_and_report_failed_launches(prod_template: Template) -> None:
    [template] = prod_template.find_resources("AWS::EC2::LaunchTemplate").values()
    data = template["Properties"]["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    [volume] = data["BlockDeviceMappings"]
    assert volume["Ebs"]["Encrypted"] is True and volume["Ebs"]["VolumeSize"] >= 100
    prod_template.resource_count_is("AWS::AutoScaling::LaunchConfiguration", 0)
    [group] = prod_template.find_resources("AWS::AutoScaling::AutoScalingGroup").values()
    [notification] = group["Properties"]["NotificationConfigurations"]
    assert "autoscaling:EC2_INSTANCE_LAUNCH_ERROR" in notification["NotificationTypes"]
    assert "Observability" in notification["TopicARN"]["Ref"]  # the alarm topic
    # ECS drains instances itself: no drain-hook Lambda besides the functions of the list.
    functions = prod_template.find_resources("AWS::Lambda::Function").values()
    assert all(f["Properties"].get("PackageType") == "Image" for f in functions)
    prod_template.resource_count_is("AWS::EC2::FlowLog", 1)


def test_the_state_machine_logs_every_transition_without_customer_data(prod_template: Template) -> None:
    [machine] = prod_template.find_resources("AWS::StepFunctions::StateMachine").values()
    logging = machine["Properties"]["LoggingConfiguration"]
    assert logging["Level"] == "ALL" and logging["IncludeExecutionData"] is False
    assert machine["Properties"]["StateMachineName"] == "vidscope-prod-jobs"
    # cancel_job stops that machine's executions and no others.
    [stop] = [s for s in policies_of(prod_template, "canceljob") if "states:StopExecution" in actions([s])]
    assert json.dumps(stop["Resource"]).endswith(':execution:vidscope-prod-jobs:*"]]}')
