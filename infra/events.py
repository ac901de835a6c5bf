"""Events and webhooks: the bus, the publisher fed by the table's stream, the rule that sends
finished jobs with a webhook to the webhook queue, the dispatcher and its DLQ — all from
``vidscope.events.routing`` and ``vidscope.functions``."""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_eventschemas as eventschemas
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import nag
from infra.grants import Resources, grant
from infra.lambdas import FunctionFactory
from vidscope.events import contract as job_events
from vidscope.events import routing as event_routing
from vidscope.functions import function


def _queue(scope: Construct, construct_id: str, **kwargs: object) -> sqs.Queue:
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        **kwargs,  # type: ignore[arg-type]
    )


class EventsAndWebhooks(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, resources: Resources, factory: FunctionFactory, bus_name: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", event_bus_name=bus_name)
        self.webhook_dlq = _queue(
            self, "WebhookDlq", retention_period=cdk.Duration.seconds(event_routing.WEBHOOK_DLQ_RETENTION_SECONDS)
        )
        self.webhook_queue = _queue(
            self,
            "WebhookQueue",
            visibility_timeout=cdk.Duration.seconds(event_routing.WEBHOOK_QUEUE_VISIBILITY_SECONDS),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.webhook_dlq, max_receive_count=event_routing.WEBHOOK_QUEUE_MAX_RECEIVES
            ),
        )
        # Stream batches that keep failing after every retry are parked here for ops.
        self.publisher_dlq = _queue(self, "PublisherDlq", retention_period=cdk.Duration.days(14))
        nag.acknowledge(
            self.publisher_dlq,
            "SQS3",
            "This is a dead-letter queue: the stream event source's on-failure destination (which "
            "cdk-nag does not recognise as one, unlike a redrive target); its depth is alarmed.",
        )
        pattern = event_routing.webhook_rule_pattern()
        events.Rule(
            self,
            "WebhookRule",
            rule_name=event_routing.WEBHOOK_RULE_NAME,
            event_bus=self.bus,
            event_pattern=events.EventPattern(
                source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern["detail"]
            ),
            targets=[targets.SqsQueue(self.webhook_queue)],
        )
        # Subscribers find each detail-type's schema (and code bindings) in the registry.
        registry = eventschemas.CfnRegistry(
            self, "Schemas", registry_name=f"{bus_name}-events", description="Vidscope job events"
        )
        for detail_type, schema in job_events.registry_schemas().items():
            eventschemas.CfnSchema(
                self,
                f"Schema{detail_type.name.title().replace('_', '')}",
                registry_name=registry.attr_registry_name,
                schema_name=f"{job_events.SOURCE}@{detail_type.value.replace(' ', '')}",
                type="JSONSchemaDraft4",
                content=json.dumps(schema, sort_keys=True),
                description=schema["title"],
            )
        resources.bus, resources.webhook_queue, resources.webhook_dlq = self.bus, self.webhook_queue, self.webhook_dlq

        spec = function("publish_job_events")
        assert spec.event_source is not None and spec.event_source.retry_attempts is not None
        self.publisher = factory.build(spec, VIDSCOPE_EVENT_BUS_NAME=self.bus.event_bus_name)
        self.publisher.add_event_source(
            sources.DynamoEventSource(
                resources.table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=spec.event_source.batch_size,
                report_batch_item_failures=True,
                # The same figure the local poller reads from the function list.
                retry_attempts=spec.event_source.retry_attempts,
                on_failure=sources.SqsDlq(self.publisher_dlq),
            )
        )
        grant(self.publisher, spec.access, resources)

        spec = function("dispatch_webhooks")
        self.dispatcher = factory.build(
            spec,
            VIDSCOPE_WEBHOOK_QUEUE_URL=self.webhook_queue.queue_url,
            VIDSCOPE_WEBHOOK_DLQ_URL=self.webhook_dlq.queue_url,
            VIDSCOPE_WEBHOOK_SECRET_PREFIX=resources.webhook_secret_prefix,
        )
        # The poller runs no more batches at once than the function's reserved concurrency allows:
        # a throttled batch would count as a receive and could reach the DLQ undelivered.
        assert spec.event_source is not None
        self.dispatcher.add_event_source(
            sources.SqsEventSource(
                self.webhook_queue,
                batch_size=spec.event_source.batch_size,
                report_batch_item_failures=True,
                max_concurrency=factory.concurrency(spec),
            )
        )
        grant(self.dispatcher, spec.access, resources)
