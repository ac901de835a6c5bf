"""A render's steps recorded as the job's progress (moto's DynamoDB): each step's name in
``progress.stage``, the percent moving inside the render, writes held to one per interval, and the
render stopped once the job is cancelled."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from tests.integration.conftest import FakeClock, TenantHandle, create
from vidscope.capabilities import REGISTRY
from vidscope.jobs.plan import plan_for
from vidscope.jobs.repository import JobsRepository
from vidscope.models import JobStatus, Stage
from vidscope.pipeline.errors import JobNotActive
from vidscope.pipeline.messages import JobRef
from vidscope.pipeline.stages import StepReporter


def test_the_render_steps_are_the_job_progress(
    api: Client, tenant: TenantHandle, jobs_repo: JobsRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = create(api, tenant).json["data"]["job_id"]
    job = jobs_repo.get(tenant.tenant_id, job_id)
    assert job is not None
    clock = FakeClock()
    jobs_repo.transition(job, to_status=JobStatus.PROCESSING, allowed_from=frozenset({JobStatus.PENDING}), now=clock())
    ref = JobRef(job_id=job_id, tenant_id=tenant.tenant_id, stages=list(plan_for(["style"]).stages))
    style = REGISTRY["style"]
    report = StepReporter(jobs_repo, ref, style.steps, clock)
    now = [100.0]
    monkeypatch.setattr("vidscope.pipeline.analysis_stage.time.monotonic", lambda: now[0])

    def seen() -> tuple[Stage, float]:
        current = jobs_repo.get(tenant.tenant_id, job_id)
        assert current is not None and current.progress is not None
        return current.progress.stage, current.progress.percent

    report("video_analysis", 0.0)
    assert seen()[0] is Stage.VIDEO_ANALYSIS
    report("not_a_step", 0.0)  # a step the capability does not declare is not recorded
    report("rendering", 0.0)
    entered = seen()
    report("rendering", 0.5)  # within the interval: not written
    assert seen() == entered
    now[0] += StepReporter.INTERVAL_SECONDS
    report("rendering", 0.5)
    assert seen()[0] is Stage.RENDERING and seen()[1] > entered[1]
    assert api.post(f"/v1/jobs/{job_id}/cancel", headers=tenant.headers).status_code == 200
    now[0] += StepReporter.INTERVAL_SECONDS
    with pytest.raises(JobNotActive):  # the render stops: its job was cancelled
        report("rendering", 0.9)
