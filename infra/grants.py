"""Turns each ``vidscope.functions.Access`` into the narrowest IAM grant that allows it. The
function list says what a function may touch; this is the only place that says how."""

from __future__ import annotations

from dataclasses import dataclass

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
    Access.CHECK_JOBS: (("dynamodb:ConditionCheckItem",), ("TENANT#",), False),
    Access.PUT_JOBS: (("dynamodb:PutItem",), ("TENANT#",), False),
    Access.UPDATE_JOBS: (("dynamodb:UpdateItem",), ("TENANT#",), False),
    Access.DELETE_JOBS: (("dynamodb:DeleteItem",), ("TENANT#",), False),
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


def grant(function: iam.IGrantable, access: frozenset[Access], resources: Resources) -> None:
    """Give ``function`` (a Lambda, or a container task's role) exactly ``access``."""
    grantee = function.grant_principal  # the role, whose policy the findings are about
    assert isinstance(grantee, Construct)
    stack = cdk.Stack.of(grantee)
    statements: list[iam.PolicyStatement] = []

    def objects(actions: tuple[str, ...], pattern: str) -> None:
        statements.append(
            iam.PolicyStatement(actions=list(actions), resources=[resources.bucket.arn_for_objects(pattern)])
        )
        nag.acknowledge(
            grantee,
            "IAM5",
            _OBJECTS_REASON.format(pattern=pattern),
            finding=f"Resource::{nag.ref(resources.bucket)}/{pattern}",
        )

    statements += _table_statements(access, resources)
    for item in sorted(access):
        if item in _TABLE_ACCESS:
            continue  # merged above
        elif item in _OBJECT_ACCESS:
            actions, pattern = _OBJECT_ACCESS[item]
            objects(actions, pattern)
            if item in (Access.DELETE_MEDIA, Access.DELETE_RESULTS):
                # Listing finds what a job stored (delete_job_objects), under the same prefix.
                statements.append(
                    iam.PolicyStatement(
                        actions=["s3:ListBucket"],
                        resources=[resources.bucket.bucket_arn],
                        conditions={"StringLike": {"s3:prefix": [pattern]}},
                    )
                )
        elif item is Access.PUT_EVENTS:
            assert resources.bus is not None
            resources.bus.grant_put_events_to(function)
        elif item is Access.QUEUE_WEBHOOKS:
            # SendMessage alone (CDK's grant_send_messages adds GetQueueAttributes/GetQueueUrl,
            # which no code calls); the queues use SQS-managed encryption, so no KMS grant.
            assert resources.webhook_queue is not None
            statements.append(
                iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[resources.webhook_queue.queue_arn])
            )
        elif item is Access.PARK_WEBHOOKS:
            assert resources.webhook_dlq is not None
            statements.append(
                iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[resources.webhook_dlq.queue_arn])
            )
        elif item is Access.READ_WEBHOOK_SECRETS:
            statements.append(
                iam.PolicyStatement(
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[
                        stack.format_arn(
                            service="secretsmanager",
                            resource="secret",
                            resource_name=f"{resources.webhook_secret_prefix}*",
                            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                        )
                    ],
                )
            )
            nag.acknowledge(
                grantee,
                "IAM5",
                "One secret per tenant, created when the tenant is onboarded (vidscope.webhooks.secrets), "
                "so the dispatcher reads by the name prefix; nothing else is stored under it.",
                finding=f"Resource::{nag.arn_pattern('secretsmanager', f'secret:{resources.webhook_secret_prefix}*')}",
            )
        elif item is Access.TASK_CALLBACK:
            # Task-token callbacks have no resource-level permissions in IAM: "*" is the only form.
            statements.append(
                iam.PolicyStatement(
                    actions=["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
                    resources=["*"],
                )
            )
            nag.acknowledge_unscoped_actions(grantee)
        elif item is Access.INVOKE_MODEL:
            statements.append(
                iam.PolicyStatement(
                    actions=["bedrock:InvokeModel"],
                    resources=[
                        stack.format_arn(
                            service="bedrock",
                            account="",
                            resource="foundation-model",
                            resource_name=resources.bedrock_model_id,
                        )
                    ],
                )
            )
        elif item is Access.READ_CURSOR_SECRET:
            # GetSecretValue alone (CDK's grant_read adds DescribeSecret, which no code calls).
            assert resources.cursor_secret is not None
            statements.append(
                iam.PolicyStatement(
                    actions=["secretsmanager:GetSecretValue"], resources=[resources.cursor_secret.secret_arn]
                )
            )
        elif item is Access.START_WORKFLOW:
            assert resources.state_machine is not None
            resources.state_machine.grant_start_execution(function)
        elif item is Access.STOP_WORKFLOW:
            assert resources.state_machine_name is not None
            executions = f"execution:{resources.state_machine_name}:*"
            statements.append(
                iam.PolicyStatement(
                    actions=["states:StopExecution"],
                    resources=[
                        stack.format_arn(
                            service="states", resource=executions, arn_format=cdk.ArnFormat.NO_RESOURCE_NAME
                        )
                    ],
                )
            )
            nag.acknowledge(
                grantee,
                "IAM5",
                "Each job runs as its own execution of the pipeline, named at run time; the grant "
                "covers that one state machine's executions.",
                finding=f"Resource::{nag.arn_pattern('states', executions)}",
            )
        elif item in (Access.READ_JOB_CHANGES, Access.CONSUME_WEBHOOKS):
            continue  # granted by the event source mapping itself
        else:
            raise NotImplementedError(f"{item} is not wired in the CDK app yet")
    for statement in statements:
        function.grant_principal.add_to_principal_policy(statement)
