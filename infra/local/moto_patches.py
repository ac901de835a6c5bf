"""Where moto departs from AWS in ways that matter to Vidscope, and the smallest fix for each.

Every function here names the moto internal it touches and why; nothing else in the project
reaches into moto.
"""

from __future__ import annotations

import functools
import json
import threading
import traceback
from datetime import UTC, datetime
from typing import Any

# Re-entrant: a transaction applies its items through the (also serialized) single-item writes.
_lock = threading.RLock()
_applied = False


_SERIALIZED_WRITES = ("transact_write_items", "put_item", "update_item", "delete_item")


def serialize_dynamodb_transactions() -> None:
    """Make moto's writes atomic across threads, as DynamoDB's are.

    ``moto.dynamodb.models.DynamoDBBackend.transact_write_items`` (moto 5.2) deep-copies each
    table it touches before applying the items and, when one fails its condition, restores that
    copy, without a lock. Two concurrent transactions can therefore undo each other's committed
    writes: a job answered with 202 disappears when another request's cancelled transaction puts
    back the older copy. Its single-item writes (``put_item``, ``update_item``, ``delete_item``)
    check a condition and then write, also without a lock, so one landing inside a transaction
    can be lost or can act on a state the transaction is replacing (seen: a cancel and a
    completion of one job both succeeding). DynamoDB applies each write atomically and serializes
    conflicting ones, so one lock around every write gives moto the same guarantee.

    The restored copy includes the table's stream shard, so stream reads
    (``DynamoDBStreamsBackend.get_shard_iterator`` and ``get_records``) take the same lock: a
    reader never sees the records of a transaction that is about to be undone. So does
    ``get_item``: a transaction applies its items one by one before it knows whether it commits,
    and DynamoDB never lets a read see such writes (seen: a job creation read an upload as used
    by a job whose transaction was then cancelled).
    """
    global _applied
    if _applied:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    serialized_methods: list[tuple[type, str]] = [(DynamoDBBackend, name) for name in _SERIALIZED_WRITES]
    serialized_methods += [(DynamoDBBackend, "get_item")]
    serialized_methods += [(DynamoDBStreamsBackend, "get_shard_iterator"), (DynamoDBStreamsBackend, "get_records")]
    for backend, name in serialized_methods:
        original = getattr(backend, name)

        def serialized(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with _lock:
                return _original(self, *args, **kwargs)

        setattr(backend, name, functools.wraps(original)(serialized))
    _applied = True


_lambda_applied = False
_ecs_applied = False


def run_lambdas_in_process() -> None:
    """Run Lambda invocations with the real handlers in this process, not in Docker.

    ``moto.awslambda.models.LambdaFunction._invoke_lambda(self, event)`` is the one place every
    invoke path reaches (the Invoke API, Step Functions tasks, SQS event sources); moto's own
    version starts a Docker container. This one looks the function up in ``vidscope.functions``
    and calls its handler through the local Lambda runtime. A raised exception becomes the
    payload AWS's Python runtime returns (``errorType`` = the class name), so the ASL's Retry and
    Catch match on it exactly as in the cloud; errors Lambda itself raises carry their own name
    (``error_type``, e.g. ``Function.ResponseSizeTooLarge`` from the runtime's payload quotas).
    """
    global _lambda_applied
    if _lambda_applied:
        return
    from moto.awslambda.models import LambdaFunction

    from infra.local.lambda_runtime import RUNTIME
    from vidscope.functions import function

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
        try:
            result = RUNTIME.invoke(function(self.function_name), payload)
        except Exception as exc:
            error = {
                "errorType": getattr(exc, "error_type", type(exc).__name__),
                "errorMessage": str(exc),
                "stackTrace": traceback.format_tb(exc.__traceback__),
            }
            return json.dumps(error), True, "".join(traceback.format_exception(exc))
        return json.dumps(result), False, ""

    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
    _lambda_applied = True


def run_ecs_tasks_from_step_functions() -> None:
    """Let the ASL's ``ecs:runTask`` reach moto's ECS, and keep its tasks RUNNING until stopped.

    1. ``moto.stepfunctions.parser...state_task_service_ecs.StateTaskServiceEcs`` passes the
       Parameters to botocore in the ASL's PascalCase (``Cluster``, ``TaskDefinition``), which
       botocore rejects (getmoto/moto#10076). The base class already has the converters that
       upstream's fix (PR #10094) wires in; this wires them the same way for ECS: request keys
       to the operation's input shape, response keys back to Step Functions' casing.
    2. moto's ECS tasks advance through their lifecycle on every describe by default
       (``moto.moto_api.state_manager``, model ``ecs::task``); a task here stays RUNNING until
       the local agent (``infra.local.ecs_agent``) stops it, as a real task runs until its
       container exits.
    """
    global _ecs_applied
    if _ecs_applied:
        return
    import botocore.session
    from botocore import xform_name
    from moto.moto_api import state_manager
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs import (
        StateTaskServiceEcs,
    )

    model = botocore.session.get_session().get_service_model("ecs")
    operations = {xform_name(name): model.operation_model(name) for name in model.operation_names}

    def _normalise_parameters(
        self: Any,
        parameters: dict[str, Any],
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        shape = operations[self._get_boto_service_action(service_action_name)].input_shape
        if shape is not None:
            self._to_boto_request(parameters, shape)

    def _normalise_response(
        self: Any, response: Any, boto_service_name: str | None = None, service_action_name: str | None = None
    ) -> None:
        shape = operations[self._get_boto_service_action(service_action_name)].output_shape
        if shape is not None:
            self._from_boto_response(response, shape)

    StateTaskServiceEcs._normalise_parameters = _normalise_parameters  # type: ignore[method-assign]
    StateTaskServiceEcs._normalise_response = _normalise_response  # type: ignore[method-assign]
    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
    _ecs_applied = True


_event_sources_applied = False


_heartbeat_applied = False


def report_heartbeat_timeouts_by_name() -> None:
    """Fail a callback task whose heartbeat ran out with ``States.HeartbeatTimeout``, as AWS does.

    ``moto.stepfunctions.parser...state_task_service_callback.StateTaskServiceCallback`` raises
    ``HeartbeatTimeoutError`` when no beat came in time, but that is a ``TimeoutError``, which
    ``StateTask._from_error`` reports as ``States.Timeout`` (the task's whole time ran out). The
    ASL tells the two apart: a dead worker (no beat) gets one more task, a task past its time
    budget does not (DESIGN §7). This reports the heartbeat's own name, with the same event
    (TaskTimedOut) and details otherwise; and a task failure's cause is kept
    (``_pass_task_failure_causes``), so the ASL's Catch sees what the worker said.
    """
    global _heartbeat_applied
    if _heartbeat_applied:
        return
    from moto.stepfunctions.parser.api import HistoryEventType, TaskTimedOutEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import HeartbeatTimeoutError
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original = StateTaskServiceCallback._from_error
    name = StatesErrorNameType.StatesHeartbeatTimeout

    def _from_error(self: Any, env: Any, ex: Exception) -> Any:
        if not isinstance(ex, HeartbeatTimeoutError):
            return original(self, env, ex)
        return FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=name),
            event_type=HistoryEventType.TaskTimedOut,
            # moto types EventDetails as a total TypedDict; its own code builds it with one key so.
            event_details=EventDetails(  # type: ignore[typeddict-item]
                taskTimedOutEventDetails=TaskTimedOutEventDetails(
                    resourceType=self._get_sfn_resource_type(),
                    resource=self._get_sfn_resource(),
                    error=name.to_name(),
                )
            ),
        )

    StateTaskServiceCallback._from_error = _from_error  # type: ignore[method-assign]
    _pass_task_failure_causes()
    _heartbeat_applied = True


