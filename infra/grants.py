"""Turns each ``vidscope.functions.Access`` into the narrowest IAM grant that allows it. The
function list says what a function may touch; this is the only place that says how."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import nag
from vidscope.access import Access
from vidscope.adapters import media_store
from vidscope.adapters import table as table_definition
from vidscope.settings import Settings


@dataclass
class Resources:
    table: dynamodb.TableV2
    bucket: s3.IBucket
    bus: events.IEventBus | None = None
    webhook_queue: sqs.IQueue | None = None
    webhook_dlq: sqs.IQueue | None = None
    webhook_secret_prefix: str = Settings.model_fields["webhook_secret_prefix"].default
    bedrock_model_id: str = Settings.model_fields["bedrock_model_id"].default
    cursor_secret: secretsmanager.ISecret | None = None
    state_machine: sfn.IStateMachine | None = None
    state_machine_name: str | None = None


def _leading_keys(*prefixes: str) -> dict[str, dict[str, list[str]]]:
    return {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{p}*" for p in prefixes]}}


# Downloaded media (media/) and results (tenants/) are granted apart, so that ingestion, which
# parses hostile media, can write its download and nothing a customer is later served. Each
# function serves every tenant, so the tenant is checked by the app (objects are found through
# the tenant's own job item), not by IAM: a key pattern is as narrow as a grant gets.
_ANY_JOB_MEDIA = media_store.media_key("*", "*", "*")  # media/tenants/*/jobs/*/source*
_ANY_STAGE_OUTPUT = media_store.staged_key("*", "*", "*")  # media/tenants/*/jobs/*/stage/*
_ANY_UPLOAD = media_store.upload_key("*", "*")  # uploads/*/*
_OBJECT_ACCESS: dict[Access, tuple[tuple[str, ...], str]] = {
    Access.READ_MEDIA: (("s3:GetObject",), _ANY_JOB_MEDIA),
    Access.WRITE_MEDIA: (("s3:PutObject", "s3:AbortMultipartUpload"), _ANY_JOB_MEDIA),
    Access.DELETE_MEDIA: (("s3:DeleteObject",), f"{media_store.MEDIA_PREFIX}*"),
    Access.READ_RESULTS: (("s3:GetObject",), f"{media_store.RESULTS_PREFIX}*"),
    Access.WRITE_RESULTS: (("s3:PutObject", "s3:AbortMultipartUpload"), f"{media_store.RESULTS_PREFIX}*"),
    Access.DELETE_RESULTS: (("s3:DeleteObject",), f"{media_store.RESULTS_PREFIX}*"),
    Access.READ_STAGED: (("s3:GetObject",), _ANY_STAGE_OUTPUT),
    Access.WRITE_UPLOADS: (("s3:PutObject",), _ANY_UPLOAD),
    Access.READ_UPLOADS: (("s3:GetObject",), _ANY_UPLOAD),
    Access.DELETE_UPLOADS: (("s3:DeleteObject",), _ANY_UPLOAD),
    Access.WRITE_STAGED: (("s3:PutObject", "s3:AbortMultipartUpload"), _ANY_STAGE_OUTPUT),
}
_OBJECTS_REASON = (
    "Objects are keyed {pattern} per tenant and job; one function serves every tenant and job, "
    "found through the tenant's own job item, so the grant can be no narrower than this pattern."
)


# What each table access allows: actions, the partition-key prefixes (dynamodb:LeadingKeys) and
# whether the status index is included.
_TABLE_ACCESS: dict[Access, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    # The rate-limit window is counted, and the previous one read to weigh it (vidscope.tenancy.ratelimit).
    Access.RATE_LIMIT: (("dynamodb:GetItem", "dynamodb:UpdateItem"), ("RATELIMIT#",), False),
    Access.AUTHENTICATE: (("dynamodb:GetItem",), ("APIKEY#", "TENANT#"), False),
    Access.READ_JOBS: (("dynamodb:GetItem",), ("TENANT#",), False),
    Access.QUERY_JOBS: (("dynamodb:Query",), ("TENANT#",), True),
    Access.FETCH_JOBS: (("dynamodb:BatchGetItem",), ("TENANT#",), False),
    Access.CHECK_JOBS: (("dynamodb:ConditionCheckItem",), ("TENANT#",), False),
    Access.PUT_JOBS: (("dynamodb:PutItem",), ("TENANT#",), False),
    Access.UPDATE_JOBS: (("dynamodb:UpdateItem",), ("TENANT#",), False),
    Access.DELETE_JOBS: (("dynamodb:DeleteItem",), ("TENANT#",), False),
    Access.FIND_REUSABLE: (("dynamodb:Query",), ("TENANT#",), False),
    # The fingerprint index's own partitions (FPRINT#): no job item is reachable through them.
    Access.MATCH_FINGERPRINTS: (
        ("dynamodb:Query", "dynamodb:BatchGetItem"),
        (table_definition.FINGERPRINT_PREFIX,),
        False,
    ),
    Access.STORE_FINGERPRINTS: (("dynamodb:BatchWriteItem",), (table_definition.FINGERPRINT_PREFIX,), False),
    Access.REMOVE_FINGERPRINTS: (
        ("dynamodb:GetItem", "dynamodb:BatchWriteItem"),
        (table_definition.FINGERPRINT_PREFIX,),
        False,
    ),
}


def _table_statements(access: frozenset[Access], resources: Resources) -> list[iam.PolicyStatement]:
    """One statement per distinct (key prefixes, resources): each action gets the union of the
    prefixes its accesses allow, so no two statements grant the same action on the same keys
    (each is then needed on its own, which the IAM conformance test checks)."""
    prefixes: dict[str, set[str]] = {}
    indexed: set[str] = set()
    for item in access & _TABLE_ACCESS.keys():
        actions, item_prefixes, with_index = _TABLE_ACCESS[item]
        for action in actions:
            prefixes.setdefault(action, set()).update(item_prefixes)
            if with_index:
                indexed.add(action)
    grouped: dict[tuple[tuple[str, ...], bool], list[str]] = {}
    for action, allowed in sorted(prefixes.items()):
        grouped.setdefault((tuple(sorted(allowed)), action in indexed), []).append(action)
    table_arn = resources.table.table_arn
    indexes = [f"{table_arn}/index/{index.name}" for index in table_definition.INDEXES]
    return [
        iam.PolicyStatement(
            actions=actions,
            resources=[table_arn, *indexes] if with_index else [table_arn],
            conditions=_leading_keys(*allowed),
        )
        for (allowed, with_index), actions in grouped.items()
    ]


@dataclass(frozen=True)
class _Grant:
    """One function's grant in the making: its role and the statements so far."""

    function: iam.IGrantable
    grantee: Construct  # the role, whose policy the findings are about
    resources: Resources
    statements: list[iam.PolicyStatement]

    @property
    def stack(self) -> cdk.Stack:
        return cdk.Stack.of(self.grantee)

    def allow(self, actions: Sequence[str], resources: list[str], conditions: dict[str, Any] | None = None) -> None:
        self.statements.append(iam.PolicyStatement(actions=list(actions), resources=resources, conditions=conditions))


