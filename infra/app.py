"""The CDK app (``cdk synth`` / ``cdk deploy -c stage=prod``). One construct per concern; the
stack only wires them."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra import nag
from infra.api import Api
from infra.config import StageConfig, for_stage
from infra.events import EventsAndWebhooks
from infra.grants import Resources
from infra.lambdas import FunctionFactory
from infra.network import Network
from infra.observability import Observability
from infra.storage import Storage
from infra.transcriber import Transcriber
from infra.vision import Vision
from infra.workflow import Workflow


class VidscopeStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.observability = Observability(self, "Observability", config=config)
        self.storage = Storage(
            self, "Storage", production=config.production, media_expiry_days=config.media_expiry_days
        )
        resources = Resources(table=self.storage.table, bucket=self.storage.bucket)
        data = {
            "VIDSCOPE_TABLE_NAME": self.storage.table.table_name,
            "VIDSCOPE_BUCKET_NAME": self.storage.bucket.bucket_name,
        }
        factory = FunctionFactory(
            self,
            "Functions",
            environment=data,
            log_retention=config.log_retention,
            concurrency=config.function_concurrency,
        )
        self.events = EventsAndWebhooks(
            self, "Events", resources=resources, factory=factory, bus_name=f"vidscope-{config.name}"
        )
        # The VPC and the ECS cluster that both workers run in.
        self.network = Network(self, "Network")
        self.transcriber = Transcriber(
            self,
            "Transcriber",
            network=self.network,
            resources=resources,
            environment=data,
            whisper_model=config.whisper_model,
            instance_types=config.gpu_instance_types,
            max_instances=config.max_gpu_instances,
            min_instances=config.min_gpu_instances,
            warm_pool_instances=config.gpu_warm_pool_instances,
            spot=config.gpu_spot,
            alarm_topic=self.observability.topic,
        )
        self.vision = Vision(self, "Vision", resources=resources, environment=data, network=self.network)
        resources.state_machine_name = f"vidscope-{config.name}-jobs"
        self.workflow = Workflow(
            self,
            "Workflow",
            name=resources.state_machine_name,
            resources=resources,
            factory=factory,
            transcriber=self.transcriber,
            vision=self.vision,
        )
        resources.state_machine = self.workflow.state_machine
        # Signs pagination cursors; read from Secrets Manager by the functions, never an env value.
        resources.cursor_secret = secretsmanager.Secret(
            self,
            "CursorSecret",
            description="Signs Vidscope pagination cursors",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=48, exclude_punctuation=True),
        )
        nag.acknowledge(
            resources.cursor_secret,
            "SMG4",
            "Rotating the key invalidates every pagination cursor in flight; it guards no data (a "
            "cursor only resumes a list the caller may already read) and is rotated by hand.",
        )
        self.api = Api(
            self,
            "Api",
            config=config,
            resources=resources,
            factory=factory,
            environment={
                "VIDSCOPE_STATE_MACHINE_ARN": self.workflow.state_machine.state_machine_arn,
                "VIDSCOPE_CURSOR_SECRET_NAME": resources.cursor_secret.secret_name,
                "VIDSCOPE_WEBHOOK_QUEUE_URL": self.events.webhook_queue.queue_url,
                "VIDSCOPE_WEBHOOK_DLQ_URL": self.events.webhook_dlq.queue_url,
            },
        )
        self.observability.watch(
            api=self.api.rest_api,
            state_machine=self.workflow.state_machine,
            dead_letter_queues={"WebhookDlq": self.events.webhook_dlq, "PublisherDlq": self.events.publisher_dlq},
        )


def build_app(stage: str | None = None, *, outdir: str | None = None) -> cdk.App:
    """The app; ``outdir`` when run outside the CDK CLI (which passes its own through CDK_OUTDIR)."""
    app = cdk.App(outdir=outdir) if outdir else cdk.App()
    name = stage or app.node.try_get_context("stage") or "dev"
    config = for_stage(
        name,
        domain_name=app.node.try_get_context("domain_name"),
        certificate_arn=app.node.try_get_context("certificate_arn"),
        alarm_email=app.node.try_get_context("alarm_email"),
    )
    VidscopeStack(app, f"Vidscope-{name}", config=config)
    nag.check(app)
    return app


if __name__ == "__main__":
    build_app().synth()
