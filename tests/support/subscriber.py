"""An EventBridge subscriber as another service would add one: a rule taking every job event
on the bus, feeding a queue the test drains."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from vidscope.events import contract as events


def subscribe(sqs: Any, bridge: Any, bus: str) -> Callable[[], list[dict[str, Any]]]:
    """Add the rule and its queue; returns ``drain()``: the events received since the last drain."""
    queue_url = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bridge.put_rule(Name="subscriber", EventBusName=bus, EventPattern=json.dumps({"source": [events.SOURCE]}))
    bridge.put_targets(Rule="subscriber", EventBusName=bus, Targets=[{"Id": "subscriber", "Arn": queue_arn}])

    def drain() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
            found += [json.loads(m["Body"]) for m in messages]
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )
        return found

    return drain
