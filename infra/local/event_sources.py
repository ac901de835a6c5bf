"""The local stand-in for Lambda's event source pollers.

AWS Lambda feeds a function from a queue or a table stream by polling it: it long-polls SQS
(delayed and in-flight messages stay hidden), invokes the function with a batch, and deletes
the messages the function did not report in ``batchItemFailures``; for a stream it reads the
shard in order and, on a failure, resumes from the first failed record, up to the mapping's
``MaximumRetryAttempts``; then it sends the batch's position to the mapping's on-failure
destination (the record Lambda sends, ``DDBStreamBatchInfo``) and moves past it. moto creates the
mappings but does none of that faithfully (see ``moto_patches.poll_event_sources_like_lambda``),
so this poller does it, one thread per mapping, through the ordinary AWS APIs against the local
endpoint: ``ReceiveMessage``/``DeleteMessageBatch``, ``GetRecords``, and ``Invoke`` (which moto
hands to the real handler in-process).
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from infra.local import aws_calls
from vidscope.log import logger

_MAX_BACKOFF_SECONDS = 5.0
STREAM_POLL_SECONDS = 0.25  # an idle stream shard's poll interval


def _invoke(lambdas: Any, function_arn: str, event: dict[str, Any]) -> set[str] | None:
    """Invoke synchronously; the reported failed item ids, or None if the function raised."""
    response = lambdas.invoke(FunctionName=function_arn, Payload=json.dumps(event, default=str).encode())
    body = response["Payload"].read()
    if response.get("FunctionError"):
        logger.warning("event source batch failed", extra={"function": function_arn, "error": body[:500]})
        return None
    result = json.loads(body) if body else None
    failures = (result or {}).get("batchItemFailures", []) if isinstance(result, dict) else []
    return {str(f["itemIdentifier"]) for f in failures}


class _Source(threading.Thread):
    def __init__(
        self,
        mapping: dict[str, Any],
        client: Callable[[str], Any],
        stop: threading.Event,
        max_backoff_seconds: float = _MAX_BACKOFF_SECONDS,
    ) -> None:
        super().__init__(name=f"event-source-{mapping['UUID'][:8]}", daemon=True)
        self.mapping = mapping
        self.function_arn: str = mapping["FunctionArn"]
        self.source_arn: str = mapping["EventSourceArn"]
        self.batch_size = int(mapping.get("BatchSize") or 10)
        self._lambdas = client("lambda")
        self._stopping = stop
        self._backoff = 0.0
        self._max_backoff = max_backoff_seconds

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll()
                self._backoff = 0.0
            except Exception:
                if self._stopping.is_set():
                    return  # the local AWS is going away
                logger.exception("event source poll failed", extra={"source": self.source_arn})
                self.back_off()

    def back_off(self) -> None:
        self._backoff = min(max(self._backoff * 2, 0.1), self._max_backoff)
        self._stopping.wait(self._backoff)

    def poll(self) -> None:
        raise NotImplementedError


class _QueueSource(_Source):
    def __init__(
        self, mapping: dict[str, Any], client: Callable[[str], Any], stop: threading.Event, max_backoff_seconds: float
    ) -> None:
        super().__init__(mapping, client, stop, max_backoff_seconds)
        self._sqs = client("sqs")
        _, _, _, region, account, name = self.source_arn.split(":")
        self._region = region
        self._queue_url = self._sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]

    def poll(self) -> None:
        messages = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=min(self.batch_size, 10),
            WaitTimeSeconds=1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return
        event = {"Records": [self._record(m) for m in messages]}
        failed = _invoke(self._lambdas, self.function_arn, event)
        if failed is None:
            return  # every message becomes visible again when its visibility timeout ends
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {
                name: {"stringValue": value.get("StringValue"), "dataType": value["DataType"]}
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.source_arn,
            "awsRegion": self._region,
        }


class _StreamSource(_Source):
    """Reads the table's stream in order. The iterator is taken afresh from the last record read
    on every poll: when moto cancels a transaction it puts back a copy of the table, stream
    shard included, and an iterator held across that would keep reading the discarded shard."""

    def __init__(
        self, mapping: dict[str, Any], client: Callable[[str], Any], stop: threading.Event, max_backoff_seconds: float
    ) -> None:
        super().__init__(mapping, client, stop, max_backoff_seconds)
        self._streams = client("dynamodbstreams")
        self._sqs = client("sqs")
        # -1 or absent: retry until the records expire, as Lambda does.
        retries = mapping.get("MaximumRetryAttempts")
        self.retry_attempts: int | None = None if retries is None or retries < 0 else int(retries)
        self.on_failure: str | None = ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        self._retried = 0  # failed invocations of the batch that starts after _last_read
        shards = self._streams.describe_stream(StreamArn=self.source_arn)["StreamDescription"]["Shards"]
        self._shard_id = shards[0]["ShardId"]  # moto keeps one shard per table
        # Starting position LATEST: what was written before the mapping existed (a restored
        # local state) is not a change to publish.
        self._last_read: str | None = self._newest()

    def _newest(self) -> str | None:
        iterator = self._streams.get_shard_iterator(
            StreamArn=self.source_arn, ShardId=self._shard_id, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        newest = None
        while records := (page := self._streams.get_records(ShardIterator=iterator, Limit=1000))["Records"]:
            newest = records[-1]["dynamodb"]["SequenceNumber"]
            iterator = page["NextShardIterator"]
        return newest

    def _iterator(self) -> str:
        kwargs: dict[str, Any] = {"StreamArn": self.source_arn, "ShardId": self._shard_id}
        if self._last_read is None:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=self._last_read)
        return str(self._streams.get_shard_iterator(**kwargs)["ShardIterator"])

    def poll(self) -> None:
        records = self._streams.get_records(ShardIterator=self._iterator(), Limit=self.batch_size)["Records"]
        if not records:
            # Lambda reads a stream shard "at a base rate of 4 times per second" (the Lambda
            # developer guide, DynamoDB streams): faster, the local poller alone took a fifth of
            # a core on a 2-core machine, idle.
            self._stopping.wait(STREAM_POLL_SECONDS)
            return
        event = {"Records": [self._record(r) for r in records]}
        failed = _invoke(self._lambdas, self.function_arn, event)
        sequence_numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
        if failed is not None and not failed:
            self._last_read, self._retried = sequence_numbers[-1], 0
            return
        if self.retry_attempts is not None and self._retried >= self.retry_attempts:
            # Retries exhausted: park the batch's position and move past it, as Lambda does.
            self._send_to_on_failure(records, function_error=failed is None)
            self._last_read, self._retried = sequence_numbers[-1], 0
            return
        if failed:
            # ReportBatchItemFailures: resume from the lowest failed sequence number; a retry
            # that starts further on is a new batch.
            first = sequence_numbers.index(min(failed, key=int))
            if first > 0:
                self._last_read, self._retried = sequence_numbers[first - 1], 0
        # On a function error Lambda retries the whole batch from its first record.
        self._retried += 1
        self.back_off()

    def _send_to_on_failure(self, records: list[dict[str, Any]], *, function_error: bool) -> None:
        """The invocation record Lambda sends to a stream mapping's on-failure destination: the
        batch's position in the shard, not its records (those stay readable for 24 hours)."""
        logger.error(
            "stream batch failed every retry; parked",
            extra={"function": self.function_arn, "retries": self._retried, "batch_size": len(records)},
        )
        if self.on_failure is None:
            return  # no destination: Lambda drops the batch
        arrivals = [r["dynamodb"].get("ApproximateCreationDateTime") for r in records]
        response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if function_error:
            response["functionError"] = "Unhandled"
        body = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.function_arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self._retried + 1,
            },
            "responseContext": response,
            "version": "1.0",
            "timestamp": _iso(datetime.now(UTC)),
            "DDBStreamBatchInfo": {
                "shardId": self._shard_id,
                "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso(arrivals[0]),
                "approximateArrivalOfLastRecord": _iso(arrivals[-1]),
                "batchSize": len(records),
                "streamArn": self.source_arn,
            },
        }
        _, _, _, _, account, name = self.on_failure.split(":")
        queue_url = self._sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        self._sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))

    def _record(self, record: dict[str, Any]) -> dict[str, Any]:
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            change["ApproximateCreationDateTime"] = created.timestamp()
        return {**record, "dynamodb": lambda_images(change), "eventSourceARN": self.source_arn}


