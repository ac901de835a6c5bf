"""Events and webhooks as deployed: the schema registry, the webhook queue's DLQ and retry
limits, the rule from the shared pattern, partial-batch event sources, and grants no wider than
each function needs."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match, Template

from tests.infra.policies import actions, policies_of
from vidscope.events import contract as events
from vidscope.events import routing as event_routing


def test_the_webhook_queue_parks_poison_messages_in_its_dlq(prod_template: Template) -> None:
    prod_template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "VisibilityTimeout": event_routing.WEBHOOK_QUEUE_VISIBILITY_SECONDS,
            "RedrivePolicy": {
                "deadLetterTargetArn": Match.any_value(),
                "maxReceiveCount": event_routing.WEBHOOK_QUEUE_MAX_RECEIVES,
            },
            "SqsManagedSseEnabled": True,
        },
    )
    prod_template.has_resource_properties(
        "AWS::SQS::Queue", {"MessageRetentionPeriod": event_routing.WEBHOOK_DLQ_RETENTION_SECONDS}
    )


def test_the_rule_is_the_shared_pattern_and_targets_the_webhook_queue(prod_template: Template) -> None:
    [rule] = prod_template.find_resources("AWS::Events::Rule").values()
    assert rule["Properties"]["EventPattern"] == event_routing.webhook_rule_pattern()
    assert rule["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][1] == "Arn"


def test_both_event_sources_report_partial_batch_failures(prod_template: Template) -> None:
    mappings = prod_template.find_resources("AWS::Lambda::EventSourceMapping")
    assert len(mappings) == 2
    for mapping in mappings.values():
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    [stream] = [m for m in mappings.values() if "StartingPosition" in m["Properties"]]
    assert stream["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]


def test_event_functions_are_granted_only_what_they_touch(prod_template: Template) -> None:
    publisher = policies_of(prod_template, "publishjobevents")
    dispatcher = policies_of(prod_template, "dispatchwebhooks")
    assert "events:PutEvents" in actions(publisher)
    stream_reads = {
        "dynamodb:ListStreams",
        "dynamodb:DescribeStream",
        "dynamodb:GetShardIterator",
        "dynamodb:GetRecords",
    }
    assert {a for a in actions(publisher) if a.startswith("dynamodb:")} == stream_reads  # its stream, no items
    assert "events:PutEvents" not in actions(dispatcher)
    [secret] = [s for s in dispatcher if s["Action"] == "secretsmanager:GetSecretValue"]
    assert json.dumps(secret["Resource"]).endswith(':secret:vidscope/webhook-secrets/*"]]}')
    for statement in publisher + dispatcher:
        assert statement["Action"] != "*" and not any(a.endswith(":*") for a in actions([statement]))
    table_writes = [s for s in dispatcher if "dynamodb:PutItem" in actions([s])]
    assert table_writes and all("dynamodb:LeadingKeys" in json.dumps(s["Condition"]) for s in table_writes)


def test_functions_run_on_arm64_with_tracing_and_their_own_image_command(prod_template: Template) -> None:
    for function in prod_template.find_resources("AWS::Lambda::Function").values():
        properties = function["Properties"]
        if properties.get("PackageType") != "Image":
            continue  # CDK's own helper functions (log retention, auto-delete)
        assert properties["Architectures"] == ["arm64"]
        assert properties["TracingConfig"] == {"Mode": "Active"}
        assert properties["ImageConfig"]["Command"][0].startswith("functions.")


def test_each_function_writes_only_its_own_log_group_without_managed_policies(prod_template: Template) -> None:
    functions = {
        logical: f["Properties"]
        for logical, f in prod_template.find_resources("AWS::Lambda::Function").items()
        if f["Properties"].get("PackageType") == "Image"
    }
    roles = prod_template.find_resources("AWS::IAM::Role")
    for logical, properties in functions.items():
        role = properties["Role"]["Fn::GetAtt"][0]
        assert "ManagedPolicyArns" not in roles[role]["Properties"], logical
        log_group = properties["LoggingConfig"]["LogGroup"]["Ref"]
        [logs] = [s for s in policies_of(prod_template, logical) if "logs:PutLogEvents" in actions([s])]
        assert logs["Resource"] == {"Fn::GetAtt": [log_group, "Arn"]}, logical


def test_each_detail_type_is_published_in_the_schema_registry(prod_template: Template) -> None:
    prod_template.resource_count_is("AWS::EventSchemas::Registry", 1)
    published = {
        s["Properties"]["SchemaName"]: s["Properties"]
        for s in prod_template.find_resources("AWS::EventSchemas::Schema").values()
    }
    expected = events.registry_schemas()
    assert set(published) == {f"vidscope.jobs@{t.value.replace(' ', '')}" for t in expected}
    for detail_type, schema in expected.items():
        properties = published[f"vidscope.jobs@{detail_type.value.replace(' ', '')}"]
        assert properties["Type"] == "JSONSchemaDraft4"
        assert json.loads(properties["Content"]) == schema
