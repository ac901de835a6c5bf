"""cdk-nag's AwsSolutions checks: nothing unanswered on either stage, every acknowledgement with
its reason, and the one acknowledgement that could hide a lot — IAM5 on "*" — held to the
actions that have no other form."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from cdk_nag import AwsSolutionsChecks

from infra import nag
from tests.infra.conftest import Synthesized
from tests.infra.policies import resources, statements_with_roles


@pytest.mark.parametrize("stage", ["prod", "dev"])
def test_aws_solutions_checks_leave_no_finding_unacknowledged(stage: str, prod: Synthesized, dev: Synthesized) -> None:
    synthesized = {"prod": prod, "dev": dev}[stage]
    report = AwsSolutionsChecks().validate_scope(synthesized.stack)
    findings = [f"{v.rule_name} at {r.construct_path}" for v in report.violations for r in v.violating_resources]
    assert report.success and findings == []


def test_every_acknowledgement_says_why(prod: Synthesized, dev: Synthesized) -> None:
    acknowledged: dict[str, str] = {}
    for stack in (prod.stack, dev.stack):
        for construct in stack.node.find_all():
            for entry in construct.node.metadata:
                if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                    acknowledged |= {
                        f"{construct.node.path}: {rule}": reason
                        for rule, reason in entry.data.items()
                        if nag.RULE_PACK in rule
                    }
    assert len(acknowledged) > 10  # the checks did run against acknowledged findings
    terse = {where: reason for where, reason in acknowledged.items() if len(reason.split()) < 8}
    assert terse == {}


def test_only_actions_without_resource_level_permissions_are_granted_on_everything(prod: Synthesized) -> None:
    # The GPU instances' role is CDK's ECS agent set (acknowledged in infra.transcriber): its
    # unscoped actions are either pinned to the cluster by condition or have no resource form.
    agent_actions = {
        "ecs:DiscoverPollEndpoint",
        "ecr:GetAuthorizationToken",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    unscoped: dict[str, set[str]] = {}
    for policy, statement in statements_with_roles(prod.template):
        if "*" not in resources(statement):
            continue
        granted = {statement["Action"]} if isinstance(statement["Action"], str) else set(statement["Action"])
        if policy.startswith("TranscriberInstanceRole") and ("Condition" in statement or granted <= agent_actions):
            continue
        if not granted <= nag.UNSCOPED_ACTIONS:
            unscoped[policy] = granted - nag.UNSCOPED_ACTIONS
    assert unscoped == {}


def test_no_action_wildcards_outside_the_ecs_agent(prod: Synthesized) -> None:
    wildcards = {
        (policy, action)
        for policy, statement in statements_with_roles(prod.template)
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        if "*" in action and not policy.startswith("TranscriberInstanceRole")
    }
    assert wildcards == set()
