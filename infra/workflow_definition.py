"""The job pipeline's ASL file and its ``${Placeholder}`` substitutions, shared by the CDK app
and the local runtime so both deploy the same definition."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from vidscope.functions import TRANSCRIBER, WORKFLOW_FUNCTIONS

ASL_PATH = Path(__file__).resolve().parent.parent / "state_machines" / "job_pipeline.asl.json"
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def placeholders(text: str | None = None) -> set[str]:
    return set(_PLACEHOLDER.findall(ASL_PATH.read_text() if text is None else text))


def substitutions(
    function_arns: Mapping[str, str], *, cluster_arn: str, task_definition_arn: str, container_name: str
) -> dict[str, str]:
    """Placeholder → value, from the function list; ``function_arns`` is keyed by function name."""
    values = {spec.placeholder: function_arns[spec.name] for spec in WORKFLOW_FUNCTIONS if spec.placeholder}
    values[TRANSCRIBER.cluster_placeholder] = cluster_arn
    values[TRANSCRIBER.task_definition_placeholder] = task_definition_arn
    values[TRANSCRIBER.container_name_placeholder] = container_name
    return values


def render(values: Mapping[str, str]) -> str:
    """The definition with every placeholder replaced; refuses to leave one unreplaced."""
    text = ASL_PATH.read_text()
    missing = placeholders(text) - set(values)
    if missing:
        raise ValueError(f"no value for placeholders {sorted(missing)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
