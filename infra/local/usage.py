"""What each AWS call of the local stack uses, for the cost benchmark (``bench/cost.py``).

Off unless ``VIDSCOPE_AWS_USAGE_LOG`` names a file. When on, every botocore call made for a function
or a container task (the actor ``infra.local.aws_calls`` resolves) appends one JSON line to that
file: when, who (and for which capability, ``scoped``), the call, and what the bill counts that the
call itself shows (entries put on the bus, messages sent or received). Unlike the
IAM log, calls are not de-duplicated: the bill counts each one. The container tasks' processes
inherit the variable, so their calls are appended to the same file (one ``write`` per line in
append mode).

DynamoDB bills by the size of the items a call touches, which the caller does not see (an update
names a few attributes of a larger item). Its requests carry the actor in the ``USAGE_HEADER``
header instead, so the local DynamoDB, which holds the items, can count the units for that actor
(``bench.accounting`` does).
"""

from __future__ import annotations

import contextvars
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

USAGE_ENV = "VIDSCOPE_AWS_USAGE_LOG"
# "<actor>" or "<actor>/<capability>": who the local DynamoDB counts a request's units for.
USAGE_HEADER = "x-vidscope-usage"

_scope: contextvars.ContextVar[str | None] = contextvars.ContextVar("vidscope_usage_scope", default=None)
_WATCHED_ATTRIBUTE = "_vidscope_usage_watched"


@contextmanager
def scoped(name: str) -> Iterator[None]:
    """Calls made in this block are counted for ``name`` (an analysis' capability) as well as their actor."""
    token = _scope.set(name)
    try:
        yield
    finally:
        _scope.reset(token)


def enabled() -> bool:
    return bool(os.environ.get(USAGE_ENV))


def _who(actor: str) -> str:
    scope = _scope.get()
    return f"{actor}/{scope}" if scope else actor


def watch(client: Any, actor_of: Callable[[Any], str | None]) -> None:
    """Tag ``client``'s DynamoDB requests with their actor (once per client; nothing when off)."""
    if not enabled() or getattr(client, _WATCHED_ATTRIBUTE, False):
        return
    setattr(client, _WATCHED_ATTRIBUTE, True)
    if client.meta.service_model.service_name != "dynamodb":
        return

    def tag(request: Any, **_: Any) -> None:
        actor = actor_of(client)
        if actor is not None:
            request.headers[USAGE_HEADER] = _who(actor)

    client.meta.events.register("before-sign.dynamodb", tag)


def _measures(service: str, operation: str, params: dict[str, Any], response: Any) -> dict[str, int]:
    """What the bill counts that this call shows: bus entries, queue messages (S3 bills requests,
    counted by line, and storage, which the benchmark reads from the bucket; moving bytes between
    S3 and compute in one region is free)."""
    answer = response if isinstance(response, dict) else {}
    if service == "events" and operation == "PutEvents":
        return {"entries": len(params.get("Entries", []))}
    if service == "sqs" and operation == "ReceiveMessage":
        return {"messages": len(answer.get("Messages", []))}
    if service == "sqs" and operation in ("SendMessageBatch", "DeleteMessageBatch"):
        return {"messages": len(params.get("Entries", []))}
    return {}


def record(client: Any, operation: str, params: dict[str, Any], response: Any, actor: str | None) -> None:
    """Append the call's line (nothing when off, or when the call acts for nobody)."""
    path = os.environ.get(USAGE_ENV)
    if not path or actor is None:
        return
    service = client.meta.service_model.service_name
    line = {
        "t": time.time(),
        "actor": _who(actor),
        "call": f"{service}.{operation}",
        **_measures(service, operation, params, response),
    }
    # One write of one line in append mode: lines from several processes do not interleave.
    with open(path, "a", encoding="utf-8") as log:
        log.write(json.dumps(line) + "\n")