def lambda_images(change: dict[str, Any]) -> dict[str, Any]:
    """A stream record's change with its keys and images as Lambda's event carries them."""
    images = ("Keys", "NewImage", "OldImage")
    return {
        field: {name: lambda_attribute(v) for name, v in value.items()} if field in images else value
        for field, value in change.items()
    }


def lambda_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """An attribute value as a stream event carries it to Lambda: JSON, so binary as base64 text
    (GetRecords through boto3 gives bytes)."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode() for b in inner]}
    if kind == "M":
        return {"M": {name: lambda_attribute(v) for name, v in inner.items()}}
    if kind == "L":
        return {"L": [lambda_attribute(v) for v in inner]}
    return value


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class EventSourcePoller:
    """Polls every event source mapping of the local Lambda service."""

    def __init__(self, client: Callable[[str], Any], *, max_backoff_seconds: float = _MAX_BACKOFF_SECONDS) -> None:
        self._client = client
        self._max_backoff = max_backoff_seconds
        self._stop = threading.Event()
        self._sources: list[_Source] = []

    def start(self) -> EventSourcePoller:
        for mapping in self._client("lambda").list_event_source_mappings()["EventSourceMappings"]:
            kind = _StreamSource if ":dynamodb:" in mapping["EventSourceArn"] else _QueueSource
            source = kind(mapping, self._role_clients(mapping["FunctionArn"]), self._stop, self._max_backoff)
            source.start()
            self._sources.append(source)
        return self

    def _role_clients(self, function_arn: str) -> Callable[[str], Any]:
        """Lambda reads the source and writes the on-failure destination with the function's
        role, so those calls are recorded as the function's; invoking it is the service's own."""
        name = function_arn.rsplit(":", 1)[-1]

        def client(service: str) -> Any:
            made = self._client(service)
            return made if service == "lambda" else aws_calls.attribute(made, name)

        return client

    def stop(self) -> None:
        self._stop.set()
        for source in self._sources:
            source.join(timeout=5)
