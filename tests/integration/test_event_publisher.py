"""The event publisher on moto: real table stream records in, real PutEvents out to a bus with
a subscriber rule, and EventBridge refusing entries (``FailedEntryCount``) injected around the
real client."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from werkzeug.test import Client

from infra.local.event_sources import lambda_images
from tests.integration.conftest import TenantHandle, create
from tests.support.subscriber import subscribe
from vidscope.events.publisher import EventPublisher, stream_records
from vidscope.settings import get_settings


class RefusingEvents:
    """The real EventBridge client, except that entries ``refuse(entry, call)`` picks come back
    refused with ThrottlingException, as PutEvents reports a partial failure."""

    def __init__(self, refuse: Callable[[dict[str, Any], int], bool]) -> None:
        self._real = boto3.client("events")
        self._refuse = refuse
        self.calls = 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls += 1
        refused = [self._refuse(entry, self.calls) for entry in Entries]
        accepted = [e for e, r in zip(Entries, refused, strict=True) if not r]
        results = iter(self._real.put_events(Entries=accepted)["Entries"] if accepted else [])
        entries = [
            {"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"} if r else next(results)
            for r in refused
        ]
        return {"FailedEntryCount": sum(refused), "Entries": entries}


@pytest.fixture
def subscriber(aws: None) -> Callable[[], list[dict[str, Any]]]:
    return subscribe(boto3.client("sqs"), boto3.client("events"), get_settings().event_bus_name)


def table_stream() -> list[dict[str, Any]]:
    streams = boto3.client("dynamodbstreams")
    arn = boto3.client("dynamodb").describe_table(TableName=get_settings().table_name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return list(streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"])


def created_and_cancelled(api: Client, tenant: TenantHandle) -> str:
    job_id = str(create(api, tenant).json["data"]["job_id"])
    assert api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers).status_code == 200
    # A refused transition writes nothing, so it has no stream record and no event.
    assert api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers).status_code == 409
    return job_id


def test_refused_entries_are_retried_until_accepted_and_each_change_is_published_once(
    api: Client, tenant: TenantHandle, subscriber: Callable[[], list[dict[str, Any]]]
) -> None:
    job_id = created_and_cancelled(api, tenant)
    naps: list[float] = []
    # Every entry is refused on the first two calls.
    client = RefusingEvents(lambda entry, call: call <= 2)
    publisher = EventPublisher(client, get_settings().event_bus_name, sleep=naps.append)

    assert publisher.publish_stream(stream_records(table_stream())) == []

    received = [e for e in subscriber() if e["detail"]["job_id"] == job_id]
    assert [(e["detail-type"], e["detail"]["version"]) for e in received] == [("Job Created", 1), ("Job Cancelled", 2)]
    assert all(e["source"] == "vidscope.jobs" for e in received)
    assert [e["time"][:19] for e in received] == [e["detail"]["updated_at"][:19] for e in received]
    assert client.calls == 3 and naps == [0.2, 0.4]


def test_entries_still_refused_stop_the_batch_at_their_record_and_nothing_after_is_sent(
    api: Client, tenant: TenantHandle, subscriber: Callable[[], list[dict[str, Any]]]
) -> None:
    first = created_and_cancelled(api, tenant)
    second = created_and_cancelled(api, tenant)
    records = stream_records(table_stream())
    publisher = EventPublisher(
        RefusingEvents(lambda entry, call: json.loads(entry["Detail"])["job_id"] == second),
        get_settings().event_bus_name,
        sleep=lambda _: None,
    )

    failed = publisher.publish_stream(records)

    second_created = next(r for r in records if r.events and r.events[0].detail.job_id == second)
    assert failed == [second_created.sequence_number]
    received = subscriber()
    assert {e["detail"]["job_id"] for e in received} == {first}  # nothing of the second, or after it
    # Lambda resumes from the reported record: publishing from there sends each event once.
    resumed = records[records.index(second_created) :]
    assert EventPublisher(boto3.client("events"), get_settings().event_bus_name).publish_stream(resumed) == []
    types = [(e["detail"]["job_id"], e["detail-type"]) for e in received + subscriber()]
    assert types.count((second, "Job Created")) == 1 and types.count((second, "Job Cancelled")) == 1
    assert types.count((first, "Job Created")) == 1


def test_a_table_item_with_binary_attributes_in_the_stream_stops_no_job_event(
    api: Client, tenant: TenantHandle, subscriber: Callable[[], list[dict[str, Any]]]
) -> None:
    # A fingerprint's index entry (binary attributes) is written between two changes of a job.
    job_id = str(create(api, tenant).json["data"]["job_id"])
    boto3.client("dynamodb").put_item(
        TableName=get_settings().table_name,
        Item={"PK": {"S": f"FPRINT#{tenant.tenant_id}#J#{job_id}"}, "SK": {"S": "PRINT"}, "audio": {"B": b"\x00\x01"}},
    )
    assert api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers).status_code == 200
    # The records as Lambda hands them to the function: JSON, binary as base64 text.
    delivered = [{**r, "dynamodb": lambda_images(r["dynamodb"])} for r in table_stream()]
    assert any("B" in v for r in delivered for v in r["dynamodb"].get("NewImage", {}).values())

    published = EventPublisher(boto3.client("events"), get_settings().event_bus_name)
    assert published.publish_stream(stream_records(json.loads(json.dumps(delivered, default=str)))) == []
    received = [e["detail-type"] for e in subscriber() if e["detail"]["job_id"] == job_id]
    assert received == ["Job Created", "Job Cancelled"]
