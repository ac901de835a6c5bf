"""Resource use of the local stack, collected while jobs run, for the cost benchmark (bench/cost.py).

What is counted, and where:
- Lambda: each invocation's handler time (billed as Lambda bills: rounded up to the ms, times the
  function's configured memory, ``vidscope.functions``), and apart from it each environment's init
  (the handler module's import, billed once per cold start), timed around the runtime's handlers
  in this process (``LambdaTimer``). The time an invocation waits for a free local environment is
  not billed, and not counted.
- DynamoDB: read and write units by AWS's rules from the size of the items each request touches
  (``DynamoUnits``), counted inside the local DynamoDB, which holds them: moto's own
  ``ReturnConsumedCapacity`` is a constant (1 unit a write, 0.5 a read), whatever the size. The
  requests name their actor in a header (``infra.local.usage``), container tasks' included.
- S3, EventBridge, SQS requests: one line per call in the usage log (``infra.local.usage``).
- Container seconds: each task process's wall time (``infra.local.ecs_agent``).
- State transitions: the execution's history. S3 bytes stored: the bucket, before and after.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local import usage
from vidscope.functions import FunctionSpec

# Calls the bill does not count per job: reading a table's stream for a Lambda trigger is free, an
# empty receive is the event source mapping's idle polling (a fixed cost of the mapping, not a job's).
_FREE_CALLS = ("dynamodbstreams.",)
# S3 request classes (S3 pricing): DELETE and abort are free.
_S3_PUT_CLASS = {
    "PutObject",
    "CopyObject",
    "CreateMultipartUpload",
    "UploadPart",
    "UploadPartCopy",
    "CompleteMultipartUpload",
    "ListObjectsV2",
    "ListObjects",
}
_S3_FREE = {"DeleteObject", "DeleteObjects", "AbortMultipartUpload"}


@dataclass(frozen=True)
class Invocation:
    function: str
    actor: str  # function, or function/capability for an analysis
    billed_ms: int
    memory_mb: int
    ended: float  # time.time()

    @property
    def gb_seconds(self) -> float:
        return self.billed_ms / 1000 * self.memory_mb / 1024


@dataclass(frozen=True)
class Init:
    function: str
    billed_ms: int
    memory_mb: int

    @property
    def gb_seconds(self) -> float:
        return self.billed_ms / 1000 * self.memory_mb / 1024


class LambdaTimer:
    """Times every handler the local Lambda runtime starts (its init) and runs (each invocation)."""

    def __init__(self) -> None:
        self.invocations: list[Invocation] = []
        self.inits: list[Init] = []
        self._lock = threading.Lock()

    def install(self, runtime: Any) -> None:
        """Wrap ``runtime``'s handler loader; call before its first invocation (pools keep the loader)."""
        load = runtime._load_handler

        def timed_load(spec: FunctionSpec) -> Callable[[Any, Any], Any]:
            started = time.perf_counter()
            handler = load(spec)
            with self._lock:
                self.inits.append(Init(spec.name, _billed_ms(time.perf_counter() - started), spec.memory_mb))
            return self._timed(spec, handler)

        runtime._load_handler = timed_load

    def _timed(self, spec: FunctionSpec, handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def timed(event: Any, context: Any) -> Any:
            capability = event.get("capability") if spec.name == "analyze" and isinstance(event, dict) else None
            actor = f"{spec.name}/{capability}" if capability else spec.name
            started = time.perf_counter()
            try:
                if capability:
                    with usage.scoped(capability):
                        return handler(event, context)
                return handler(event, context)
            finally:
                billed = _billed_ms(time.perf_counter() - started)
                with self._lock:
                    self.invocations.append(Invocation(spec.name, actor, billed, spec.memory_mb, time.time()))

        return timed

    def since(self, index: int) -> list[Invocation]:
        with self._lock:
            return self.invocations[index:]


def _billed_ms(seconds: float) -> int:
    """Lambda's billed duration: rounded up to the millisecond."""
    return max(1, math.ceil(seconds * 1000))


# --- DynamoDB units ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Units:
    actor: str
    read: float
    write: float
    ended: float


def _item_size(attributes: dict[str, Any]) -> int:
    """An item's size by DynamoDB's rules (attribute names plus values; moto implements the value rules)."""
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.utilities import bytesize

    return sum(bytesize(name) + DynamoType(value).size() for name, value in attributes.items())


def _stored_size(backend: Any, table_name: str, key: dict[str, Any]) -> int:
    try:
        item = backend.get_item(table_name, key)
    except Exception:  # a key the request itself got wrong: the request fails, AWS bills the minimum
        return 0
    return int(item.size()) if item is not None else 0


def _key_of_item(backend: Any, table_name: str, item: dict[str, Any]) -> dict[str, Any]:
    table = backend.get_table(table_name)
    return {name: item[name] for name in (table.hash_key_attr, table.range_key_attr) if name and name in item}


def _written(backend: Any, operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], int]]:
    """(table, key, factor) of each item a write request touches; factor 2 in a transaction."""
    if operation == "PutItem":
        return [(params["TableName"], _key_of_item(backend, params["TableName"], params["Item"]), 1)]
    if operation in ("UpdateItem", "DeleteItem"):
        return [(params["TableName"], params["Key"], 1)]
    if operation != "TransactWriteItems":
        return []
    touched = []
    for entry in params.get("TransactItems", []):
        for kind, request in entry.items():
            table = request["TableName"]
            key = request["Item"] if kind == "Put" else request["Key"]
            touched.append((table, _key_of_item(backend, table, key) if kind == "Put" else key, 2))
    return touched


