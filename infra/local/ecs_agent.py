"""The local stand-in for the ECS container agent: it runs the tasks Step Functions starts.

moto's ECS records tasks but runs nothing. This agent polls ``ListTasks`` on the local cluster,
and for each new RUNNING task starts its container's entrypoint (``ContainerSpec.module``) as a
subprocess with the task's environment overrides (job, media key, task token), just as the
container would get them. When the process exits it calls ``StopTask``; when a task is stopped
from outside, it terminates the process. Each task is its own process, so a test can kill one
mid-transcription the way an instance loss would.

In the cloud the task first waits for capacity (the GPU group scales to zero), an instance boot
and the image pull; ``start_delay_seconds`` stands for that wait between RunTask and the process
starting (DESIGN §10), so the tests can hold a task back past the heartbeat window's usual size.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from vidscope.functions import CONTAINERS

_REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunningTask:
    task_arn: str
    environment: dict[str, str]
    process: subprocess.Popen[bytes]
    log: IO[bytes] | None
    # time.monotonic() when the process started and when it was seen to end: the task's billed
    # seconds, read by the cost benchmark (bench/cost.py).
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None


@dataclass
class _PlacingTask:
    task: dict[str, Any]
    starts_at: float  # time.monotonic()


class EcsAgent:
    def __init__(
        self,
        ecs: Any,
        cluster_arn: str,
        *,
        environment: dict[str, str],
        poll_seconds: float = 0.1,
        log_dir: Path | None = None,
        start_delay_seconds: float = 0.0,
    ) -> None:
        self._ecs = ecs
        self._cluster = cluster_arn
        self._environment = environment  # the task definition's own environment
        self._poll = poll_seconds
        self._log_dir = log_dir
        # Read when a task is first seen, so a test may change it between two tasks.
        self.start_delay_seconds = start_delay_seconds
        self._placing: dict[str, _PlacingTask] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.running: dict[str, RunningTask] = {}
        self.finished: dict[str, int] = {}  # task ARN → exit code
        self.launched: list[RunningTask] = []  # every task started, running or not
        self._thread = threading.Thread(target=self._loop, name="ecs-agent", daemon=True)

    def start(self) -> EcsAgent:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with self._lock:
            tasks = list(self.running.values())
        for task in tasks:
            task.process.terminate()
        for task in tasks:
            try:
                task.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                task.process.kill()
            if task.log is not None:
                task.log.close()

    def tasks_for_job(self, job_id: str) -> list[RunningTask]:
        with self._lock:
            return [t for t in self.running.values() if t.environment.get("VIDSCOPE_JOB_ID") == job_id]

    def _loop(self) -> None:
        while not self._stop.wait(self._poll):
            try:
                self._tick()
            except Exception:  # the local AWS going away at shutdown must not kill the thread noisily
                if self._stop.is_set():
                    return
                raise

    def launched_for_job(self, job_id: str) -> list[RunningTask]:
        with self._lock:
            return [t for t in self.launched if t.environment.get("VIDSCOPE_JOB_ID") == job_id]

    def _tick(self) -> None:
        arns = self._ecs.list_tasks(cluster=self._cluster, desiredStatus="RUNNING")["taskArns"]
        known = self.running.keys() | self.finished.keys() | self._placing.keys()
        new = [arn for arn in arns if arn not in known]
        if new:
            starts_at = time.monotonic() + self.start_delay_seconds
            for task in self._ecs.describe_tasks(cluster=self._cluster, tasks=new)["tasks"]:
                self._placing[task["taskArn"]] = _PlacingTask(task, starts_at)
        for arn, placing in list(self._placing.items()):
            if arn not in arns:
                del self._placing[arn]  # stopped before it ever ran
            elif placing.starts_at <= time.monotonic():
                del self._placing[arn]
                self._launch(placing.task)
        with self._lock:
            tasks = list(self.running.values())
        for task in tasks:
            code = task.process.poll()
            if code is None and task.task_arn not in arns:
                task.process.terminate()  # stopped from outside (StopTask)
                code = task.process.wait()
            if code is not None:
                self._ecs.stop_task(
                    cluster=self._cluster, task=task.task_arn, reason=f"Essential container exited with code {code}"
                )
                task.ended = time.monotonic()
                if task.log is not None:
                    task.log.close()
                with self._lock:
                    self.running.pop(task.task_arn, None)
                    self.finished[task.task_arn] = code

    def _launch(self, task: dict[str, Any]) -> None:
        # The task definition's family is the container's name (infra.local.resources).
        family = task["taskDefinitionArn"].rsplit("/", 1)[-1].split(":")[0]
        container = next(c for c in CONTAINERS if c.name == family)
        overrides = task.get("overrides", {}).get("containerOverrides", [])
        env = {**os.environ, **self._environment}
        for override in overrides:
            env.update({e["name"]: e["value"] for e in override.get("environment", [])})
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_REPO_ROOT), env.get("PYTHONPATH")]))
        log: IO[bytes] | None = None
        if self._log_dir is not None:
            self._log_dir.mkdir(parents=True, exist_ok=True)
            log = (self._log_dir / f"{task['taskArn'].rsplit('/', 1)[-1]}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 - our own entrypoint, run by this interpreter
            # Under the AWS call recorder: the task role's calls are checked like the functions'.
            [sys.executable, "-m", "infra.local.aws_calls", container.name, container.module],
            env=env,
            cwd=_REPO_ROOT,
            stdout=log if log is not None else subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        running = RunningTask(task["taskArn"], env, process, log)
        with self._lock:
            self.running[task["taskArn"]] = running
            self.launched.append(running)
