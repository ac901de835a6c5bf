"""The CDK app, synthesized once per test session (no Docker: image assets are only staged)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from infra.app import VidscopeStack, build_app


@dataclass(frozen=True)
class Synthesized:
    template: Template
    assembly: Path  # the cloud assembly directory (cdk.out), with the staged assets


@pytest.fixture(scope="session")
def prod() -> Synthesized:
    app = build_app("prod")
    stack = next(c for c in app.node.children if isinstance(c, VidscopeStack))
    template = Template.from_stack(stack)
    return Synthesized(template, Path(app.synth().directory))


@pytest.fixture(scope="session")
def prod_template(prod: Synthesized) -> Template:
    return prod.template
