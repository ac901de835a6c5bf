"""Every AWS call the functions and the transcription worker made during this test session,
evaluated against their roles in the synthesized template by a real IAM policy evaluator
(@cloud-copilot/iam-simulate).

moto authorizes everything, so these tests run last (``conformance`` marker, see
tests/conftest.py), over the calls the integration and e2e tests recorded through the local
runtime (``infra.local.aws_calls``). A denied call fails with function, action, resource and
condition keys; a grant no recorded call needed fails too, so removing any statement of
``infra/grants.py`` turns one of these red and an unneeded one cannot land.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from infra.local import aws_calls
from infra.local.resources import CURSOR_SECRET_NAME
from tests.infra.conftest import Synthesized
from tests.support import iam
from vidscope.functions import ALL_FUNCTIONS, CONTAINERS
from vidscope.settings import get_settings

# Every check needs the whole session's recording (a grant only some test exercises looks unused
# otherwise), except the denial check, which holds for any part of it.
complete = pytest.mark.conformance(complete=True)

# Statements the Lambda service uses with the function's role, never the code: its log stream,
# X-Ray, and the event source mapping's reads (the local poller records those it makes; Lambda
# also calls ListStreams, which the poller has no need of).
_RUNTIME_ACTIONS = ("logs:", "xray:")
_EVENT_SOURCE_ACTIONS = {
    "dynamodb:ListStreams",
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "sqs:ReceiveMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
}

# Granted actions no recorded call may use, each kept on purpose, with why.
_ABORT_UPLOAD = "boto3's transfer manager aborts a failed multipart upload (objects over 8 MB); test media are smaller"
_UNUSED_ON_PURPOSE: dict[str, str] = {
    **{
        f"{name}: s3:AbortMultipartUpload": _ABORT_UPLOAD
        for name in ("ingest_media", "analyze", "render", "merge_results", "transcriber", "vision")
    },
    "publish_job_events: sqs:GetQueueAttributes": "CDK's grant for the stream's on-failure queue; Lambda reads it",
    "transcriber: dynamodb:GetItem": "read only when a progress write is refused (a cancel racing the worker)",
    "vision: states:SendTaskFailure": "sent when the pictures cannot be decoded or the job ended meanwhile; the "
    "transcriber's failures exercise the same container_task code",
    "ingest_media: dynamodb:GetItem": "read only when a retry finds the job already started or cancelled",
}


def _service_side(action: str) -> bool:
    return action.startswith(_RUNTIME_ACTIONS) or action in _EVENT_SOURCE_ACTIONS


@dataclass
class Evaluated:
    statements: dict[str, list[dict[str, Any]]]  # principal → its role's statements
    calls: list[dict[str, Any]]
    results: list[dict[str, Any]]

    def cases(self, calls: list[dict[str, Any]], without: str | None = None) -> list[dict[str, Any]]:
        return [
            {
                "principal": iam.principal(call["principal"]),
                "action": call["action"],
                "resource": call["resource"],
                "context": call["context"],
                "policies": [
                    {
                        "name": call["principal"],
                        "policy": iam.policy([s for s in self.statements[call["principal"]] if s["Sid"] != without]),
                    }
                ],
            }
            for call in calls
        ]


@pytest.fixture(scope="module")
def evaluated(dev: Synthesized) -> Evaluated:
    calls = aws_calls.read(Path(os.environ[aws_calls.LOG_ENV]))
    template = json.loads(next(dev.assembly.glob("*.template.json")).read_text())
    resolver = iam.Resolver(template, get_settings(), CURSOR_SECRET_NAME)
    statements = {
        name: iam.role_statements(template, role_id, resolver) for name, role_id in iam.role_ids(template).items()
    }
    evaluated = Evaluated(statements, calls, [])
    evaluated.results = iam.simulate(evaluated.cases(calls))
    return evaluated


def _describe(call: dict[str, Any]) -> str:
    """The call, its condition keys shortened to their prefixes (ids vary from call to call)."""
    keys = ", ".join(f"{k}={sorted({_prefix(v) for v in values})}" for k, values in call["context"].items())
    return (
        f"{call['principal']}: {call['action']} on {call['resource']} ({keys or 'no condition keys'}) [{call['call']}]"
    )


def _prefix(value: str) -> str:
    return value.split("#", 1)[0] + "#…" if "#" in value else value


@pytest.mark.conformance
def test_every_recorded_call_is_allowed_by_its_role(evaluated: Evaluated) -> None:
    denied: dict[str, list[str]] = defaultdict(list)
    for call, result in zip(evaluated.calls, evaluated.results, strict=True):
        if result["result"] != "Allowed":
            denied[f"{_describe(call)} → {result['result']}"].append(json.dumps(call["context"]))
    lines = [
        f"{what}{f' (and {len(keys) - 1} more with other keys)' if len(keys) > 1 else ''}"
        for what, keys in sorted(denied.items())
    ]
    assert not lines, "calls the deployed roles would deny:\n" + "\n".join(lines)


@complete
def test_every_function_and_every_container_were_exercised(evaluated: Evaluated) -> None:
    expected = {spec.name for spec in ALL_FUNCTIONS if spec.access} | {c.name for c in CONTAINERS}
    # api_docs serves a fixed document: it authenticates nobody and touches no AWS service.
    silent = {"api_docs"}
    seen = {call["principal"] for call in evaluated.calls}
    assert expected - silent <= seen, f"no recorded call from {sorted(expected - silent - seen)}"
    assert set(evaluated.statements) >= expected, f"no role found for {sorted(expected - set(evaluated.statements))}"


def _code_statements(evaluated: Evaluated) -> Iterator[tuple[str, dict[str, Any]]]:
    for principal, statements in sorted(evaluated.statements.items()):
        for statement in statements:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if not all(_service_side(a) for a in actions):
                yield principal, statement


@complete
def test_every_grant_is_needed_by_a_recorded_call(evaluated: Evaluated) -> None:
    """Removing any one statement denies at least one recorded call (least privilege the other way)."""
    allowed_by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for call, result in zip(evaluated.calls, evaluated.results, strict=True):
        for sid in result["allowedBy"]:
            allowed_by[sid].append(call)
    unneeded = []
    for principal, statement in _code_statements(evaluated):
        calls = allowed_by.get(statement["Sid"], [])
        still = iam.simulate(evaluated.cases(calls, without=statement["Sid"])) if calls else []
        if all(r["result"] == "Allowed" for r in still):
            unneeded.append(f"{principal}: {json.dumps({k: v for k, v in statement.items() if k != 'Sid'})}")
    assert not unneeded, "grants no recorded call needs (remove them, or exercise them in a test):\n" + "\n".join(
        unneeded
    )


@complete
def test_unused_actions_are_listed(evaluated: Evaluated, record_property: Any) -> None:
    """Actions granted inside a needed statement that no call used, listed for review; the
    statement-level check above is what fails."""
    used: dict[str, set[str]] = defaultdict(set)
    for call, result in zip(evaluated.calls, evaluated.results, strict=True):
        for sid in result["allowedBy"]:
            used[sid].add(call["action"])
    unused = []
    for principal, statement in _code_statements(evaluated):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            if not any(fnmatchcase(done, action) for done in used.get(statement["Sid"], set())):
                unused.append(f"{principal}: {action}")
    distinct = {(c["principal"], c["action"], _resource_kind(c["resource"])) for c in evaluated.calls}
    record_property("distinct_calls", len(distinct))
    record_property("unused_actions", unused)
    print(f"\n{len(distinct)} distinct (function, action, resource kind) calls; unused granted actions: {unused}")
    unexplained = sorted(set(unused) - _UNUSED_ON_PURPOSE.keys())
    assert not unexplained, f"granted, never used, not explained: {unexplained}"


def _resource_kind(resource: str) -> str:
    """What a resource is, without its names: ``dynamodb index``, ``s3 object tenants/``…"""
    if resource == "*":
        return "*"
    _, _, service, _, _, rest = resource.split(":", 5)
    if service == "s3":
        return f"s3 object {rest.split('/')[1]}/" if "/" in rest else "s3 bucket"
    if service == "dynamodb":
        return "dynamodb " + ("index" if "/index/" in rest else "stream" if "/stream/" in rest else "table")
    if service == "sqs":
        return "sqs queue"
    return f"{service} {rest.split('/')[0].split(':')[0]}"
