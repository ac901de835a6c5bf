"""Least privilege for the parts that parse hostile media: which object prefixes each role can
reach (evaluated by the real IAM evaluator against the synthesized roles), the worker container's
user, and the GPU instances' metadata service."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra.local.iam_requests import ACCOUNT
from infra.local.resources import CURSOR_SECRET_NAME
from tests.infra.conftest import Synthesized
from tests.support import iam
from vidscope.adapters import media_store
from vidscope.functions import CONTAINERS
from vidscope.settings import get_settings

_OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket")
# Keys of another tenant and job than any a role was built for: IAM cannot tell tenants apart.
_TENANT, _JOB = "ten_other", "job_other"
_KEYS = {
    "download": media_store.media_key(_TENANT, _JOB, ".mp4"),
    "staged": media_store.staged_transcript_key(_TENANT, _JOB),
    "results": media_store.result_key(_TENANT, _JOB, "summary"),
    "transcript": media_store.result_key(_TENANT, _JOB, "transcription"),
    "upload": media_store.upload_key(_TENANT, "upl_other"),
}

# Who may do what to which object, as the recorded calls show (the download and the stages'
# outputs under media/, results under tenants/); every other role reaches no object at all.
# Listing is by prefix.
_RESULTS_READER = {("s3:GetObject", "results"), ("s3:GetObject", "transcript")}
_STAGE = {("s3:GetObject", "staged"), ("s3:PutObject", "staged")}
_RESULTS = ("results", "transcript")
_OBJECT_ACCESS: dict[str, set[tuple[str, str]]] = {
    "ingest_media": {("s3:PutObject", "download"), ("s3:GetObject", "upload")},
    # Signs the PUT a client sends its file with; create_job reads the stored object's size.
    "create_upload": {("s3:PutObject", "upload")},
    "create_job": {("s3:GetObject", "upload")},
    "transcriber": {("s3:GetObject", "download"), ("s3:PutObject", "staged")},
    "vision": {("s3:GetObject", "download"), ("s3:PutObject", "staged")},
    # Reads the media to cut or re-package it (download, shorts), and to tell it still exists.
    "analyze": _STAGE | {("s3:GetObject", "download")},
    # The render function: the analysis function's code and reads (the media and a template beside it).
    "render": _STAGE | {("s3:GetObject", "download")},
    # Merging keeps the results, and removes them when its job was cancelled or deleted meanwhile;
    # a job that reuses a completed job's results reads them to copy them (DESIGN §3b, Reuse).
    "merge_results": {("s3:GetObject", "staged")}
    | {
        (action, kind)
        for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket")
        for kind in _RESULTS
    },
    "get_job": _RESULTS_READER,
    "get_transcript": _RESULTS_READER,
    "get_job_results": _RESULTS_READER,
    "dispatch_webhooks": _RESULTS_READER,
    # The upload a job was made from goes with it, by its key (no listing of uploads/).
    "delete_job": {
        (action, kind) for action in ("s3:DeleteObject", "s3:ListBucket") for kind in _KEYS if kind != "upload"
    }
    | {("s3:DeleteObject", "upload")},
}


@pytest.fixture(scope="module")
def roles(dev: Synthesized) -> dict[str, list[dict[str, Any]]]:
    """Every role's statements, resolved to the local stack's ARNs (as the conformance test does)."""
    template = json.loads(next(dev.assembly.glob("*.template.json")).read_text())
    resolver = iam.Resolver(template, get_settings(), CURSOR_SECRET_NAME)
    return {name: iam.role_statements(template, role, resolver) for name, role in iam.role_ids(template).items()}


def _case(principal: str, statements: list[dict[str, Any]], action: str, resource: str, context: dict[str, Any]) -> Any:
    return {
        "principal": iam.principal(principal),
        "action": action,
        "resource": resource,
        "context": context,
        "policies": [{"name": principal, "policy": iam.policy(statements)}],
    }


def _object_case(principal: str, statements: list[dict[str, Any]], action: str, kind: str) -> Any:
    bucket, key = get_settings().bucket_name, _KEYS[kind]
    if action == "s3:ListBucket":
        return _case(principal, statements, action, f"arn:aws:s3:::{bucket}", {"s3:prefix": [key]})
    return _case(principal, statements, action, f"arn:aws:s3:::{bucket}/{key}", {})


def test_each_role_reaches_only_the_objects_its_calls_use(roles: dict[str, list[dict[str, Any]]]) -> None:
    """Above all, ingestion (which parses hostile media) can store its download and nothing else:
    no result, transcript or other object a customer is served."""
    asked = [(name, action, kind) for name in sorted(roles) for action in _OBJECT_ACTIONS for kind in _KEYS]
    results = iam.simulate([_object_case(name, roles[name], action, kind) for name, action, kind in asked])
    allowed: dict[str, set[tuple[str, str]]] = {name: set() for name in roles}
    for (name, action, kind), result in zip(asked, results, strict=True):
        if result["result"] == "Allowed":
            allowed[name].add((action, kind))
    assert allowed == {name: _OBJECT_ACCESS.get(name, set()) for name in roles}


def test_ingestion_can_only_read_and_update_items_in_tenant_partitions(
    roles: dict[str, list[dict[str, Any]]],
) -> None:
    """The parser of hostile media creates, replaces and deletes nothing in the table. IAM's
    dynamodb:LeadingKeys sees only the partition key, so the tenant partition is as narrow as a
    grant gets: which job item (sort key) it updates is the code's conditional update."""
    table = f"arn:aws:dynamodb:{iam.REGION}:{ACCOUNT}:table/{get_settings().table_name}"
    actions = ("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:DeleteItem")
    partitions = ("TENANT#ten_other", "APIKEY#k", "RATELIMIT#key:k", "IDEMPOTENCY#k")
    asked = [(action, partition) for action in actions for partition in partitions]
    statements = roles["ingest_media"]
    results = iam.simulate(
        [_case("ingest_media", statements, a, table, {"dynamodb:LeadingKeys": [p]}) for a, p in asked]
    )
    allowed = {case for case, result in zip(asked, results, strict=True) if result["result"] == "Allowed"}
    assert allowed == {("dynamodb:GetItem", "TENANT#ten_other"), ("dynamodb:UpdateItem", "TENANT#ten_other")}


