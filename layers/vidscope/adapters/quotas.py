"""The AWS service quotas that bound Vidscope's payloads: one table, each figure with its source
and with how AWS measures it, so a payload can be checked the way the service checks it.

The local runtime (``infra.local.quotas``) enforces these figures where moto does not, and the
payload tests measure every payload of a long job against them. Change a figure here when AWS
changes it; nothing else holds it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Quota:
    """One AWS quota on a payload's size."""

    service: str
    name: str  # the quota's name in AWS's documentation
    limit_bytes: int
    measured: str  # what AWS counts, in its words or close to them
    rejected_with: str  # what AWS answers when a payload is over it
    source: str  # the page that states the figure


STEP_FUNCTIONS_STATE = Quota(
    service="Step Functions",
    name="Maximum input or output size for a task, state, or execution",
    limit_bytes=256 * 1024,
    measured="UTF-8 bytes of the JSON text of a state's input (after Parameters) or output, a task's "
    "result, or the execution's input",
    rejected_with="the state fails with States.DataLimitExceeded, which States.ALL does not catch",
    source="https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html ; "
    "https://docs.aws.amazon.com/step-functions/latest/apireference/API_StateEnteredEventDetails.html "
    "(262144 bytes in UTF-8) ; "
    "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html (States.DataLimitExceeded)",
)

LAMBDA_SYNC_REQUEST = Quota(
    service="Lambda",
    name="Invocation payload (request and response): 6 MB each for request and response (synchronous)",
    # The figure in Lambda's own error message: "Request must be smaller than 6291456 bytes".
    limit_bytes=6 * 1024 * 1024,
    measured="bytes of the JSON event sent to Invoke",
    rejected_with="RequestTooLargeException (HTTP 413); the function does not run",
    source="https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html ; "
    "https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html",
)

LAMBDA_SYNC_RESPONSE = Quota(
    service="Lambda",
    name="Invocation payload (request and response): 6 MB each for request and response (synchronous)",
    # Lambda counts 100 bytes more than 6 MiB for a response, as its error message says
    # ("exceeded maximum allowed payload size (6291556 bytes)").
    limit_bytes=6 * 1024 * 1024 + 100,
    measured="bytes of the JSON-serialized value the handler returns",
    rejected_with="a function error with errorType Function.ResponseSizeTooLarge",
    source="https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html ; "
    "https://zaccharles.medium.com/deep-dive-lambdas-response-payload-size-limit-8aedba9530ed (the byte figure)",
)

LAMBDA_ASYNC_EVENT = Quota(
    service="Lambda",
    name="Invocation payload (request and response): 1 MB for asynchronous invocations",
    # Raised from 256 KB in October 2025. No Vidscope path invokes a function asynchronously:
    # the stream, SQS and Step Functions all invoke synchronously.
    limit_bytes=1024 * 1024,
    measured="bytes of the JSON event queued for the function",
    rejected_with="RequestTooLargeException (HTTP 413)",
    source="https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html ; "
    "https://aws.amazon.com/blogs/compute/more-room-to-build-serverless-services-now-support-payloads-up-to-1-mb",
)

EVENTBRIDGE_PUT_EVENTS = Quota(
    service="EventBridge",
    name="PutEvents event entry size",
    # Raised from 256 KB to 1 MB (AWS Compute Blog, 29 January 2026).
    limit_bytes=1024 * 1024,
    measured="per entry: 14 bytes for Time if given, plus the UTF-8 bytes of Source, DetailType, Detail "
    "and each Resources entry; a request's entries together must stay under the limit",
    rejected_with="ValidationException: Total size of the entries in the request is over the limit.",
    source="https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html ; "
    "https://aws.amazon.com/blogs/compute/more-room-to-build-serverless-services-now-support-payloads-up-to-1-mb",
)

