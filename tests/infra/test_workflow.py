"""The pipeline as deployed: the ASL file itself with every placeholder given a value, a GPU
transcription task on a cluster that scales to zero, and stage functions granted only their part."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match, Template

from infra import workflow_definition
from tests.infra.conftest import Synthesized
from tests.infra.test_events import actions, policies_of


def test_the_state_machine_is_the_asl_file_with_every_placeholder_substituted(prod: Synthesized) -> None:
    [machine] = prod.template.find_resources("AWS::StepFunctions::StateMachine").values()
    properties: dict[str, Any] = machine["Properties"]
    # DefinitionBody.from_file uploads the file itself as an asset: the staged copy is the ASL file.
    staged = prod.assembly / f"asset.{properties['DefinitionS3Location']['Key']}"
    assert json.loads(staged.read_text()) == json.loads(workflow_definition.ASL_PATH.read_text())
    assert set(properties["DefinitionSubstitutions"]) == workflow_definition.placeholders()
    assert "${" not in json.dumps(properties["DefinitionSubstitutions"])
    assert properties["StateMachineType"] == "STANDARD" and properties["TracingConfiguration"] == {"Enabled": True}


def test_the_transcription_task_asks_for_a_gpu_on_instances_that_scale_to_zero(prod_template: Template) -> None:
    prod_template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like({"Name": "transcriber", "ResourceRequirements": [{"Type": "GPU", "Value": "1"}]})
            ]
        },
    )
    prod_template.has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"MinSize": "0"})
    prod_template.has_resource_properties(
        "AWS::ECS::CapacityProvider",
        {"AutoScalingGroupProvider": Match.object_like({"ManagedScaling": Match.object_like({"Status": "ENABLED"})})},
    )
    prod_template.has_resource_properties(
        "AWS::ECS::ClusterCapacityProviderAssociations",
        {"DefaultCapacityProviderStrategy": [Match.object_like({"Weight": 1})]},
    )


def test_stage_functions_get_only_their_part(prod_template: Template) -> None:
    summarize = actions(policies_of(prod_template, "summarize"))
    assert "bedrock:InvokeModel" in summarize
    assert not {a for a in summarize if a.startswith("dynamodb:")}  # analysis never touches the table
    fail_job = actions(policies_of(prod_template, "failjob"))
    assert {"dynamodb:UpdateItem", "dynamodb:GetItem"} <= fail_job
    assert not {a for a in fail_job if a.startswith("s3:")}
    ingest = actions(policies_of(prod_template, "ingestmedia"))
    assert "s3:PutObject" in ingest and "s3:DeleteObject*" not in ingest
