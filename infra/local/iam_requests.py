"""What IAM authorizes for one AWS API call: the action, the resource ARN and the condition keys
the service puts in the request context.

AWS authorizes an API operation, not an HTTP request: ``TransactWriteItems`` is authorized item
by item as ``PutItem``/``UpdateItem``/``DeleteItem``/``ConditionCheckItem``, an S3 ``HeadObject``
as ``s3:GetObject``, a multipart part as ``s3:PutObject``, DynamoDB's ``Converse``-style aliases
as the action they stand for. This module turns a botocore call (service, operation, parameters)
into the list of requests IAM evaluates, the way the service documentation's "Actions, resources,
and condition keys" pages describe them. Only the operations Vidscope calls are spelled out;
anything else is authorized as ``{prefix}:{Operation}`` on ``*`` (what IAM does for actions with
no resource type), so a new call is still evaluated, never silently allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vidscope.adapters import table

ACCOUNT = "123456789012"  # moto's default account: the one every local ARN carries


@dataclass(frozen=True)
class IamRequest:
    action: str
    resource: str
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "resource": self.resource,
            "context": {k: list(v) for k, v in self.context.items()},
        }


def _partition_value(key: Mapping[str, Any], attribute: str) -> str | None:
    value = key.get(attribute)
    if isinstance(value, Mapping):
        inner = value.get("S", value.get("N", value.get("B")))
        return None if inner is None else str(inner)
    return None if value is None else str(value)


def _leading_keys(values: Iterable[str | None]) -> dict[str, tuple[str, ...]]:
    found = tuple(sorted({v for v in values if v is not None}))
    return {"dynamodb:LeadingKeys": found} if found else {}


def _table_arn(region: str, name: str) -> str:
    # A table may be named by ARN (DynamoDB accepts both since 2024).
    return name if name.startswith("arn:") else f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{name}"


def _partition_key_of(index_name: str | None) -> str:
    if index_name is None:
        return table.PARTITION_KEY
    return next(i.partition_key for i in table.INDEXES if i.name == index_name)


_EQUALS = re.compile(r"(#?[\w.]+)\s*=\s*(:\w+)")


def _query_partition(params: Mapping[str, Any]) -> str | None:
    """The partition key value of a Query, read from its key condition expression."""
    attribute = _partition_key_of(params.get("IndexName"))
    names = params.get("ExpressionAttributeNames", {})
    values = params.get("ExpressionAttributeValues", {})
    for name, placeholder in _EQUALS.findall(params.get("KeyConditionExpression", "")):
        if names.get(name, name) == attribute:
            return _partition_value({attribute: values.get(placeholder)}, attribute)
    return None


_DYNAMODB_ITEM_OPS = {"GetItem": "Key", "PutItem": "Item", "UpdateItem": "Key", "DeleteItem": "Key"}
_TRANSACT_ACTIONS = {"Put": ("PutItem", "Item"), "Update": ("UpdateItem", "Key"), "Delete": ("DeleteItem", "Key")}
_TRANSACT_ACTIONS["ConditionCheck"] = ("ConditionCheckItem", "Key")


def _dynamodb(operation: str, params: Mapping[str, Any], region: str) -> list[IamRequest]:
    if operation in _DYNAMODB_ITEM_OPS:
        key = params.get(_DYNAMODB_ITEM_OPS[operation], {})
        return [
            IamRequest(
                f"dynamodb:{operation}",
                _table_arn(region, params["TableName"]),
                _leading_keys([_partition_value(key, table.PARTITION_KEY)]),
            )
        ]
    if operation in ("Query", "Scan"):
        resource = _table_arn(region, params["TableName"])
        if params.get("IndexName"):
            resource += f"/index/{params['IndexName']}"
        partition = _query_partition(params) if operation == "Query" else None
        return [IamRequest(f"dynamodb:{operation}", resource, _leading_keys([partition]))]
    if operation == "TransactWriteItems":
        requests = []
        for item in params.get("TransactItems", []):
            [(kind, body)] = item.items()
            action, key_field = _TRANSACT_ACTIONS[kind]
            requests.append(
                IamRequest(
                    f"dynamodb:{action}",
                    _table_arn(region, body["TableName"]),
                    _leading_keys([_partition_value(body.get(key_field, {}), table.PARTITION_KEY)]),
                )
            )
        return requests
    if operation == "TransactGetItems":
        return [
            IamRequest(
                "dynamodb:GetItem",
                _table_arn(region, item["Get"]["TableName"]),
                _leading_keys([_partition_value(item["Get"]["Key"], table.PARTITION_KEY)]),
            )
            for item in params.get("TransactItems", [])
        ]
    if operation in ("BatchWriteItem", "BatchGetItem"):
        requests = []
        for table_name, entries in params.get("RequestItems", {}).items():
            if operation == "BatchGetItem":
                keys = entries.get("Keys", [])
            else:
                keys = [
                    e.get("PutRequest", {}).get("Item") or e.get("DeleteRequest", {}).get("Key", {}) for e in entries
                ]
            partitions = [_partition_value(k, table.PARTITION_KEY) for k in keys]
            requests.append(
                IamRequest(f"dynamodb:{operation}", _table_arn(region, table_name), _leading_keys(partitions))
            )
        return requests
    return [
        IamRequest(f"dynamodb:{operation}", _table_arn(region, params["TableName"]) if "TableName" in params else "*")
    ]


_S3_ACTIONS = {
    "HeadObject": "GetObject",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "ListObjectsV2": "ListBucket",
    "ListObjects": "ListBucket",
    "HeadBucket": "ListBucket",
    "ListParts": "ListMultipartUploadParts",
    # A copy is a write of the target (and a read of the source, below); IAM has no CopyObject action.
    "CopyObject": "PutObject",
    "UploadPartCopy": "PutObject",
}


def _s3(operation: str, params: Mapping[str, Any]) -> list[IamRequest]:
    bucket = params.get("Bucket")
    if bucket is None:
        return [IamRequest(f"s3:{operation}", "*")]
    if operation == "DeleteObjects":
        return [
            IamRequest("s3:DeleteObject", f"arn:aws:s3:::{bucket}/{o['Key']}")
            for o in params.get("Delete", {}).get("Objects", [])
        ]
    action = _S3_ACTIONS.get(operation, operation)
    if action == "ListBucket":
        return [IamRequest("s3:ListBucket", f"arn:aws:s3:::{bucket}", {"s3:prefix": (params.get("Prefix", ""),)})]
    if "Key" not in params:
        return [IamRequest(f"s3:{action}", f"arn:aws:s3:::{bucket}")]
    requests = [IamRequest(f"s3:{action}", f"arn:aws:s3:::{bucket}/{params['Key']}")]
    if operation in ("CopyObject", "UploadPartCopy"):
        source = params["CopySource"]
        source = f"{source['Bucket']}/{source['Key']}" if isinstance(source, Mapping) else source.lstrip("/")
        requests.append(IamRequest("s3:GetObject", f"arn:aws:s3:::{source.split('?')[0]}"))
    return requests


def _queue_arn(region: str, url_or_name: str) -> str:
    return f"arn:aws:sqs:{region}:{ACCOUNT}:{url_or_name.rstrip('/').rsplit('/', 1)[-1]}"


def _sqs(operation: str, params: Mapping[str, Any], region: str) -> list[IamRequest]:
    action = operation.removesuffix("Batch")  # each batch form is authorized as its single form
    if "QueueUrl" in params:
        return [IamRequest(f"sqs:{action}", _queue_arn(region, params["QueueUrl"]))]
    if "QueueName" in params:
        return [IamRequest(f"sqs:{action}", _queue_arn(region, params["QueueName"]))]
    return [IamRequest(f"sqs:{action}", "*")]


def _states(operation: str, params: Mapping[str, Any]) -> list[IamRequest]:
    resource = params.get("stateMachineArn") or params.get("executionArn") or "*"
    return [IamRequest(f"states:{operation}", resource)]


def _events(operation: str, params: Mapping[str, Any], region: str) -> list[IamRequest]:
    if operation != "PutEvents":
        return [IamRequest(f"events:{operation}", "*")]
    buses = {entry.get("EventBusName") or "default" for entry in params.get("Entries", [])}
    return [
        IamRequest(
            "events:PutEvents", bus if bus.startswith("arn:") else f"arn:aws:events:{region}:{ACCOUNT}:event-bus/{bus}"
        )
        for bus in sorted(buses)
    ]


# Secrets Manager appends six random characters to every secret's ARN; IAM sees the full ARN.
SECRET_SUFFIX = "-AbCdEf"  # noqa: S105 - part of a name, not a secret


def _secretsmanager(operation: str, params: Mapping[str, Any], region: str) -> list[IamRequest]:
    secret = params.get("SecretId") or params.get("Name")
    if secret is None:
        return [IamRequest(f"secretsmanager:{operation}", "*")]
    arn = (
        secret
        if secret.startswith("arn:")
        else f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{secret}{SECRET_SUFFIX}"
    )
    return [IamRequest(f"secretsmanager:{operation}", arn)]


# The Converse API is authorized as the model invocation it performs.
_BEDROCK_ACTIONS = {"Converse": "InvokeModel", "ConverseStream": "InvokeModelWithResponseStream"}


def _bedrock(operation: str, params: Mapping[str, Any], region: str) -> list[IamRequest]:
    model = params.get("modelId", "*")
    arn = model if model.startswith("arn:") or model == "*" else f"arn:aws:bedrock:{region}::foundation-model/{model}"
    return [IamRequest(f"bedrock:{_BEDROCK_ACTIONS.get(operation, operation)}", arn)]


def _streams(operation: str, params: Mapping[str, Any], stream_arn: str | None) -> list[IamRequest]:
    return [IamRequest(f"dynamodb:{operation}", params.get("StreamArn") or stream_arn or "*")]


def _lambda(operation: str, params: Mapping[str, Any], region: str) -> list[IamRequest]:
    name = params.get("FunctionName", "*")
    arn = name if name.startswith("arn:") or name == "*" else f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"
    action = "InvokeFunction" if operation == "Invoke" else operation
    return [IamRequest(f"lambda:{action}", arn)]


def requests_for(
    service: str, operation: str, params: Mapping[str, Any], region: str, *, stream_arn: str | None = None
) -> list[IamRequest]:
    """The IAM requests one call makes. ``service`` is botocore's service name (``dynamodb``,
    ``stepfunctions``…); ``stream_arn`` names the stream a ``GetRecords`` iterator belongs to."""
    if service == "dynamodb":
        return _dynamodb(operation, params, region)
    if service == "dynamodbstreams":
        return _streams(operation, params, stream_arn)
    if service == "s3":
        return _s3(operation, params)
    if service == "sqs":
        return _sqs(operation, params, region)
    if service == "stepfunctions":
        return _states(operation, params)
    if service == "events":
        return _events(operation, params, region)
    if service == "secretsmanager":
        return _secretsmanager(operation, params, region)
    if service == "bedrock-runtime":
        return _bedrock(operation, params, region)
    if service == "lambda":
        return _lambda(operation, params, region)
    if service == "translate":  # no resource-level permissions: the action on "*"
        return [IamRequest(f"translate:{operation}", "*")]
    return [IamRequest(f"{service}:{operation}", "*")]