def _task(synthesized: Synthesized, name: str = "transcriber") -> dict[str, Any]:
    tasks = synthesized.template.find_resources("AWS::ECS::TaskDefinition").values()
    [task] = [t for t in tasks if [c["Name"] for c in t["Properties"]["ContainerDefinitions"]] == [name]]
    return dict(task)


def _container(synthesized: Synthesized, name: str = "transcriber") -> dict[str, Any]:
    [container] = _task(synthesized, name)["Properties"]["ContainerDefinitions"]
    found: dict[str, Any] = container
    return found


def _staged_dockerfile(synthesized: Synthesized, name: str = "transcriber") -> str:
    """The Dockerfile CDK will build the task's image from: the image asset the container names."""
    image = json.dumps(_container(synthesized, name)["Image"])
    manifest = json.loads(next(synthesized.assembly.glob("*.assets.json")).read_text())
    [source] = [a["source"] for digest, a in manifest["dockerImages"].items() if digest in image]
    directory: str = source["directory"]
    dockerfile: str = source["dockerFile"]
    return (synthesized.assembly / directory / dockerfile).read_text()


def _dockerfile_user(dockerfile: str) -> str:
    users = re.findall(r"^USER\s+(\S+)\s*$", dockerfile, flags=re.MULTILINE)
    assert users, "the Dockerfile sets no USER: the worker would run as root"
    user: str = users[-1]
    return user


@pytest.mark.parametrize("name", [c.name for c in CONTAINERS])
def test_each_worker_image_runs_as_a_fixed_non_root_uid(prod: Synthesized, name: str) -> None:
    dockerfile = _staged_dockerfile(prod, name)
    user = _dockerfile_user(dockerfile)
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) != 0, "a numeric uid, so the runtime can tell it is not root"
    assert gid.isdigit() and int(gid) != 0
    # Everything after the USER line runs unprivileged, the entrypoint included.
    assert dockerfile.index(f"USER {user}") < dockerfile.index("ENTRYPOINT")
    assert re.search(r"^ENV .*\bHOME=/\S+", dockerfile, flags=re.MULTILINE), "HOME points at the user's own directory"


@pytest.mark.parametrize("name", [c.name for c in CONTAINERS])
def test_each_task_runs_its_container_as_the_images_non_root_user(prod: Synthesized, name: str) -> None:
    container = _container(prod, name)
    assert container.get("User") == _dockerfile_user(_staged_dockerfile(prod, name))
    assert container["User"].split(":")[0] not in {"0", "root"}
    # Nothing of the host is given to it beyond the GPU.
    assert not container.get("Privileged") and not container.get("LinuxParameters", {}).get("Capabilities")


def test_containers_on_the_gpu_instances_cannot_reach_the_instance_metadata_service(
    prod: Synthesized, dev: Synthesized
) -> None:
    """In bridge mode a container's packets to 169.254.169.254 take one more hop than the host's;
    a hop limit of 1 drops IMDSv2's token response before it reaches them, so the instance role is
    out of reach while the task role still comes from the ECS agent's own endpoint."""
    for synthesized in (prod, dev):
        [template] = synthesized.template.find_resources("AWS::EC2::LaunchTemplate").values()
        options = template["Properties"]["LaunchTemplateData"]["MetadataOptions"]
        assert options["HttpTokens"] == "required"
        assert options["HttpPutResponseHopLimit"] == 1
        task = _task(synthesized)
        assert task["Properties"].get("NetworkMode", "bridge") == "bridge"  # what the hop limit is sized for
        # Without the metadata service the SDK finds its region only in the environment, which the
        # ECS agent on EC2 has not always filled in (unlike Fargate).
        environment = {e["Name"]: e["Value"] for e in _container(synthesized)["Environment"]}
        assert environment["AWS_REGION"] == environment["AWS_DEFAULT_REGION"] == {"Ref": "AWS::Region"}
