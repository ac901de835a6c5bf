"""The synthesized roles, resolved to the local stack's ARNs, and a real IAM evaluator to test
recorded calls against them.

A template's policies name resources through CloudFormation intrinsics (``Ref``, ``Fn::GetAtt``,
``Fn::Join``…). Each resource Vidscope's code touches is resolved to the ARN the same resource
has in the local stack: the table, bucket, bus and queues are found through the environment the
template gives the functions (``VIDSCOPE_TABLE_NAME: {Ref: …}``), which names the same settings
the local stack reads; named resources (the state machine, whose name the StopExecution grant
spells out) are renamed to their local names. Everything else (log groups, …) resolves to an
ARN no local call can carry, so a grant on it never allows a recorded call by accident.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.local import resources as local_resources
from infra.local.iam_requests import ACCOUNT, SECRET_SUFFIX
from vidscope.events import routing as event_routing
from vidscope.functions import ALL_FUNCTIONS, CONTAINERS, FunctionSpec
from vidscope.settings import Settings

REGION = "us-east-1"
SIMULATOR = Path(__file__).resolve().parent / "iam_simulator"
_PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "Vidscope-local",
}
# The local publisher's on-failure queue is named like the cloud construct's id.
PUBLISHER_DLQ_NAME = "vidscope-publisher-dlq"


@dataclass(frozen=True)
class _Local:
    ref: str
    attributes: Mapping[str, str]


def _local(kind: str, name: str) -> _Local:
    """What ``Ref`` and ``Fn::GetAtt`` give for a resource of CloudFormation type ``kind`` named ``name`` locally."""
    if kind == "AWS::DynamoDB::GlobalTable" or kind == "AWS::DynamoDB::Table":
        arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
        # moto labels the stream with its creation time; the grant is on this table's stream.
        return _Local(name, {"Arn": arn, "StreamArn": f"{arn}/stream/*"})
    if kind == "AWS::S3::Bucket":
        return _Local(name, {"Arn": f"arn:aws:s3:::{name}"})
    if kind == "AWS::SQS::Queue":
        arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
        return _Local(f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}", {"Arn": arn, "QueueName": name})
    if kind == "AWS::Events::EventBus":
        return _Local(name, {"Arn": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}", "Name": name})
    if kind == "AWS::StepFunctions::StateMachine":
        arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
        return _Local(arn, {"Arn": arn, "Name": name})
    if kind == "AWS::SecretsManager::Secret":
        return _Local(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}{SECRET_SUFFIX}", {})
    if kind == "AWS::Lambda::Function":
        return _Local(name, {"Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"})
    if kind == "AWS::ECS::Cluster":
        return _Local(name, {"Arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{name}"})
    raise ValueError(f"no local form for {kind}")


def _function_of(properties: Mapping[str, Any]) -> FunctionSpec | None:
    """Which function of the list a Lambda resource runs (its image's command names the handler)."""
    command = properties.get("ImageConfig", {}).get("Command", [""])[0]
    return next((spec for spec in ALL_FUNCTIONS if command == f"{spec.module}.lambda_handler"), None)


class Resolver:
    """Resolves a template's intrinsics to the local stack's names and ARNs."""

    def __init__(self, template: Mapping[str, Any], settings: Settings, cursor_secret_name: str) -> None:
        self.template = template
        self.resources: Mapping[str, Any] = template["Resources"]
        self.locals: dict[str, _Local] = {}
        self.renames: dict[str, str] = {}
        by_env = {
            "VIDSCOPE_TABLE_NAME": settings.table_name,
            "VIDSCOPE_BUCKET_NAME": settings.bucket_name,
            "VIDSCOPE_EVENT_BUS_NAME": settings.event_bus_name,
            "VIDSCOPE_WEBHOOK_QUEUE_URL": event_routing.WEBHOOK_QUEUE_NAME,
            "VIDSCOPE_WEBHOOK_DLQ_URL": event_routing.WEBHOOK_DLQ_NAME,
            "VIDSCOPE_STATE_MACHINE_ARN": local_resources.STATE_MACHINE_NAME,
        }
        for logical_id, resource in self.resources.items():
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::Lambda::Function":
                spec = _function_of(properties)
                if spec is not None:
                    self.locals[logical_id] = _local(resource["Type"], spec.name)
                for env, value in properties.get("Environment", {}).get("Variables", {}).items():
                    if env in by_env and isinstance(value, Mapping) and "Ref" in value:
                        target = value["Ref"]
                        self.locals[target] = _local(self.resources[target]["Type"], by_env[env])
            elif resource["Type"] == "AWS::Lambda::EventSourceMapping":
                destination = properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
                if isinstance(destination, Mapping) and "Fn::GetAtt" in destination:
                    target = destination["Fn::GetAtt"][0]
                    self.locals[target] = _local("AWS::SQS::Queue", PUBLISHER_DLQ_NAME)
            elif resource["Type"] == "AWS::SecretsManager::Secret":
                self.locals[logical_id] = _local(resource["Type"], cursor_secret_name)
            elif resource["Type"] == "AWS::ECS::Cluster":
                self.locals[logical_id] = _local(resource["Type"], local_resources.CLUSTER_NAME)
        # A name written out as text in a grant (the state machine's, for its executions).
        for logical_id, local in self.locals.items():
            cloud_name = self.resources[logical_id].get("Properties", {}).get("StateMachineName")
            if isinstance(cloud_name, str):
                self.renames[cloud_name] = local.attributes["Name"]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._renamed(value)
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            [(key, argument)] = value.items()
            intrinsic = self._intrinsics().get(key)
            if intrinsic is not None:
                return intrinsic(argument)
        return {k: self.resolve(v) for k, v in value.items()}

    def _intrinsics(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::Sub": self._sub,
        }

    def _renamed(self, value: str) -> str:
        for cloud, renamed in sorted(self.renames.items(), key=lambda kv: -len(kv[0])):
            value = value.replace(f":{cloud}:", f":{renamed}:").replace(f":{cloud}/", f":{renamed}/")
        return value

    def _ref(self, argument: str) -> str:
        if argument in _PSEUDO:
            return _PSEUDO[argument]
        local = self.locals.get(argument)
        return local.ref if local else f"cfn-unmapped-{argument}"

    def _get_att(self, argument: Any) -> Any:
        logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
        local = self.locals.get(logical_id)
        if local is None:
            return f"arn:aws:cfn-unmapped:{REGION}:{ACCOUNT}:{logical_id}/{attribute}"
        return local.attributes[attribute]

    def _join(self, argument: Any) -> str:
        separator, parts = argument
        return str(separator).join(str(self.resolve(p)) for p in parts)

    def _select(self, argument: Any) -> Any:
        index, items = argument
        return self.resolve(items)[int(self.resolve(index))]

    def _split(self, argument: Any) -> list[str]:
        separator, text = argument
        return str(self.resolve(text)).split(separator)

    def _sub(self, argument: Any) -> str:
        text: str
        variables: Mapping[str, Any]
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        for name, replacement in variables.items():
            text = text.replace(f"${{{name}}}", str(self.resolve(replacement)))
        while "${" in text:
            start = text.index("${")
            end = text.index("}", start)
            name = text[start + 2 : end]
            logical_id, _, attribute = name.partition(".")
            resolved = self.resolve({"Fn::GetAtt": [logical_id, attribute]} if attribute else {"Ref": name})
            text = text[:start] + str(resolved) + text[end + 1 :]
        return text


def role_ids(template: Mapping[str, Any]) -> dict[str, str]:
    """Each function's (and each container task's) role, by logical id."""
    found: dict[str, str] = {}
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Lambda::Function":
            spec = _function_of(properties)
            if spec is not None:
                found[spec.name] = properties["Role"]["Fn::GetAtt"][0]
        elif resource["Type"] == "AWS::ECS::TaskDefinition":
            names = {c.get("Name") for c in properties.get("ContainerDefinitions", [])}
            for container in CONTAINERS:
                if container.name in names:
                    found[container.name] = properties["TaskRoleArn"]["Fn::GetAtt"][0]
    return found


def role_statements(template: Mapping[str, Any], role_id: str, resolver: Resolver) -> list[dict[str, Any]]:
    """Every identity-policy statement of the role, resolved, each with a Sid naming where it came from."""
    statements: list[dict[str, Any]] = []
    role = template["Resources"][role_id]["Properties"]
    sources: list[tuple[str, Any]] = [(p["PolicyName"], p["PolicyDocument"]) for p in role.get("Policies", [])]
    assert not role.get("ManagedPolicyArns"), f"{role_id} has managed policies; resolve them too"
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in resource["Properties"]["Roles"]:
            sources.append((logical_id, resource["Properties"]["PolicyDocument"]))
    for name, document in sources:
        for index, statement in enumerate(document["Statement"]):
            resolved = resolver.resolve(statement)
            resolved["Sid"] = f"{''.join(ch for ch in name if ch.isalnum())}x{index}"
            statements.append(resolved)
    return statements


def policy(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def principal(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}-role"


def simulate(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evaluate each case ({principal, action, resource, context, policies}) with
    @cloud-copilot/iam-simulate: its result (Allowed, ImplicitlyDenied, ExplicitlyDenied) and the
    Sids of the statements that allowed it."""
    completed = subprocess.run(  # noqa: S603 - our own script, with JSON on stdin
        ["node", str(SIMULATOR / "simulate.mjs")],  # noqa: S607 - node from PATH, as jsii finds it for CDK
        input=json.dumps(cases).encode(),
        capture_output=True,
        check=True,
        timeout=600,
    )
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    return results
