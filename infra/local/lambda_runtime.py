"""In-process Lambda execution environments for the local runtime and the tests.

Lambda runs each invocation alone in an execution environment (a process holding its own copy of
the handler module), reuses an idle environment for the next invocation, starts another (a cold
start) when every one is busy, and never runs more at once than the function's reserved
concurrency. Handlers rely on the first rule: the Powertools resolver keeps the request it is
serving on the module-level ``app``.

Here each function has a pool of environments (``EnvironmentPool``), each lent to one invocation
at a time. An environment owns a fresh instance of the handler module: ``fresh_handler`` executes
the module's file again into a new module object (not the one in ``sys.modules``), so its
resolver ``app``, its router and whatever else the handler file keeps at module level belong to
that environment alone; what Powertools keeps per process about the request being resolved is
kept per resolver instead (``keep_resolver_state_per_environment``). Pool size: the function's
reserved concurrency in the ``dev`` stage (``infra.concurrency``, what ``cdk deploy`` deploys by
default) capped by ``VIDSCOPE_LOCAL_LAMBDA_ENVIRONMENTS`` (default 4: a laptop does not run 50
copies of a function).

Lambda throttles an invocation that finds no free environment at once (``TooManyRequestsException``).
The pool here usually stands for a larger reserved concurrency than it holds, so an invocation
that finds every environment busy waits for one instead, at most the function's timeout (29 s for
the API functions, API Gateway's integration timeout), and only then is throttled.

Not isolated: what is imported once per process and shared by every environment, as threads of
one process share it: the layer (``vidscope.*``: the clients cached by ``vidscope.dependencies``,
the Powertools Logger and Metrics and their per-request keys) and the libraries.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from types import ModuleType
from typing import Any

from infra.concurrency import DEV_FUNCTION_CONCURRENCY, PROD_FUNCTION_CONCURRENCY
from infra.local import aws_calls, quotas
from vidscope.functions import FunctionSpec

# The local environment cap: how many environments one function may have here at most.
ENVIRONMENTS_ENV = "VIDSCOPE_LOCAL_LAMBDA_ENVIRONMENTS"
DEFAULT_ENVIRONMENTS = 4
# Whose reserved concurrency the local stack models.
LOCAL_STAGE = "dev"

Handler = Callable[[Any, Any], Any]


@dataclass
class LambdaContextStub:
    """The attributes Powertools reads from a Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


class TooManyRequestsException(Exception):
    """Lambda's throttle: every environment the function may have is busy (HTTP 429 from Invoke)."""

    # What Step Functions names a throttled Lambda task's error, and so what ASL Retry matches on.
    error_type = "Lambda.TooManyRequestsException"


def fresh_module(spec: FunctionSpec) -> ModuleType:
    """A new instance of the function's handler module, apart from the one ``import`` gives."""
    keep_resolver_state_per_environment()
    found = importlib.util.find_spec(spec.module)
    if found is None or found.loader is None:
        raise ModuleNotFoundError(f"no handler module {spec.module!r} for {spec.name}")
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module


def fresh_handler(spec: FunctionSpec) -> Handler:
    """The ``lambda_handler`` of a new instance of the function's handler module (an environment's
    initialization, as Lambda's init phase imports the handler in a new process)."""
    handler: Handler = fresh_module(spec).lambda_handler
    return handler


_resolver_patch = threading.Lock()
_resolver_patched = False


def keep_resolver_state_per_environment() -> None:
    """Make the request a Powertools API resolver serves its own, not its process's (idempotent).

    ``aws_lambda_powertools.event_handler.api_gateway.ApiGatewayResolver.resolve`` stores the event
    and the context on the ``BaseRouter`` class (``BaseRouter.current_event``, ``.lambda_context``),
    and the resolver, its routers and its validation middleware read them through the resolver
    (``app.current_event``). One per process is right in Lambda, where a process is one execution
    environment; here environments are threads of one process, so two concurrent invocations of
    any API functions read each other's request (seen: a POST validated against a GET's headers,
    answered 415). Storing them on the resolver as well, before it runs, makes every read through
    it find its own (an instance attribute hides the class's), and each environment has a resolver
    of its own. Upstream isolates this for its local ASGI server only
    (aws-powertools/powertools-lambda-python#8451, fixed by #8452); ``resolve_async`` is unused here.
    """
    global _resolver_patched
    with _resolver_patch:
        if _resolver_patched:
            return
        from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
        from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

        original = ApiGatewayResolver.resolve

        def resolve(self: ApiGatewayResolver, event: Any, context: Any) -> dict[str, Any]:
            raw = event.raw_event if isinstance(event, BaseProxyEvent) else event
            self.current_event = self._to_proxy_event(raw)
            self.lambda_context = context
            return original(self, event, context)

        ApiGatewayResolver.resolve = wraps(original)(resolve)  # type: ignore[method-assign]
        _resolver_patched = True