def _pass_task_failure_causes() -> None:
    """Keep the ``cause`` of a SendTaskFailure, as AWS does.

    ``moto.stepfunctions.responses.StepFunctionResponse.send_task_failure`` hands the backend the
    error name alone, so a worker's reason (a vision task out of its time budget, pictures that
    cannot be seen) reached the Catch as an empty Cause and the client read "the job failed".
    """
    from moto.core.responses import ActionResult, EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def send_task_failure(self: Any) -> ActionResult:
        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause")
        )
        return EmptyResult()

    StepFunctionResponse.send_task_failure = send_task_failure  # type: ignore[method-assign]


def poll_event_sources_like_lambda() -> None:
    """Leave event source mappings to a poller, as AWS Lambda does.

    moto 5.2's ``LambdaBackend.create_event_source_mapping`` registers each mapping on its queue
    (``Queue.lambda_event_source_mappings``) or table (``Table.lambda_event_source_mappings``),
    and from then on every ``SendMessage`` or table write invokes the function synchronously,
    inside that call: SQS delays and visibility timeouts are ignored, ``batchItemFailures`` are
    ignored, and a stream mapping resends every record still in the shard on each write. The
    webhook retry schedule rests on SQS delays, and a slow webhook receiver would stall the
    table write that ended the job. So the mapping is created and listed as usual but not
    registered for pushing; ``infra.local.event_sources`` polls for it the way the Lambda
    service does.
    """
    global _event_sources_applied
    if _event_sources_applied:
        return
    from moto.awslambda.models import LambdaBackend
    from moto.dynamodb.models import dynamodb_backends
    from moto.sqs.models import sqs_backends

    original = LambdaBackend.create_event_source_mapping

    def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
        mapping = original(self, spec)
        for queue in sqs_backends[self.account_id][self.region_name].queues.values():
            queue.lambda_event_source_mappings.pop(mapping.function_arn, None)
        for table in dynamodb_backends[self.account_id][self.region_name].tables.values():
            table.lambda_event_source_mappings.pop(mapping.function_arn, None)
        return mapping

    LambdaBackend.create_event_source_mapping = create_event_source_mapping  # type: ignore[method-assign]
    _event_sources_applied = True


_presign_check_applied = False
# Whose presigned links the local S3 accepts: the credentials the local stack signs with, by key.
_signers: dict[str, Any] = {}
_signing_region: list[str] = []


def check_presigned_requests(credentials: Any, region: str) -> None:
    """Verify presigned requests at the local AWS's door, as S3 does (``infra.local.presigned_requests``).

    ``moto.moto_server.werkzeug_app.DomainDispatcherApplication.__call__`` (moto 5.2) is the WSGI
    entry of the server mode every client of the local stack reaches; moto serves a presigned
    URL there whatever its signature says. The wrapper answers with S3's own error when the
    request carries query-string authentication that S3 would refuse, and hands every other
    request on unchanged. ``credentials`` (botocore's, with the secret) are the ones links are
    signed with; links signed by any other key are refused as S3 refuses an unknown key.
    """
    global _presign_check_applied
    _signers[credentials.access_key] = credentials
    _signing_region[:] = [region]
    if _presign_check_applied:
        return
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    from infra.local import presigned_requests

    original = DomainDispatcherApplication.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        request = presigned_requests.from_environ(environ)
        if request.is_presigned():
            now = datetime.now(UTC)
            refused = presigned_requests.refusal(request, _signers.get, _signing_region[0], now)
            if refused is not None:
                return presigned_requests.answer(refused, environ, start_response)
        return original(self, environ, start_response)

    DomainDispatcherApplication.__call__ = __call__  # type: ignore[method-assign]
    _presign_check_applied = True
