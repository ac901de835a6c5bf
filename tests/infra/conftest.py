"""The CDK app, synthesized once per test session (no Docker: image assets are only staged)."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from infra.app import VidscopeStack, build_app


@pytest.fixture(scope="session")
def prod_template() -> Template:
    app = build_app("prod")
    stack = next(c for c in app.node.children if isinstance(c, VidscopeStack))
    return Template.from_stack(stack)