def _read_units(backend: Any, operation: str, params: dict[str, Any], body: bytes | str) -> float:
    """Read units: 4 KB per unit, half of it for an eventually consistent read."""
    factor = 1.0 if params.get("ConsistentRead") else 0.5
    if operation == "GetItem":
        size = _stored_size(backend, params["TableName"], params["Key"])
        return max(1, math.ceil(size / 4096)) * factor
    if operation in ("Query", "Scan"):
        items = json.loads(body or b"{}").get("Items", [])
        return max(1, math.ceil(sum(_item_size(item) for item in items) / 4096)) * factor
    return 0.0


class DynamoUnits:
    """Counts each tagged request's units inside the local DynamoDB (moto's server, in this process)."""

    def __init__(self) -> None:
        self.units: list[Units] = []
        self._lock = threading.Lock()

    def install(self) -> None:
        from moto.dynamodb.responses import DynamoHandler

        original = DynamoHandler.call_action
        counter = self

        def call_action(handler: Any) -> Any:
            who = handler.headers.get(usage.USAGE_HEADER)
            if who is None:
                return original(handler)
            return counter._count(handler, who, original)

        DynamoHandler.call_action = call_action  # type: ignore[method-assign]

    def _count(self, handler: Any, who: str, original: Callable[[Any], Any]) -> Any:
        operation = handler._get_action()
        params = getattr(handler, "params", {}) or {}
        backend = handler.dynamodb_backend
        touched = _written(backend, operation, params)
        before = [_stored_size(backend, table, key) for table, key, _ in touched]
        result: Any = None
        try:
            result = original(handler)
            return result
        finally:
            # A write bills the larger of the item before and after it, also when its condition failed.
            after = [_stored_size(backend, table, key) for table, key, _ in touched]
            write = sum(
                max(1, math.ceil(max(b, a) / 1024)) * factor
                for (_, _, factor), b, a in zip(touched, before, after, strict=True)
            )
            body = result[2] if isinstance(result, tuple) and len(result) == 3 else b""
            read = _read_units(backend, operation, params, body if isinstance(body, bytes | str) else b"")
            with self._lock:
                self.units.append(Units(who, read, float(write), time.time()))

    def between(self, start: float, end: float) -> list[Units]:
        with self._lock:
            return [u for u in self.units if start <= u.ended <= end]


# --- The usage log: S3, EventBridge and SQS requests --------------------------------------------


@dataclass
class Calls:
    """Billed requests per actor, from the usage log's lines."""

    s3_put: Counter[str] = field(default_factory=Counter)
    s3_get: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    sqs: Counter[str] = field(default_factory=Counter)
    last: float = 0.0  # time of the last billed call


def read_calls(path: Path, start: float, end: float) -> Calls:
    calls = Calls()
    if not path.exists():
        return calls
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = json.loads(raw)
        if not start <= line["t"] <= end or line["call"].startswith(_FREE_CALLS):
            continue
        service, operation = line["call"].split(".", 1)
        actor = line["actor"]
        if service == "sqs" and operation == "ReceiveMessage" and not line.get("messages"):
            continue
        if service == "s3" and operation not in _S3_FREE:
            (calls.s3_put if operation in _S3_PUT_CLASS else calls.s3_get)[actor] += 1
        elif service == "events" and operation == "PutEvents":
            calls.events[actor] += line.get("entries", 1)
        elif service == "sqs":
            calls.sqs[actor] += 1
        else:
            continue
        calls.last = max(calls.last, line["t"])
    return calls


# --- The bucket --------------------------------------------------------------------------------


def stored_bytes(s3: Any, bucket: str) -> Counter[str]:
    """Bytes stored in the bucket by top-level prefix (media/, tenants/, uploads/)."""
    totals: Counter[str] = Counter()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            totals[item["Key"].split("/", 1)[0] + "/"] += int(item["Size"])
    return totals


# --- Step Functions ----------------------------------------------------------------------------


def transitions_by_state(sfn: Any, execution_arn: str) -> Counter[str]:
    """States entered by the execution, by state name: what Standard workflows bill."""
    entered: Counter[str] = Counter()
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        for event in page["events"]:
            if event["type"].endswith("StateEntered"):
                entered[event["stateEnteredEventDetails"]["name"]] += 1
    return entered


@contextmanager
def usage_log(path: Path) -> Iterator[Path]:
    """Turn the usage log on (``infra.local.usage``) for the block, in this process and its children."""
    import os

    previous = os.environ.get(usage.USAGE_ENV)
    path.unlink(missing_ok=True)
    os.environ[usage.USAGE_ENV] = str(path)
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop(usage.USAGE_ENV, None)
        else:
            os.environ[usage.USAGE_ENV] = previous