class EnvironmentPool:
    """A function's environments (each one its handler, from ``load_handler``): at most ``size``,
    started on demand, each lent to one invocation at a time, the most recently used idle one
    first (as Lambda prefers a warm environment)."""

    def __init__(self, spec: FunctionSpec, size: int, load_handler: Callable[[FunctionSpec], Handler]) -> None:
        if size < 1:
            raise ValueError(f"{spec.name}: a pool needs at least one environment, not {size}")
        self.spec = spec
        self.size = size
        self._load_handler = load_handler
        self._idle: list[Handler] = []
        self._started = 0
        self._waiting = 0
        self._changed = threading.Condition()

    @property
    def started(self) -> int:
        """Environments started so far (cold starts)."""
        with self._changed:
            return self._started

    @property
    def waiting(self) -> int:
        """Invocations waiting for an environment now."""
        with self._changed:
            return self._waiting

    @contextmanager
    def environment(self, wait_seconds: float) -> Iterator[Handler]:
        """An environment's handler for one invocation, for as long as the block runs; waits up to
        ``wait_seconds`` for an environment to be free, then raises ``TooManyRequestsException``."""
        environment = self._take(wait_seconds)
        try:
            yield environment
        finally:
            with self._changed:
                self._idle.append(environment)
                self._changed.notify()

    def _take(self, wait_seconds: float) -> Handler:
        deadline = time.monotonic() + wait_seconds
        with self._changed:
            self._waiting += 1
            try:
                while not self._idle and self._started >= self.size:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TooManyRequestsException(
                            f"Rate Exceeded: all {self.size} execution environments of {self.spec.name} are busy"
                        )
                    self._changed.wait(remaining)
            finally:
                self._waiting -= 1
            if self._idle:
                return self._idle.pop()
            self._started += 1
        try:  # a cold start, outside the lock: other invocations take idle environments meanwhile
            return self._load_handler(self.spec)
        except BaseException:
            with self._changed:
                self._started -= 1
                self._changed.notify()
            raise


def reserved_concurrency(name: str) -> int:
    """Function ``name``'s reserved concurrency in the stage the local stack models."""
    concurrency = {"dev": DEV_FUNCTION_CONCURRENCY, "prod": PROD_FUNCTION_CONCURRENCY}[LOCAL_STAGE]
    if name not in concurrency:
        raise KeyError(f"no reserved concurrency configured for {name!r} (infra/concurrency.py)")
    return concurrency[name]


def environment_cap() -> int:
    """The local cap on environments per function (``VIDSCOPE_LOCAL_LAMBDA_ENVIRONMENTS``)."""
    raw = os.environ.get(ENVIRONMENTS_ENV, str(DEFAULT_ENVIRONMENTS))
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{ENVIRONMENTS_ENV} must be a whole number of at least 1, not {raw!r}")
    return int(raw)


class LambdaRuntime:
    """Invokes functions in their pools of execution environments.

    ``max_environments`` caps every pool (default: ``VIDSCOPE_LOCAL_LAMBDA_ENVIRONMENTS``, read
    when a function is first invoked); ``wait_seconds`` bounds the wait for a free environment
    (default: the function's timeout; 0 throttles at once, as Lambda does); ``load_handler``
    starts an environment's handler (default: a fresh instance of the handler module).
    """

    def __init__(
        self,
        *,
        max_environments: int | None = None,
        wait_seconds: float | None = None,
        load_handler: Callable[[FunctionSpec], Handler] = fresh_handler,
    ) -> None:
        self._max_environments = max_environments
        self._wait_seconds = wait_seconds
        self._load_handler = load_handler
        self._pools: dict[str, EnvironmentPool] = {}
        self._guard = threading.Lock()

    def pool(self, spec: FunctionSpec) -> EnvironmentPool:
        """The function's pool, made on its first invocation."""
        with self._guard:
            pool = self._pools.get(spec.name)
            if pool is None:
                cap = self._max_environments if self._max_environments is not None else environment_cap()
                size = min(reserved_concurrency(spec.name), cap)
                pool = self._pools[spec.name] = EnvironmentPool(spec, size, self._load_handler)
            return pool

    def invoke(self, spec: FunctionSpec, event: Any) -> Any:
        """Run the handler as Lambda would, payload quotas and concurrency included: an event over
        the synchronous quota never reaches it (``RequestTooLargeException``), an invocation that
        finds no free environment in time is throttled (``TooManyRequestsException``), a result
        over the quota is replaced by Lambda's error (``ResponseSizeTooLarge``)."""
        quotas.check_lambda_request(spec.name, event)
        wait = self._wait_seconds if self._wait_seconds is not None else float(spec.timeout_seconds)
        context = LambdaContextStub(function_name=spec.name, memory_limit_in_mb=spec.memory_mb)
        with self.pool(spec).environment(wait) as handler, aws_calls.acting_as(spec.name):
            result = handler(event, context)
        quotas.check_lambda_response(spec.name, result)
        return result


RUNTIME = LambdaRuntime()
