"""cfn-lint, AWS's CloudFormation linter, over every template either stage synthesizes: no error,
and no warning but those below, each kept for the reason next to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cfnlint.api import lint_file
from cfnlint.config import ManualArgs
from cfnlint.rules import Match

from tests.infra.conftest import Synthesized

# The stacks are environment-agnostic; us-east-1 (cfn-lint's primary region) offers every
# resource type and instance type they use.
REGIONS = ["us-east-1"]

# Warnings that stay: rule id -> (why, the findings it covers, as a pattern on the message).
ACCEPTED_WARNINGS: dict[str, tuple[str, str]] = {
    "W3005": (
        # CDK makes a function (and the state machine) depend on its role and on the role's
        # default policy, so that it is created only once its permissions exist. The policy half
        # is what matters; the role half repeats what the GetAtt on the role already orders.
        # Harmless, and CDK's to emit.
        "CDK's DependsOn on a role the resource already references",
        r"dependency already enforced by a 'GetAtt' at 'Resources/[^/]+/Properties/Role(Arn)?'$",
    ),
}


def _unaccepted(match: Match) -> bool:
    accepted = ACCEPTED_WARNINGS.get(match.rule.id)
    return accepted is None or not re.search(accepted[1], match.message)


def _lint(template: Path) -> list[str]:
    matches = lint_file(template, config=ManualArgs(regions=REGIONS))
    return [
        f"{template.name}: {m.rule.id} {m.message} at {'/'.join(map(str, m.path or []))}"
        for m in matches
        if _unaccepted(m)
    ]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_template_passes_cfn_lint_with_only_accepted_warnings(stage: str, request: pytest.FixtureRequest) -> None:
    synthesized: Synthesized = request.getfixturevalue(stage)
    templates = sorted(synthesized.assembly.glob("*.template.json"))
    assert templates, f"no template in {synthesized.assembly}"
    findings = [finding for template in templates for finding in _lint(template)]
    assert findings == []


def test_the_linter_reports_errors_and_warnings_outside_the_accepted_ones(tmp_path: Path) -> None:
    # Given a template with an error, and a redundant DependsOn that a Ref (not a role's GetAtt)
    # already enforces
    template = tmp_path / "probe.template.json"
    template.write_text(
        """{"Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "soon"}},
            "Topic": {"Type": "AWS::SNS::Topic", "DependsOn": "Queue",
                      "Properties": {"DisplayName": {"Ref": "Queue"}}}}}"""
    )
    # When it is linted, then both are reported
    assert {finding.split()[1] for finding in _lint(template)} >= {"E3012", "W3005"}