def _objects(grant: _Grant, item: Access) -> None:
    actions, pattern = _OBJECT_ACCESS[item]
    bucket = grant.resources.bucket
    grant.allow(actions, [bucket.arn_for_objects(pattern)])
    nag.acknowledge(
        grant.grantee,
        "IAM5",
        _OBJECTS_REASON.format(pattern=pattern),
        finding=f"Resource::{nag.ref(bucket)}/{pattern}",
    )
    if item in (Access.DELETE_MEDIA, Access.DELETE_RESULTS):
        # Listing finds what a job stored (delete_job_objects), under the same prefix.
        grant.allow(["s3:ListBucket"], [bucket.bucket_arn], {"StringLike": {"s3:prefix": [pattern]}})


def _put_events(grant: _Grant, item: Access) -> None:
    assert grant.resources.bus is not None
    grant.resources.bus.grant_put_events_to(grant.function)


def _send_to_queue(grant: _Grant, item: Access) -> None:
    # SendMessage alone (CDK's grant_send_messages adds GetQueueAttributes/GetQueueUrl, which no
    # code calls); the queues use SQS-managed encryption, so no KMS grant.
    queue = grant.resources.webhook_queue if item is Access.QUEUE_WEBHOOKS else grant.resources.webhook_dlq
    assert queue is not None
    grant.allow(["sqs:SendMessage"], [queue.queue_arn])


