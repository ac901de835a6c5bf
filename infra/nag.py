"""cdk-nag (AwsSolutions) runs on every synth as a CDK validation plugin, so ``cdk synth`` and
``cdk deploy`` stop at any finding nobody has answered. A finding that stays is acknowledged
next to the construct that causes it, with the reason, through these helpers."""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

RULE_PACK = "AwsSolutions"


def check(app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule: str, reason: str, *, finding: str | None = None) -> None:
    """Acknowledge ``rule`` (e.g. "IAM5") for ``scope`` and everything in it; ``finding`` names one
    finding of a rule that reports several (e.g. "Resource::*" for IAM5), and only that one."""
    finding_id = f"{RULE_PACK}-{rule}" + (f"[{finding}]" if finding else "")
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=finding_id, reason=reason))


def ref(resource: IConstruct, attribute: str | None = "Arn") -> str:
    """How cdk-nag writes a reference to ``resource`` in a finding: ``<LogicalId.Arn>`` for an
    attribute, ``<LogicalId>`` for the resource's own Ref (``attribute=None``)."""
    element = resource.node.default_child
    assert isinstance(element, cdk.CfnElement), resource.node.path
    logical_id = cdk.Stack.of(resource).get_logical_id(element)
    return f"<{logical_id}.{attribute}>" if attribute else f"<{logical_id}>"


def arn_pattern(service: str, resource: str) -> str:
    """An ARN in this stack's account and region as cdk-nag writes it, e.g. in a finding."""
    return f"arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:{resource}"


# Actions IAM offers on "*" only. They are granted that way and no other action is
# (tests/infra/test_nag.py holds every policy but the ECS agent's to this list).
UNSCOPED_ACTIONS = frozenset(
    {
        # X-Ray tracing
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        # task-token callbacks
        "states:SendTaskSuccess",
        "states:SendTaskFailure",
        "states:SendTaskHeartbeat",
        # pulling the worker image
        "ecr:GetAuthorizationToken",
        # Amazon Translate: TranslateText names a resource only for custom terminologies, which we
        # do not use (vidscope.text.translators)
        "translate:TranslateText",
        # Step Functions' vended log delivery
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    }
)


def acknowledge_unscoped_actions(scope: IConstruct) -> None:
    acknowledge(
        scope,
        "IAM5",
        "X-Ray, task-token callbacks (states:SendTask*), ECR's auth token and Step Functions' log "
        "delivery have no resource-level permissions in IAM: '*' is their only form, and "
        "tests/infra checks that no other action is granted on '*'.",
        finding="Resource::*",
    )