SQS_MESSAGE = Quota(
    service="SQS",
    name="Message size",
    # Raised from 256 KiB to 1 MiB in August 2025.
    limit_bytes=1024 * 1024,
    measured="UTF-8 bytes of the body plus each message attribute's name, data type and value",
    rejected_with="InvalidParameterValue: One or more parameters are invalid. Reason: Message must be "
    "shorter than 1048576 bytes.",
    source="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html ; "
    "https://aws.amazon.com/blogs/compute/more-room-to-build-serverless-services-now-support-payloads-up-to-1-mb",
)

DYNAMODB_ITEM = Quota(
    service="DynamoDB",
    name="Item size",
    limit_bytes=400 * 1024,
    measured="UTF-8 bytes of every attribute name plus the size of its value (strings: UTF-8 bytes; numbers: "
    "about one byte per two significant digits plus one; lists and maps: 3 bytes plus one per element)",
    rejected_with="ValidationException: Item size has exceeded the maximum allowed size",
    source="https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items ; "
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html",
)

QUOTAS: tuple[Quota, ...] = (
    STEP_FUNCTIONS_STATE,
    LAMBDA_SYNC_REQUEST,
    LAMBDA_SYNC_RESPONSE,
    LAMBDA_ASYNC_EVENT,
    EVENTBRIDGE_PUT_EVENTS,
    SQS_MESSAGE,
    DYNAMODB_ITEM,
)


# --- measuring payloads the way each service does -----------------------------------------------


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def state_payload_bytes(value: Any) -> int:
    """A Step Functions payload: the UTF-8 bytes of its JSON text (compact, as the service stores it)."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return _utf8(text)


def lambda_payload_bytes(value: Any) -> int:
    """A Lambda event or response (the Python value): the bytes of the JSON text the Python
    runtime makes of it; a returned string is a JSON string, quotes included."""
    return _utf8(json.dumps(value))


def put_events_entry_bytes(entry: dict[str, Any]) -> int:
    """One PutEvents entry, counted as EventBridge documents it."""
    size = 14 if entry.get("Time") is not None else 0
    size += _utf8(entry.get("Source") or "") + _utf8(entry.get("DetailType") or "")
    size += _utf8(entry.get("Detail") or "")
    size += sum(_utf8(resource) for resource in entry.get("Resources") or [] if resource)
    return size


def sqs_message_bytes(body: str, attributes: dict[str, Any] | None = None) -> int:
    """An SQS message: its body and its message attributes (name, data type, value)."""
    size = _utf8(body)
    for name, attribute in (attributes or {}).items():
        size += _utf8(name) + _utf8(attribute.get("DataType", ""))
        value = attribute.get("StringValue")
        size += _utf8(value) if value is not None else len(attribute.get("BinaryValue") or b"")
    return size


def _number_bytes(text: str) -> int:
    digits = text.lstrip("-").replace(".", "")
    significant = digits.strip("0") or "0"
    return (len(significant) + 1) // 2 + 1


def dynamodb_value_bytes(value: dict[str, Any]) -> int:
    """One attribute value in DynamoDB's JSON form (``{"S": ...}``, ``{"M": {...}}``, ...)."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return _utf8(inner)
    if kind == "N":
        return _number_bytes(str(Decimal(inner)))
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(_utf8(s) for s in inner)
    if kind == "NS":
        return sum(_number_bytes(str(Decimal(n))) for n in inner)
    if kind == "BS":
        return sum(len(b) for b in inner)
    if kind == "L":
        return 3 + sum(1 + dynamodb_value_bytes(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + _utf8(k) + dynamodb_value_bytes(v) for k, v in inner.items())
    raise ValueError(f"not a DynamoDB attribute value type: {kind!r}")


def dynamodb_item_bytes(item: dict[str, dict[str, Any]]) -> int:
    """An item in DynamoDB's JSON form: each attribute's name plus its value."""
    return sum(_utf8(name) + dynamodb_value_bytes(value) for name, value in item.items())
