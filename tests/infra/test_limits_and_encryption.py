"""What an IaC scanner checks and the stack answers: every queue and the alarm topic encrypted at
rest (the topic with a rotating key that CloudWatch alarms may use), every function under the
reserved-concurrency ceiling its stage's configuration sets, and no bucket relying on ACLs."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.config import STAGES
from infra.lambdas import FunctionFactory
from tests.infra.conftest import Synthesized
from vidscope import catalog
from vidscope.functions import ALL_FUNCTIONS

# Lambda's default concurrency per account and region, and what it keeps unreserved.
ACCOUNT_CONCURRENCY = 1000
MINIMUM_UNRESERVED = 100


def _resources(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    return {logical: r["Properties"] for logical, r in template.find_resources(resource_type).items()}


def test_every_queue_is_encrypted_at_rest(prod_template: Template) -> None:
    queues = _resources(prod_template, "AWS::SQS::Queue")
    assert len(queues) == 3  # webhooks, their DLQ, the publisher's DLQ
    unencrypted = [q for q, p in queues.items() if not (p.get("SqsManagedSseEnabled") or p.get("KmsMasterKeyId"))]
    assert unencrypted == []


def test_the_alarm_topic_is_encrypted_with_a_rotating_key_that_cloudwatch_alarms_may_use(
    prod_template: Template,
) -> None:
    [topic] = _resources(prod_template, "AWS::SNS::Topic").values()
    key_id = topic["KmsMasterKeyId"]["Fn::GetAtt"][0]  # our own key, not the AWS-managed aws/sns
    key = _resources(prod_template, "AWS::KMS::Key")[key_id]
    assert key["EnableKeyRotation"] is True
    [cloudwatch] = [
        s for s in key["KeyPolicy"]["Statement"] if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert cloudwatch["Effect"] == "Allow"
    assert set(cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    # The topic's own policy lets this account's alarms publish, over TLS only.
    [policy] = _resources(prod_template, "AWS::SNS::TopicPolicy").values()
    statements = policy["PolicyDocument"]["Statement"]
    [publish] = [s for s in statements if s["Effect"] == "Allow"]
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"} and publish["Action"] == "sns:Publish"
    assert publish["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s) for s in statements)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_function_reserves_the_concurrency_its_stage_configures(
    stage: str, request: pytest.FixtureRequest
) -> None:
    synthesized: Synthesized = request.getfixturevalue(stage)
    [factory] = [c for c in synthesized.stack.node.find_all() if isinstance(c, FunctionFactory)]
    functions = _resources(synthesized.template, "AWS::Lambda::Function")
    reserved = {
        name: functions[synthesized.stack.get_logical_id(_cfn(function))].get("ReservedConcurrentExecutions")
        for name, function in factory.functions.items()
    }
    assert reserved == dict(STAGES[stage].function_concurrency)
    # ... and no function comes from anywhere else (CDK's own helpers would have none).
    assert len(functions) == len(factory.functions)


def test_the_functions_that_hold_the_media_have_room_for_the_largest_allowed(prod: Synthesized) -> None:
    [factory] = [c for c in prod.stack.node.find_all() if isinstance(c, FunctionFactory)]
    functions = _resources(prod.template, "AWS::Lambda::Function")
    storage = {
        name: functions[prod.stack.get_logical_id(_cfn(function))].get("EphemeralStorage", {}).get("Size", 512)
        for name, function in factory.functions.items()
    }
    largest_mib = catalog.MAX_MEDIA_BYTES // 2**20
    assert storage["ingest_media"] > largest_mib  # the download
    assert storage["analyze"] > 2 * largest_mib  # the media and its re-packaged copy (download, shorts)
    assert storage["render"] > 3 * largest_mib  # the media, a template and the rendered copy (style)
    assert {name for name, size in storage.items() if size > 512} == {"ingest_media", "analyze", "render"}


def test_the_ceilings_cover_every_function_and_leave_the_account_pool_unreserved() -> None:
    for config in STAGES.values():
        assert set(config.function_concurrency) == {spec.name for spec in ALL_FUNCTIONS}, config.name
    # Both stages may share one account.
    reserved = sum(sum(config.function_concurrency.values()) for config in STAGES.values())
    assert reserved <= ACCOUNT_CONCURRENCY - MINIMUM_UNRESERVED


def test_the_webhook_poller_never_runs_more_batches_than_the_dispatcher_may(prod_template: Template) -> None:
    [queue_mapping] = [
        m for m in _resources(prod_template, "AWS::Lambda::EventSourceMapping").values() if "ScalingConfig" in m
    ]
    ceiling = STAGES["prod"].function_concurrency["dispatch_webhooks"]
    assert queue_mapping["ScalingConfig"] == {"MaximumConcurrency": ceiling}
    assert "Functionsdispatchwebhooks" in queue_mapping["FunctionName"]["Ref"]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_no_bucket_uses_acls_and_access_logs_arrive_by_bucket_policy(
    stage: str, request: pytest.FixtureRequest
) -> None:
    template: Template = request.getfixturevalue(stage).template
    buckets = _resources(template, "AWS::S3::Bucket")
    assert [b for b, p in buckets.items() if "AccessControl" in p] == []
    for properties in buckets.values():
        assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    [media] = [p for p in buckets.values() if "LoggingConfiguration" in p]
    log_bucket = media["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
    [policy] = [p for p in _resources(template, "AWS::S3::BucketPolicy").values() if p["Bucket"] == {"Ref": log_bucket}]
    [delivery] = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "logging.s3.amazonaws.com"}
    ]
    assert delivery["Effect"] == "Allow" and delivery["Action"] == "s3:PutObject"
    # Only the media bucket's logs, from this account.
    assert delivery["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::GetAtt"][0] in buckets
    assert delivery["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def _cfn(construct: cdk.Resource) -> cdk.CfnElement:
    element = construct.node.default_child
    assert isinstance(element, cdk.CfnElement)
    return element
