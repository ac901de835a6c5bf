"""The CDK app, synthesized once per test session (no Docker: image assets are only staged)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from infra.app import VidscopeStack, build_app


@dataclass(frozen=True)
class Synthesized:
    stack: VidscopeStack
    template: Template
    assembly: Path  # the cloud assembly directory (cdk.out), with the staged assets


def _synthesize(stage: str) -> Synthesized:
    # build_app adds the cdk-nag checks, so synth itself fails on an unacknowledged finding.
    app = build_app(stage)
    stack = next(c for c in app.node.children if isinstance(c, VidscopeStack))
    template = Template.from_stack(stack)
    return Synthesized(stack, template, Path(app.synth().directory))


@pytest.fixture(scope="session")
def prod() -> Synthesized:
    return _synthesize("prod")


@pytest.fixture(scope="session")
def dev() -> Synthesized:
    return _synthesize("dev")


@pytest.fixture(scope="session")
def prod_template(prod: Synthesized) -> Template:
    return prod.template
