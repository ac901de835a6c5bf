"""Reading IAM policies out of a synthesized template."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from aws_cdk.assertions import Template


def policies_of(template: Template, function_name_part: str) -> list[dict[str, Any]]:
    """Every policy statement attached to the role of the function whose id is the part (its
    name without underscores) and CDK's hash."""
    functions = template.find_resources("AWS::Lambda::Function")
    named = re.compile(rf".*{re.escape(function_name_part)}(?:[0-9A-F]{{8}})?")
    [role_ref] = [
        f["Properties"]["Role"]["Fn::GetAtt"][0] for logical, f in functions.items() if named.fullmatch(logical)
    ]
    statements = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role_ref} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def actions(statements: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        action = statement["Action"]
        found |= {action} if isinstance(action, str) else set(action)
    return found


def statements_with_roles(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every statement of every identity policy, with the logical id of the policy holding it."""
    for logical_id, policy in template.find_resources("AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            yield logical_id, statement


def resources(statement: dict[str, Any]) -> list[Any]:
    found = statement["Resource"]
    return found if isinstance(found, list) else [found]
