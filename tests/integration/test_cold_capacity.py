"""GPU capacity at zero (DESIGN §8, §10): the local ECS agent holds each task back between RunTask
and the worker's start, as scale-out, an instance boot and the image pull do in the cloud. The
Transcribe state's heartbeat window is sized for that wait, the worker beats from its first second,
and a worker whose task Step Functions gave up on stops itself."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest
from werkzeug.test import Client

from infra.local import stack
from infra.local.ecs_agent import RunningTask
from tests.integration.conftest import PIPELINE_ENV, TenantHandle, is_terminal, submit, transcribing_or_over, wait_for
from tests.support.media_server import MediaServer
from vidscope import dependencies

# The window Step Functions allows without a beat (and so before the first one), the worker's
# steady beat, and the agent's start delay: the delay is four steady beats long and stays inside
# the window, as a cold start (minutes) stays inside the deployed 15-minute window.
HEARTBEAT_WINDOW_SECONDS = 8
HEARTBEAT_INTERVAL_SECONDS = 1
START_DELAY_SECONDS = 4


def _transcribers(tasks: list[RunningTask]) -> list[RunningTask]:
    """The transcription tasks of a job: a job on a video also sees it (brands reads the screen)."""
    return [task for task in tasks if "VIDSCOPE_VISION_REQUEST" not in task.environment]


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.LocalStack]:
    """This module's stack: the pipeline tests' settings with a cold-start-sized window and every
    task's start delayed."""
    with pytest.MonkeyPatch.context() as env:
        for key, value in PIPELINE_ENV.items():
            env.setenv(key, value)
        env.setenv("VIDSCOPE_HEARTBEAT_SECONDS", str(HEARTBEAT_WINDOW_SECONDS))
        env.setenv("VIDSCOPE_HEARTBEAT_INTERVAL_SECONDS", str(HEARTBEAT_INTERVAL_SECONDS))
        dependencies.reset()
        with stack.running(
            log_dir=tmp_path_factory.mktemp("worker-logs"), task_start_delay_seconds=START_DELAY_SECONDS
        ) as running:
            yield running


@pytest.fixture
def start_delay(local_stack: stack.LocalStack) -> Iterator[None]:
    """Each test starts from the module's delay and leaves it so."""
    local_stack.agent.start_delay_seconds = START_DELAY_SECONDS
    yield
    local_stack.agent.start_delay_seconds = START_DELAY_SECONDS


def test_a_task_that_starts_after_a_cold_start_completes_the_job_without_a_retry(
    pipeline_api: Client,
    pipeline_tenant: TenantHandle,
    media_server: MediaServer,
    local_stack: stack.LocalStack,
    start_delay: None,
) -> None:
    # Given every task starts four steady beats after RunTask (the previous 3 s window: gone)
    assert START_DELAY_SECONDS > 3 * HEARTBEAT_INTERVAL_SECONDS
    # When a job runs
    job_id = submit(pipeline_api, pipeline_tenant, media_server.url("speech.mp4"))
    job, _ = wait_for(pipeline_api, pipeline_tenant, job_id, is_terminal)
    # Then it completes on its first task: the window covered the wait
    assert job["status"] == "completed", job["error"]
    assert job["results"]["transcription"]["word_count"] > 40
    [task] = _transcribers(local_stack.agent.launched_for_job(job_id))
    assert task.process.wait(timeout=10) == 0


def test_a_worker_killed_mid_job_after_a_cold_start_is_retried_and_the_job_completes(
    pipeline_api: Client,
    pipeline_tenant: TenantHandle,
    media_server: MediaServer,
    local_stack: stack.LocalStack,
    start_delay: None,
) -> None:
    # Given a job whose worker started after the cold-start delay and is transcribing
    job_id = submit(pipeline_api, pipeline_tenant, media_server.url("speech.mp4"))
    wait_for(
        pipeline_api,
        pipeline_tenant,
        job_id,
        transcribing_or_over,
    )
    [worker] = _transcribers(local_stack.agent.tasks_for_job(job_id))
    # When it is killed, as an instance loss would
    os.kill(worker.process.pid, signal.SIGKILL)
    # Then the window runs out, the Retry's task starts (after its own delay) and completes the job
    job, _ = wait_for(pipeline_api, pipeline_tenant, job_id, is_terminal)
    assert job["status"] == "completed", job["error"]
    assert job["results"]["transcription"]["word_count"] > 40
    assert len(_transcribers(local_stack.agent.launched_for_job(job_id))) == 2
