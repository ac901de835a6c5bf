"""The job pipeline's ASL file and its ``${Placeholder}`` substitutions, shared by the CDK app
and the local runtime so both deploy the same definition."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vidscope.functions import CONTAINERS, WORKFLOW_FUNCTIONS

ASL_PATH = Path(__file__).resolve().parent.parent / "state_machines" / "job_pipeline.asl.json"
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def placeholders(text: str | None = None) -> set[str]:
    return set(_PLACEHOLDER.findall(ASL_PATH.read_text() if text is None else text))


@dataclass(frozen=True)
class Placement:
    """Where a container task of the workflow runs."""

    cluster_arn: str
    task_definition_arn: str
    subnets: tuple[str, ...] = ()  # Fargate (awsvpc) tasks only
    security_group: str | None = None


def substitutions(function_arns: Mapping[str, str], placements: Mapping[str, Placement]) -> dict[str, str]:
    """Placeholder → value, from the function and container lists; ``function_arns`` and
    ``placements`` are keyed by function and container name."""
    values = {spec.placeholder: function_arns[spec.name] for spec in WORKFLOW_FUNCTIONS if spec.placeholder}
    for container in CONTAINERS:
        placement = placements[container.name]
        values[container.cluster_placeholder] = placement.cluster_arn
        values[container.task_definition_placeholder] = placement.task_definition_arn
        values[container.container_name_placeholder] = container.name
        if len(placement.subnets) != len(container.subnet_placeholders):
            raise ValueError(f"{container.name} runs in {len(container.subnet_placeholders)} subnets")
        values.update(zip(container.subnet_placeholders, placement.subnets, strict=True))
        if container.security_group_placeholder is not None:
            if placement.security_group is None:
                raise ValueError(f"{container.name} runs with a security group: give one")
            values[container.security_group_placeholder] = placement.security_group
    return values


def render(values: Mapping[str, str]) -> str:
    """The definition with every placeholder replaced; refuses to leave one unreplaced."""
    text = ASL_PATH.read_text()
    missing = placeholders(text) - set(values)
    if missing:
        raise ValueError(f"no value for placeholders {sorted(missing)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
