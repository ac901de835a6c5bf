"""A media stage's container task, whatever it computes: it beats the task's heartbeat from its
first second, stops when Step Functions stops waiting for it or the job ends, and answers with
the task token (success with the stage's output, or failure with the error's name). The
transcription and vision workers differ only in their work."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from pydantic import BaseModel

from vidscope.adapters.media_store import MediaStore
from vidscope.clock import Clock
from vidscope.jobs.repository import JobsRepository
from vidscope.log import logger
from vidscope.pipeline.errors import JobNotActive, StageFailed, TaskOutOfTime
from vidscope.pipeline.messages import JobRef


@dataclass(frozen=True)
class WorkerTask:
    job: JobRef
    media_key: str
    task_token: str
    # Seconds the work may take (catalog.time_budgets, handed on by the ASL); None: unbounded.
    time_budget_seconds: float | None = None


@dataclass(frozen=True)
class TaskRuntime:
    """What every media stage's worker works with, wired once by the container's entrypoint
    (``vidscope.dependencies.task_runtime``)."""

    repo: JobsRepository
    media: MediaStore
    sfn: Any
    clock: Clock
    heartbeat_seconds: float
    heartbeat_interval_seconds: float


_WORK_THREAD = "work"


class Heartbeat(threading.Thread):
    """Beats every ``interval`` seconds; notices when Step Functions no longer waits for us
    (execution stopped by a cancel, or the task timed out) so the work stops too.

    Step Functions does not stop an ECS task started with ``runTask.waitForTaskToken`` when the
    task times out (it calls StopTask only for ``.sync``): a worker that is no longer waited for
    would hold its instance to the end of the job. A refused beat is how it learns to stop."""

    def __init__(self, sfn: Any, token: str, interval: float) -> None:
        super().__init__(name="heartbeat", daemon=True)
        self._sfn, self._token, self._interval = sfn, token, interval
        self._done = threading.Event()
        self.abandoned = threading.Event()
        self.out_of_time = threading.Event()

    def beat(self) -> bool:
        """One beat; False when Step Functions refused it because it no longer waits for us."""
        try:
            self._sfn.send_task_heartbeat(taskToken=self._token)
        except (
            self._sfn.exceptions.TaskTimedOut,
            self._sfn.exceptions.TaskDoesNotExist,
            self._sfn.exceptions.InvalidToken,
        ):
            self.abandoned.set()
            return False
        except Exception:  # a missed beat is survivable; the next one may get through
            logger.warning("heartbeat failed", exc_info=True)
        return True

    def run(self) -> None:
        while not self._done.wait(self._interval) and self.beat():
            pass

    def stop(self) -> None:
        self._done.set()

    def check(self) -> None:
        if self.abandoned.is_set():
            raise JobNotActive("Step Functions stopped waiting for this task")
        if self.out_of_time.is_set():
            raise JobNotActive("the task ran out of its time budget and was failed")


def run(task: WorkerTask, work: Callable[[Heartbeat], BaseModel], runtime: TaskRuntime) -> bool:
    """Run ``work`` under the task's heartbeat and answer Step Functions with its output; True
    when the output was delivered. ``work`` raises ``JobNotActive`` to stop quietly and
    ``StageFailed`` to fail the task with that error."""
    sfn = runtime.sfn
    heartbeat_seconds, heartbeat_interval_seconds = runtime.heartbeat_seconds, runtime.heartbeat_interval_seconds
    # At least three beats per allowed window, so one slow call does not fail the task.
    interval = max(min(heartbeat_interval_seconds, heartbeat_seconds / 3), 0.2)
    heartbeat = Heartbeat(sfn, task.task_token, interval)
    # The first beat goes out before anything else: the window Step Functions allows has been
    # running since RunTask (placement, image pull). A task that started after its window ran out
    # has been replaced by the Retry's task: it leaves without touching the job.
    if not heartbeat.beat():
        # A warning: the cold start outlasted the window, which ops should hear about.
        logger.warning("task no longer awaited (started after its heartbeat window); exiting")
        return False
    heartbeat.start()
    try:
        output = _within_budget(work, heartbeat, task.time_budget_seconds)
        sfn.send_task_success(taskToken=task.task_token, output=output.model_dump_json())
        return True
    except JobNotActive as exc:
        logger.info("job no longer active; stopping", extra={"job_id": task.job.job_id})
        # After a StopExecution the token is dead and this is refused, which is fine; where the
        # wait is still open (moto does not end it on StopExecution) this ends it now.
        with contextlib.suppress(Exception):
            sfn.send_task_failure(taskToken=task.task_token, error=type(exc).__name__, cause=str(exc))
        return False
    except StageFailed as exc:
        sfn.send_task_failure(taskToken=task.task_token, error=type(exc).__name__, cause=str(exc))
        return False
    finally:
        heartbeat.stop()


def _within_budget(
    work: Callable[[Heartbeat], BaseModel], heartbeat: Heartbeat, budget_seconds: float | None
) -> BaseModel:
    """``work``'s output, or ``TaskOutOfTime`` once it has run ``budget_seconds``.

    The work runs on its own (daemon) thread and this one waits for it at most the budget: a
    decoder or a model call can hold its thread for long stretches, and no check inside the work
    is needed for the task to end on time. On time out the work is told to stop at its next check
    (``Heartbeat.check``); its thread dies with the process, which exits once the failure is sent.
    The failure is ours, by name, before Step Functions' own timeout (the backstop) fires, so the
    ASL can tell a task that ran out of its time (not retried: the same input would run out again)
    from a worker that died (retried once)."""
    if budget_seconds is None:
        return work(heartbeat)
    outcome: list[BaseModel | BaseException] = []

    def run_work() -> None:
        try:
            outcome.append(work(heartbeat))
        except BaseException as exc:  # handed to the waiting thread, which answers for the task
            outcome.append(exc)

    worker = threading.Thread(target=run_work, name=_WORK_THREAD, daemon=True)
    worker.start()
    worker.join(budget_seconds)
    if worker.is_alive() or not outcome:
        heartbeat.out_of_time.set()
        raise TaskOutOfTime(
            f"the task ran out of its time budget ({budget_seconds:.0f} s for media of this length); not retried"
        )
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def exit_process(code: int) -> NoReturn:
    """End the worker's process with ``code``. When a task ran out of its time, its work thread may
    still be inside native code (a decoder, ONNX Runtime, CTranslate2); the interpreter's shutdown
    would then destroy running C++ threads and abort (SIGABRT: "terminate called without an active
    exception"). The answer to Step Functions is already sent, so such a process leaves at once."""
    if any(thread.name == _WORK_THREAD and thread.is_alive() for thread in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def task_from_environment(environ: Mapping[str, str]) -> WorkerTask:
    """The task as the ASL's container overrides describe it (the Transcribe and See states);
    the job's id goes on every log line from here on."""
    logger.append_keys(job_id=environ["VIDSCOPE_JOB_ID"])
    return WorkerTask(
        job=JobRef(
            job_id=environ["VIDSCOPE_JOB_ID"],
            tenant_id=environ["VIDSCOPE_TENANT_ID"],
            # The job's stage plan, for the progress it reports (every stage when not given).
            **({"stages": json.loads(environ["VIDSCOPE_STAGES"])} if "VIDSCOPE_STAGES" in environ else {}),
        ),
        media_key=environ["VIDSCOPE_MEDIA_KEY"],
        task_token=environ["VIDSCOPE_TASK_TOKEN"],
        time_budget_seconds=float(environ["VIDSCOPE_TIME_BUDGET_SECONDS"])
        if "VIDSCOPE_TIME_BUDGET_SECONDS" in environ
        else None,
    )
