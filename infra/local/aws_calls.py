"""Records every AWS call each function makes locally, as the requests IAM would authorize.

moto evaluates no IAM, so a call the deployed role denies passes every local test. While the
local runtime runs, each botocore call made on behalf of a function (``acting_as``: the Lambda
runtime wraps every invocation; the ECS agent starts the worker under ``run_recorded``; event
source pollers ``attribute`` their clients to the function they feed) is turned into IAM
requests (``infra.local.iam_requests``) and appended as JSON lines to the file named by
``VIDSCOPE_AWS_CALL_LOG``. ``tests/infra/test_iam_conformance.py`` evaluates each one against that
function's synthesized role with a real IAM policy evaluator. Calls made by the tests themselves,
by the local stack's set-up and by moto's own interpreter act for nobody and are not recorded.
"""

from __future__ import annotations

import contextvars
import json
import os
import runpy
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra.local import usage
from infra.local.iam_requests import requests_for

LOG_ENV = "VIDSCOPE_AWS_CALL_LOG"

_actor: contextvars.ContextVar[str | None] = contextvars.ContextVar("vidscope_aws_actor", default=None)
_ACTOR_ATTRIBUTE = "_vidscope_actor"
_lock = threading.Lock()
_written: set[str] = set()
_stream_iterators: dict[str, str] = {}  # shard iterator → its stream's ARN (GetRecords names only the iterator)
_installed = False
_process_actor: str | None = None  # a container task's process acts for its task role, in every thread


@contextmanager
def acting_as(name: str) -> Iterator[None]:
    """AWS calls made in this block are made by function ``name``'s role."""
    token = _actor.set(name)
    try:
        yield
    finally:
        _actor.reset(token)


def attribute(client: Any, name: str) -> Any:
    """Every call through ``client`` is made by function ``name``'s role (an event source
    mapping reads its queue or stream with the function's role); returns the client."""
    setattr(client, _ACTOR_ATTRIBUTE, name)
    return client


def _actor_of(client: Any) -> str | None:
    return getattr(client, _ACTOR_ATTRIBUTE, None) or _actor.get() or _process_actor


def _record(client: Any, operation: str, params: dict[str, Any], response: Any) -> None:
    path = os.environ.get(LOG_ENV)
    if not path:
        return  # `make serve` and the like: nothing to pay per call
    actor = _actor_of(client)
    service = client.meta.service_model.service_name
    if service == "dynamodbstreams" and isinstance(response, dict):
        stream = params.get("StreamArn") or _stream_iterators.get(params.get("ShardIterator", ""))
        following = response.get("ShardIterator") or response.get("NextShardIterator")
        if stream and following:
            _stream_iterators[following] = stream
    if actor is None:
        return
    stream_arn = _stream_iterators.get(params.get("ShardIterator", "")) if service == "dynamodbstreams" else None
    lines = []
    for request in requests_for(service, operation, params, client.meta.region_name, stream_arn=stream_arn):
        line = json.dumps({"principal": actor, "call": f"{service}.{operation}", **request.as_json()}, sort_keys=True)
        lines.append(line)
    with _lock:
        fresh = [line for line in lines if line not in _written]
        _written.update(fresh)
        if fresh:
            with Path(path).open("a", encoding="utf-8") as log:
                log.write("".join(f"{line}\n" for line in fresh))


def install() -> None:
    """Record from now on (idempotent). Recording costs nothing when ``VIDSCOPE_AWS_CALL_LOG`` is unset."""
    global _installed
    with _lock:
        if _installed:
            return
        from botocore.client import BaseClient

        original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - a private method botocore's stubs omit

        def _make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
            response: Any = None
            usage.watch(self, _actor_of)  # the cost benchmark's per-call use; nothing unless it asks
            try:
                response = original(self, operation_name, api_params)
                return response
            finally:
                # Recorded whether or not the call succeeded: AWS authorizes before it answers.
                _record(self, operation_name, api_params, response)
                usage.record(self, operation_name, api_params, response, _actor_of(self))

        setattr(BaseClient, "_make_api_call", _make_api_call)  # noqa: B010 - as above
        _record_presigning()
        _carry_actor_into_worker_threads()
        _installed = True


def _record_presigning() -> None:
    """A presigned URL is authorized, when used, as the call it names by the role that signed it:
    record it as that role's call when it is signed (the client's later request goes straight to
    S3, past the recorder). botocore adds ``generate_presigned_url`` to each S3 client class from
    this module attribute as the class is created, so it is replaced here, before any client."""
    from botocore import signers

    original = signers.generate_presigned_url

    def generate_presigned_url(
        self: Any,
        ClientMethod: str,
        Params: dict[str, Any] | None = None,
        ExpiresIn: int = 3600,
        HttpMethod: str | None = None,
    ) -> str:
        url: str = original(self, ClientMethod, Params, ExpiresIn, HttpMethod)
        operation = self._PY_TO_OP_NAME.get(ClientMethod, ClientMethod)
        _record(self, operation, dict(Params or {}), None)
        return url

    signers.generate_presigned_url = generate_presigned_url


def _carry_actor_into_worker_threads() -> None:
    """A Lambda's role signs every thread's calls; boto3's transfers (``upload_fileobj``) run in a
    ``ThreadPoolExecutor``, whose threads start without the submitting context. Each task runs
    in a copy of its submitter's context, so those calls are recorded for the same function."""
    from concurrent.futures import ThreadPoolExecutor

    original = ThreadPoolExecutor.submit

    def submit(self: ThreadPoolExecutor, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return original(self, contextvars.copy_context().run, fn, *args, **kwargs)

    ThreadPoolExecutor.submit = submit  # type: ignore[method-assign,assignment]


def read(path: Path) -> list[dict[str, Any]]:
    """The distinct requests recorded in ``path``."""
    if not path.exists():
        return []
    return [json.loads(line) for line in dict.fromkeys(path.read_text(encoding="utf-8").splitlines()) if line]


def run_recorded(actor: str, module: str) -> None:
    """Run ``module`` as ``__main__`` with its AWS calls recorded for ``actor`` (a container task's
    entrypoint, started by the local ECS agent)."""
    global _process_actor
    install()
    _process_actor = actor
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    # Through the imported module, not this __main__ copy of it: one recorder per process.
    from infra.local import aws_calls

    aws_calls.run_recorded(sys.argv[1], sys.argv[2])
