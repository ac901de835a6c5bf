"""Builds each function of ``vidscope.functions`` with the shared defaults, so no construct
writes its own ``Function(...)``: one image asset per image role (the role's package extra
only; the handler is the image's command), arm64, memory and timeout from the function list,
the stage's reserved concurrency, X-Ray tracing, Powertools settings and log retention."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag
from vidscope.functions import LAMBDA_ENVIRONMENT, FunctionSpec

REPO_ROOT = Path(__file__).resolve().parents[1]
# What the image build needs: the layer, the handlers and the package metadata.
ASSET_EXCLUDES = (
    ".venv",
    ".git",
    "cdk.out",
    "tests",
    "bench",
    "events",
    "state_machines",
    ".vidscope-local",
    "**/__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
)


class FunctionFactory(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment: dict[str, str],
        log_retention: logs.RetentionDays,
        concurrency: Mapping[str, int],
    ) -> None:
        super().__init__(scope, construct_id)
        self._environment = environment
        self._log_retention = log_retention
        self._concurrency = concurrency
        self.functions: dict[str, lambda_.Function] = {}

    def concurrency(self, spec: FunctionSpec) -> int:
        """The function's reserved concurrency (``StageConfig.function_concurrency``): no function
        is deployed without a ceiling."""
        if spec.name not in self._concurrency:
            raise ValueError(f"no reserved concurrency configured for {spec.name!r} (infra/config.py)")
        return self._concurrency[spec.name]

    def build(self, spec: FunctionSpec, **environment: str) -> lambda_.Function:
        code = lambda_.DockerImageCode.from_image_asset(
            str(REPO_ROOT),
            file="functions/lambda.Dockerfile",
            cmd=[f"{spec.module}.lambda_handler"],
            build_args={"ROLE": spec.image.value},
            exclude=list(ASSET_EXCLUDES),
        )
        log_group = logs.LogGroup(
            self, f"{spec.name}-logs", retention=self._log_retention, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        # Its own role writing only to its own log group, rather than the managed basic-execution
        # policy (which may write to every log group in the account).
        role = iam.Role(self, f"{spec.name}-role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        log_group.grant_write(role)
        function = lambda_.DockerImageFunction(
            self,
            spec.name,
            code=code,
            description=spec.description,
            architecture=lambda_.Architecture.ARM_64,
            memory_size=spec.memory_mb,
            ephemeral_storage_size=cdk.Size.mebibytes(spec.ephemeral_mb),
            timeout=cdk.Duration.seconds(spec.timeout_seconds),
            reserved_concurrent_executions=self.concurrency(spec),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            role=role,
            environment={
                **self._environment,
                **LAMBDA_ENVIRONMENT,
                **environment,
            },
        )
        nag.acknowledge_unscoped_actions(role)
        self.functions[spec.name] = function
        return function
