"""The CDK app (``cdk synth`` / ``cdk deploy``). Today it deploys storage; the API, workflow,
transcriber, events and observability constructs join it issue by issue."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from infra.storage import Storage


class VidscopeStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.storage = Storage(self, "Storage", production=stage == "prod")


def build_app(stage: str | None = None) -> cdk.App:
    app = cdk.App()
    stage = stage or app.node.try_get_context("stage") or "dev"
    VidscopeStack(app, f"Vidscope-{stage}", stage=stage)
    return app


if __name__ == "__main__":
    build_app().synth()
