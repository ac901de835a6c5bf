"""The CDK app (``cdk synth`` / ``cdk deploy``). Today it deploys storage, the events and
webhooks pipeline, the GPU transcriber and the workflow; the API and observability constructs,
stage configuration and cdk-nag are still to come (issue 6)."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from infra.events import EventsAndWebhooks
from infra.grants import Resources
from infra.lambdas import FunctionFactory
from infra.storage import Storage
from infra.transcriber import Transcriber
from infra.workflow import Workflow


class VidscopeStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.storage = Storage(self, "Storage", production=stage == "prod")
        resources = Resources(table=self.storage.table, bucket=self.storage.bucket)
        factory = FunctionFactory(
            self,
            "Functions",
            environment={
                "VIDSCOPE_TABLE_NAME": self.storage.table.table_name,
                "VIDSCOPE_BUCKET_NAME": self.storage.bucket.bucket_name,
            },
            log_retention_days=90 if stage == "prod" else 30,
        )
        self.events = EventsAndWebhooks(
            self, "Events", resources=resources, factory=factory, bus_name=f"vidscope-{stage}"
        )
        self.transcriber = Transcriber(
            self,
            "Transcriber",
            resources=resources,
            environment={
                "VIDSCOPE_TABLE_NAME": self.storage.table.table_name,
                "VIDSCOPE_BUCKET_NAME": self.storage.bucket.bucket_name,
            },
            whisper_model="large-v3",
            instance_type="g6.xlarge",
            max_instances=4 if stage == "prod" else 1,
        )
        self.workflow = Workflow(self, "Workflow", resources=resources, factory=factory, transcriber=self.transcriber)


def build_app(stage: str | None = None) -> cdk.App:
    app = cdk.App()
    stage = stage or app.node.try_get_context("stage") or "dev"
    VidscopeStack(app, f"Vidscope-{stage}", stage=stage)
    return app


if __name__ == "__main__":
    build_app().synth()
