"""The quota table and how payloads are measured against it (no AWS)."""

from __future__ import annotations

import json

import pytest

from infra.local import quotas as local_quotas
from vidscope.adapters import quotas


def test_every_quota_names_its_figure_its_measure_its_error_and_an_aws_source() -> None:
    for quota in quotas.QUOTAS:
        assert quota.limit_bytes > 0 and quota.name and quota.measured and quota.rejected_with
        assert "https://docs.aws.amazon.com/" in quota.source or "https://aws.amazon.com/" in quota.source


def test_the_figures_are_the_ones_aws_publishes() -> None:
    assert quotas.STEP_FUNCTIONS_STATE.limit_bytes == 262_144
    assert quotas.LAMBDA_SYNC_REQUEST.limit_bytes == 6_291_456
    assert quotas.LAMBDA_SYNC_RESPONSE.limit_bytes == 6_291_556
    assert quotas.LAMBDA_ASYNC_EVENT.limit_bytes == quotas.SQS_MESSAGE.limit_bytes == 1_048_576
    assert quotas.EVENTBRIDGE_PUT_EVENTS.limit_bytes == 1_048_576
    assert quotas.DYNAMODB_ITEM.limit_bytes == 409_600


def test_state_payloads_count_utf8_bytes_of_compact_json() -> None:
    assert quotas.state_payload_bytes({"a": "é"}) == len('{"a":"é"}'.encode())
    assert quotas.state_payload_bytes('{"a": 1}') == 8  # a string is taken as the JSON text itself


def test_a_put_events_entry_counts_time_as_14_bytes_plus_its_utf8_fields() -> None:
    entry = {"Source": "vidscope.jobs", "DetailType": "Job Completed", "Detail": '{"x":"é"}', "Time": 1}
    assert quotas.put_events_entry_bytes(entry) == 14 + 13 + 13 + len('{"x":"é"}'.encode())
    assert quotas.put_events_entry_bytes({**entry, "Time": None, "Resources": ["arn:a", "arn:b"]}) == 13 + 13 + 10 + 10


def test_an_sqs_message_counts_its_body_and_each_attribute_name_type_and_value() -> None:
    attributes = {"reason": {"DataType": "String", "StringValue": "timeout"}}
    assert quotas.sqs_message_bytes("héllo", attributes) == 6 + 6 + 6 + 7


def test_a_dynamodb_item_counts_names_values_and_container_overhead() -> None:
    item = {
        "PK": {"S": "TENANT#t"},
        "n": {"N": "12345"},
        "ok": {"BOOL": True},
        "tags": {"L": [{"S": "ab"}, {"NULL": True}]},
        "m": {"M": {"k": {"S": "v"}}},
    }
    expected = (2 + 8) + (1 + 4) + (2 + 1) + (4 + 3 + (1 + 2) + (1 + 1)) + (1 + 3 + (1 + 1 + 1))
    assert quotas.dynamodb_item_bytes(item) == expected


def test_a_lambda_response_over_the_quota_is_lambdas_function_error() -> None:
    at_limit = "x" * (quotas.LAMBDA_SYNC_RESPONSE.limit_bytes - 2)  # its JSON adds the two quotes
    local_quotas.check_lambda_response("fn", at_limit)
    with pytest.raises(local_quotas.ResponseSizeTooLarge) as raised:
        local_quotas.check_lambda_response("fn", at_limit + "x")
    assert raised.value.error_type == "Function.ResponseSizeTooLarge"
    assert "6291556 bytes" in str(raised.value)


def test_a_lambda_event_over_the_quota_never_reaches_the_function() -> None:
    event = {"body": "x" * quotas.LAMBDA_SYNC_REQUEST.limit_bytes}
    assert quotas.lambda_payload_bytes(event) == len(json.dumps(event))
    with pytest.raises(local_quotas.RequestTooLargeException, match="smaller than 6291456 bytes"):
        local_quotas.check_lambda_request("fn", event)


def test_the_largest_payload_per_kind_is_kept_for_the_report() -> None:
    log = local_quotas.PayloadLog()
    log.record(quotas.SQS_MESSAGE, "q message", 10)
    log.record(quotas.SQS_MESSAGE, "q message", 30)
    log.record(quotas.SQS_MESSAGE, "q message", 20)
    [seen] = log.observations()
    assert (seen.what, seen.largest_bytes) == ("q message", 30) and seen.share == 30 / 1_048_576
