"""The payload quotas of ``vidscope.adapters.quotas``, enforced by the local runtime where moto does not
enforce them, with the error AWS answers, so Retry/Catch and callers behave as in the cloud.

What moto 5.2.5 already enforces, left to it (not checked twice):
- Step Functions: a Lambda or service task's result and every state's output over 256 KiB fail
  with ``States.DataLimitExceeded`` (``moto.stepfunctions.parser.quotas.is_within_size_quota``).
- SQS: a ``SendMessage`` body over 1 MiB is refused with ``InvalidParameterValue``
  (``SQSBackend._validate_message``, ``MAXIMUM_MESSAGE_LENGTH``); EventBridge's SQS targets go
  through the same ``send_message``.
- DynamoDB: an item over about 400 KB is refused with ``ValidationException: Item size has
  exceeded the maximum allowed size`` (``moto.dynamodb.models.dynamo_type.LimitedSizeDict``).

What this module adds:
- Lambda's synchronous request and response quotas (``check_lambda_request`` and
  ``check_lambda_response``, called by ``infra.local.lambda_runtime`` on every invocation: Step
  Functions tasks, event sources and the local API Gateway alike).
- ``States.ALL`` no longer catches ``States.DataLimitExceeded`` (AWS: a terminal error only an
  explicit ``ErrorEquals`` names).
- PutEvents refuses a request whose entries are over EventBridge's size quota.
- ``OBSERVED``: the largest payload seen per quota and per kind of payload, so tests report how
  close real payloads come to each quota.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vidscope.adapters import quotas
from vidscope.adapters.quotas import Quota


@dataclass(frozen=True)
class Observation:
    quota: Quota
    what: str  # e.g. "get_job response", "Job Completed entry", "webhook queue message"
    largest_bytes: int

    @property
    def share(self) -> float:
        return self.largest_bytes / self.quota.limit_bytes


class PayloadLog:
    """The largest payload measured per (quota, what), across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._largest: dict[tuple[str, str], Observation] = {}

    def record(self, quota: Quota, what: str, size: int) -> None:
        key = (quota.name + quota.service + str(quota.limit_bytes), what)
        with self._lock:
            seen = self._largest.get(key)
            if seen is None or size > seen.largest_bytes:
                self._largest[key] = Observation(quota, what, size)

    def observations(self) -> list[Observation]:
        with self._lock:
            return sorted(self._largest.values(), key=lambda o: -o.share)

    def clear(self) -> None:
        with self._lock:
            self._largest.clear()


OBSERVED = PayloadLog()


# --- Lambda: synchronous invocation payloads ----------------------------------------------------


# Named as Lambda names them, so the errors read the same locally and in the cloud.
class RequestTooLargeException(Exception):
    """Lambda refused the event before running the function (HTTP 413 in the Invoke API)."""


class ResponseSizeTooLarge(Exception):
    """The function returned more than Lambda passes back; the caller gets a function error."""

    # What Lambda puts in the error payload's errorType, and so what ASL Retry/Catch match on.
    error_type = "Function.ResponseSizeTooLarge"


def check_lambda_request(function_name: str, event: Any) -> None:
    size = quotas.lambda_payload_bytes(event)
    OBSERVED.record(quotas.LAMBDA_SYNC_REQUEST, f"{function_name} request", size)
    if size > quotas.LAMBDA_SYNC_REQUEST.limit_bytes:
        raise RequestTooLargeException(
            f"Request must be smaller than {quotas.LAMBDA_SYNC_REQUEST.limit_bytes} bytes for the "
            f"InvokeFunction operation ({function_name}: {size} bytes)"
        )


def check_lambda_response(function_name: str, result: Any) -> None:
    size = quotas.lambda_payload_bytes(result)
    OBSERVED.record(quotas.LAMBDA_SYNC_RESPONSE, f"{function_name} response", size)
    if size > quotas.LAMBDA_SYNC_RESPONSE.limit_bytes:
        raise ResponseSizeTooLarge(
            "Response payload size exceeded maximum allowed payload size "
            f"({quotas.LAMBDA_SYNC_RESPONSE.limit_bytes} bytes)."
        )


