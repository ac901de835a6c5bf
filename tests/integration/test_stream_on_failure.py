"""The local table-stream poller gives up on a batch as Lambda does: after the mapping's
``MaximumRetryAttempts`` (the same figure CDK deploys, from ``vidscope.functions``) it sends the
batch's position to the on-failure queue and moves on. Real moto stream and SQS; the Lambda
service's Invoke answers with a function error for the poisoned record, as a publisher that
always fails would."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import boto3
import pytest

from infra.local import moto_patches, resources
from infra.local.event_sources import EventSourcePoller
from vidscope.adapters import table
from vidscope.functions import function
from vidscope.settings import get_settings

PUBLISHER = function("publish_job_events")


class FailingLambda:
    """The real Lambda client, except that Invoke fails (``FunctionError: Unhandled``) for any
    batch holding the poisoned key, and records every batch it was given."""

    def __init__(self, poison: str) -> None:
        self._real = boto3.client("lambda")
        self._poison = poison
        self.batches: list[list[str]] = []

    def list_event_source_mappings(self, **kwargs: Any) -> dict[str, Any]:
        return dict(self._real.list_event_source_mappings(**kwargs))

    def invoke(self, FunctionName: str, Payload: bytes) -> dict[str, Any]:
        keys = [r["dynamodb"]["Keys"][table.PARTITION_KEY]["S"] for r in json.loads(Payload)["Records"]]
        self.batches.append(keys)
        if self._poison in keys:
            error = {"errorType": "PutEventsFailed", "errorMessage": "EventBridge refused every entry"}
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps(error).encode())}
        return {"StatusCode": 200, "Payload": io.BytesIO(b'{"batchItemFailures": []}')}


@pytest.fixture
def stream_mapping(aws: None) -> tuple[str, str]:
    """The publisher's mapping as ``infra.local.resources`` creates it; (table, DLQ URL)."""
    moto_patches.poll_event_sources_like_lambda()  # moto must not push records itself
    table_name = get_settings().table_name
    stream_arn = boto3.client("dynamodb").describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
    role = boto3.client("iam").create_role(RoleName="publisher", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lambdas = boto3.client("lambda")
    arn = lambdas.create_function(
        FunctionName=PUBLISHER.name, Runtime="python3.12", Role=role, Handler="h", Code={"ZipFile": b"PK"}
    )["FunctionArn"]
    sqs = boto3.client("sqs")
    dlq_url = sqs.create_queue(QueueName=resources.PUBLISHER_DLQ_NAME)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert PUBLISHER.event_source is not None
    lambdas.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=arn,
        BatchSize=PUBLISHER.event_source.batch_size,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        StartingPosition="LATEST",
        MaximumRetryAttempts=PUBLISHER.event_source.retry_attempts,
        DestinationConfig={"OnFailure": {"Destination": dlq_arn}},
    )
    return table_name, dlq_url


def _put(table_name: str, key: str) -> None:
    boto3.client("dynamodb").put_item(
        TableName=table_name, Item={table.PARTITION_KEY: {"S": key}, table.SORT_KEY: {"S": "x"}}
    )


def _wait(condition: Any, what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_batch_that_fails_every_retry_is_parked_in_the_on_failure_queue_and_the_poller_moves_on(
    stream_mapping: tuple[str, str],
) -> None:
    table_name, dlq_url = stream_mapping
    lambdas = FailingLambda(poison="TENANT#poison")
    clients = {"lambda": lambdas, "dynamodbstreams": boto3.client("dynamodbstreams"), "sqs": boto3.client("sqs")}
    poller = EventSourcePoller(clients.__getitem__, max_backoff_seconds=0.01).start()
    try:
        # Given a change the publisher can never publish
        _put(table_name, "TENANT#poison")
        # When the poller has tried it once and retried it as often as the cloud's mapping would
        sqs = boto3.client("sqs")
        [message] = _wait(lambda: sqs.receive_message(QueueUrl=dlq_url).get("Messages"), "the on-failure record")
        # Then the batch's position (not its records) is parked, in the record Lambda sends
        parked = json.loads(message["Body"])
        retries = PUBLISHER.event_source.retry_attempts if PUBLISHER.event_source else None
        assert retries == 20
        assert lambdas.batches == [["TENANT#poison"]] * (retries + 1)
        assert parked["requestContext"]["condition"] == "RetryAttemptsExhausted"
        assert parked["requestContext"]["approximateInvokeCount"] == retries + 1
        assert parked["responseContext"]["functionError"] == "Unhandled"
        info = parked["DDBStreamBatchInfo"]
        assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"]
        assert ":table/" in info["streamArn"] and "/stream/" in info["streamArn"]
        # And the next change is delivered: the poller moved past the parked batch
        _put(table_name, "TENANT#healthy")
        _wait(lambda: lambdas.batches[-1] == ["TENANT#healthy"], "the next batch")
        assert lambdas.batches.count(["TENANT#poison"]) == retries + 1
    finally:
        poller.stop()