def _read_webhook_secrets(grant: _Grant, item: Access) -> None:
    prefix = grant.resources.webhook_secret_prefix
    secrets = grant.stack.format_arn(
        service="secretsmanager",
        resource="secret",
        resource_name=f"{prefix}*",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    grant.allow(["secretsmanager:GetSecretValue"], [secrets])
    nag.acknowledge(
        grant.grantee,
        "IAM5",
        "One secret per tenant, created when the tenant is onboarded (vidscope.webhooks.secrets), "
        "so the dispatcher reads by the name prefix; nothing else is stored under it.",
        finding=f"Resource::{nag.arn_pattern('secretsmanager', f'secret:{prefix}*')}",
    )


def _task_callback(grant: _Grant, item: Access) -> None:
    # Task-token callbacks have no resource-level permissions in IAM: "*" is the only form.
    grant.allow(["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"], ["*"])
    nag.acknowledge_unscoped_actions(grant.grantee)


def _invoke_model(grant: _Grant, item: Access) -> None:
    model = grant.stack.format_arn(
        service="bedrock",
        account="",
        resource="foundation-model",
        resource_name=grant.resources.bedrock_model_id,
    )
    grant.allow(["bedrock:InvokeModel"], [model])


def _translate(grant: _Grant, item: Access) -> None:
    # Amazon Translate has no resource to scope TranslateText to (no ARN for the call).
    grant.allow(["translate:TranslateText"], ["*"])
    nag.acknowledge(
        grant.grantee,
        "IAM5",
        "Amazon Translate's TranslateText supports no resource-level permission: '*' is the only resource.",
        finding="Resource::*",
    )


def _read_cursor_secret(grant: _Grant, item: Access) -> None:
    # GetSecretValue alone (CDK's grant_read adds DescribeSecret, which no code calls).
    assert grant.resources.cursor_secret is not None
    grant.allow(["secretsmanager:GetSecretValue"], [grant.resources.cursor_secret.secret_arn])


def _start_workflow(grant: _Grant, item: Access) -> None:
    assert grant.resources.state_machine is not None
    grant.resources.state_machine.grant_start_execution(grant.function)


def _stop_workflow(grant: _Grant, item: Access) -> None:
    assert grant.resources.state_machine_name is not None
    executions = f"execution:{grant.resources.state_machine_name}:*"
    arn = grant.stack.format_arn(service="states", resource=executions, arn_format=cdk.ArnFormat.NO_RESOURCE_NAME)
    grant.allow(["states:StopExecution"], [arn])
    nag.acknowledge(
        grant.grantee,
        "IAM5",
        "Each job runs as its own execution of the pipeline, named at run time; the grant "
        "covers that one state machine's executions.",
        finding=f"Resource::{nag.arn_pattern('states', executions)}",
    )


def _granted_by_its_event_source(grant: _Grant, item: Access) -> None:
    """Reading a stream or a queue is granted by the event source mapping itself."""


# How each access that is not a table access is granted (table accesses: _table_statements).
_GRANTERS: dict[Access, Callable[[_Grant, Access], None]] = {
    **dict.fromkeys(_OBJECT_ACCESS, _objects),
    Access.PUT_EVENTS: _put_events,
    Access.QUEUE_WEBHOOKS: _send_to_queue,
    Access.PARK_WEBHOOKS: _send_to_queue,
    Access.READ_WEBHOOK_SECRETS: _read_webhook_secrets,
    Access.TASK_CALLBACK: _task_callback,
    Access.INVOKE_MODEL: _invoke_model,
    Access.TRANSLATE: _translate,
    Access.READ_CURSOR_SECRET: _read_cursor_secret,
    Access.START_WORKFLOW: _start_workflow,
    Access.STOP_WORKFLOW: _stop_workflow,
    Access.READ_JOB_CHANGES: _granted_by_its_event_source,
    Access.CONSUME_WEBHOOKS: _granted_by_its_event_source,
}


def grant(function: iam.IGrantable, access: frozenset[Access], resources: Resources) -> None:
    """Give ``function`` (a Lambda, or a container task's role) exactly ``access``."""
    grantee = function.grant_principal
    assert isinstance(grantee, Construct)
    granting = _Grant(function, grantee, resources, _table_statements(access, resources))
    for item in sorted(access - _TABLE_ACCESS.keys()):  # table accesses are merged above
        granter = _GRANTERS.get(item)
        if granter is None:
            raise NotImplementedError(f"{item} is not wired in the CDK app yet")
        granter(granting, item)
    for statement in granting.statements:
        function.grant_principal.add_to_principal_policy(statement)