# --- moto patches -------------------------------------------------------------------------------

_applied = False


def install() -> None:
    """Apply the patches below once per process (moto's backends are process-wide)."""
    global _applied
    if _applied:
        return
    states_all_leaves_data_limit_exceeded_uncaught()
    put_events_refuses_oversize_entries()
    record_sqs_message_sizes()
    _applied = True


def states_all_leaves_data_limit_exceeded_uncaught() -> None:
    """``States.ALL`` does not match ``States.DataLimitExceeded``, as in AWS.

    AWS documents ``States.DataLimitExceeded`` as a terminal error that ``States.ALL`` cannot
    catch (nor retry); only a Retrier or Catcher that names it does. moto's
    ``moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl.ErrorEqualsDecl``
    lets ``States.ALL`` match every error, so locally an oversize payload would take the
    workflow's ordinary failure path and a definition that relies on ``States.ALL`` alone would
    look correct here and strand the job in the cloud.
    """
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )

    original: Callable[[Any, Any], None] = ErrorEqualsDecl._eval_body
    states_all = StatesErrorName(typ=StatesErrorNameType.StatesALL)

    def _eval_body(self: Any, env: Any) -> None:
        error_name = env.stack[-1]
        is_data_limit = (
            isinstance(error_name, StatesErrorName)
            and error_name.typ is StatesErrorNameType.StatesStatesDataLimitExceeded
        )
        if is_data_limit and self.error_names == [states_all]:
            env.stack.pop()
            env.stack.append(False)
            return
        original(self, env)

    ErrorEqualsDecl._eval_body = _eval_body  # type: ignore[method-assign]


def put_events_refuses_oversize_entries() -> None:
    """PutEvents refuses entries over EventBridge's size quota, as EventBridge does.

    ``moto.events.models.EventsBackend.put_events`` checks the number of entries and their
    required fields but not their size. EventBridge counts each entry's size as documented
    (``vidscope.adapters.quotas.put_events_entry_bytes``) and refuses the whole request with
    ``ValidationException: Total size of the entries in the request is over the limit.`` when
    they are over it. Each entry's size is also recorded in ``OBSERVED``.
    """
    from moto.events.exceptions import ValidationException
    from moto.events.models import EventsBackend

    original = EventsBackend.put_events

    def put_events(self: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        sizes = [quotas.put_events_entry_bytes(entry) for entry in events]
        for entry, size in zip(events, sizes, strict=True):
            OBSERVED.record(quotas.EVENTBRIDGE_PUT_EVENTS, f"{entry.get('DetailType')} entry", size)
        if sum(sizes) > quotas.EVENTBRIDGE_PUT_EVENTS.limit_bytes:
            raise ValidationException("Total size of the entries in the request is over the limit.")
        return original(self, events)

    EventsBackend.put_events = put_events  # type: ignore[method-assign]


def record_sqs_message_sizes() -> None:
    """Record every SQS message's size in ``OBSERVED`` (moto itself refuses those over 1 MiB).

    Wraps ``moto.sqs.models.SQSBackend.send_message``, which ``SendMessage`` and EventBridge's
    SQS targets both reach; it only measures.
    """
    from moto.sqs.models import SQSBackend

    original = SQSBackend.send_message

    def send_message(self: Any, queue_name: str, message_body: str, *args: Any, **kwargs: Any) -> Any:
        attributes = kwargs.get("message_attributes") or (args[0] if args else None)
        size = quotas.sqs_message_bytes(message_body, attributes if isinstance(attributes, dict) else None)
        OBSERVED.record(quotas.SQS_MESSAGE, f"{queue_name} message", size)
        return original(self, queue_name, message_body, *args, **kwargs)

    SQSBackend.send_message = send_message  # type: ignore[method-assign]
