"""Time budgets on the whole local stack (DESIGN §7): a vision task that runs out of the time its
media's billed duration allows is failed by its own worker (TaskOutOfTime) and not retried on the
same input; the job goes on without its frame capabilities, and what the task ran counts against
the tenant's failed compute."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from werkzeug.test import Client

from infra.local import stack
from infra.local.serve import SAMPLE_DIR
from tests.integration.conftest import PIPELINE_ENV, TenantHandle, is_terminal, wait_for
from tests.support.media import remux
from tests.support.media_server import MediaServer, serving
from tests.support.vision_media import make_video
from vidscope import dependencies
from vidscope.clock import utc_now

# The vision ceiling, shortened so that any vision task runs past its budget: seeing 12 s of
# pictures takes several seconds here (0.4 x real time, and the libraries' import).
VISION_CEILING_SECONDS = 1
FRAMES = ["shots", "on_screen_text"]


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[stack.LocalStack]:
    """The pipeline tests' stack, with every vision task given one second."""
    with pytest.MonkeyPatch.context() as env:
        for key, value in PIPELINE_ENV.items():
            env.setenv(key, value)
        env.setenv("VIDSCOPE_VISION_TIMEOUT_SECONDS", str(VISION_CEILING_SECONDS))
        dependencies.reset()
        with stack.running(log_dir=tmp_path_factory.mktemp("worker-logs")) as running:
            yield running


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaServer]:
    root = tmp_path_factory.mktemp("film")
    pictures = make_video(root / "pictures.mp4", seconds=12.0, words=("SPRING SALE",))
    remux(root / "film.mp4", video=pictures.path, audio=SAMPLE_DIR / "speech.mp4")
    with serving(root) as server:
        yield server


def test_a_vision_task_past_its_budget_fails_the_frame_capabilities_and_is_not_retried(
    pipeline_api: Client, pipeline_tenant: TenantHandle, film: MediaServer, local_stack: stack.LocalStack
) -> None:
    # Given a job that needs speech and pictures, whose vision task gets a second
    body = {"url": film.url("film.mp4"), "capabilities": ["transcription", *FRAMES]}
    created = pipeline_api.post("/v1/jobs", json=body, headers=pipeline_tenant.headers)
    assert created.status_code == 202, created.json
    job_id = created.json["data"]["job_id"]
    # When it runs
    job, _ = wait_for(pipeline_api, pipeline_tenant, job_id, is_terminal, 120)
    # Then the transcript is there, and the frame capabilities failed alone, saying why, uncharged
    assert job["status"] == "completed", job["error"]
    assert job["results"]["transcription"]["word_count"] > 40
    errors = {e["capability"]: e for e in job["capability_errors"]}
    assert set(errors) == set(FRAMES)
    for error in errors.values():
        assert error["code"] == "VISION_FAILED"
        assert error["message"] == (
            f"the task ran out of its time budget ({VISION_CEILING_SECONDS} s for media of this length); not retried"
        )
    assert set(job["cost_breakdown"]) == {"transcription"}
    # And one vision task was started, never a second on the same input
    seen = [t for t in local_stack.agent.launched_for_job(job_id) if "VIDSCOPE_VISION_REQUEST" in t.environment]
    assert len(seen) == 1
    assert seen[0].environment["VIDSCOPE_TIME_BUDGET_SECONDS"] == str(VISION_CEILING_SECONDS)
    assert seen[0].process.wait(timeout=20) == 0  # the worker left once it failed its task, its work with it
    # And the seconds it ran count against the tenant's failed compute for the day
    spent = dependencies.jobs_repository().failed_compute_seconds(pipeline_tenant.tenant_id, utc_now())
    assert spent >= VISION_CEILING_SECONDS
