"""Time budgets proportional to the bill (DESIGN §7): each stage may run for a base plus a share of
the billed duration, under the configured ceilings; a worker past its budget fails its task as
TaskOutOfTime (which no Retry lists) and stops; failures count per tenant per UTC day."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from pydantic import BaseModel

from vidscope import catalog
from vidscope.clock import utc_now
from vidscope.functions import function
from vidscope.models import Stage
from vidscope.pipeline import container_task
from vidscope.pipeline.container_task import Heartbeat
from vidscope.pipeline.errors import public_message
from vidscope.pipeline.messages import JobRef
from vidscope.settings import Settings
from vidscope.tenancy import failed_compute

DEPLOYED = Settings()
HOUR = 60 * 60


def _budgets(duration_seconds: float, *, ceiling: float = 10 * HOUR, heartbeat: int = 900) -> dict[str, int]:
    return catalog.time_budgets(
        duration_seconds, transcription_ceiling=ceiling, vision_ceiling=ceiling, heartbeat_seconds=heartbeat
    )


def test_each_budget_grows_with_the_billed_duration_by_its_measured_rate() -> None:
    one_minute, one_hour = _budgets(60), _budgets(HOUR)
    for stage, rate in (
        ("transcription", catalog.TRANSCRIPTION_TIME_BUDGET.per_media_second),
        ("vision", catalog.VISION_TIME_BUDGET.per_media_second),
    ):
        assert one_hour[stage] - one_minute[stage] == pytest.approx(rate * (HOUR - 60), abs=1), stage
    # The audit's case: a 1-minute job held a vision task for an hour; it now gets two minutes.
    assert one_minute["vision"] == 114 and one_minute["transcription"] == 138
    assert one_hour["vision"] == 3300 and one_hour["transcription"] == 1200


def test_the_ceilings_cap_each_budget_and_the_backstop_waits_for_the_start_and_the_worker() -> None:
    budgets = _budgets(HOUR, ceiling=5, heartbeat=3)
    assert budgets["transcription"] == budgets["vision"] == 5
    # Step Functions' timeout runs from RunTask: the start window, the worker's budget, a margin.
    assert budgets["vision_timeout"] == 5 + 3 + catalog.TASK_TIMEOUT_MARGIN_SECONDS
    assert budgets["transcription_timeout"] == budgets["vision_timeout"]


def test_the_deployed_ceilings_do_not_cut_the_budget_of_the_longest_media_allowed() -> None:
    longest = catalog.MAX_MEDIA_SECONDS
    assert catalog.TRANSCRIPTION_TIME_BUDGET.seconds(longest, float("inf")) <= DEPLOYED.transcription_timeout_seconds
    assert catalog.VISION_TIME_BUDGET.seconds(longest, float("inf")) <= DEPLOYED.vision_timeout_seconds


def test_the_analysis_budget_stays_under_the_analyze_functions_lambda_timeout() -> None:
    assert _budgets(catalog.MAX_MEDIA_SECONDS)["analysis"] == catalog.ANALYSIS_TIME_CEILING_SECONDS
    assert function("analyze").timeout_seconds > catalog.ANALYSIS_TIME_CEILING_SECONDS


@pytest.mark.parametrize(
    ("stage", "code"), [(Stage.TRANSCRIPTION, "TRANSCRIPTION_FAILED"), (Stage.VISION, "VISION_FAILED")]
)
def test_a_task_out_of_time_fails_with_its_stages_code_and_says_why(stage: Stage, code: str) -> None:
    cause = "the task ran out of its time budget (114 s for media of this length); not retried"
    assert public_message("TaskOutOfTime", cause, stage) == (code, cause)


class _Done(BaseModel):
    ok: bool = True


def _runtime(sfn: object) -> container_task.TaskRuntime:
    return container_task.TaskRuntime(
        repo=None,  # type: ignore[arg-type]
        media=None,  # type: ignore[arg-type]
        sfn=sfn,
        clock=utc_now,
        heartbeat_seconds=900,
        heartbeat_interval_seconds=10,
    )


def _task(budget: float) -> container_task.WorkerTask:
    return container_task.WorkerTask(JobRef(job_id="job_1", tenant_id="ten_1"), "media/x/source.mp4", "tok", budget)


def test_a_worker_past_its_budget_fails_its_task_as_out_of_time_and_its_work_stops() -> None:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    stopped = threading.Event()

    def endless(heartbeat: Heartbeat) -> BaseModel:  # a decoder that never finishes, checking now and then
        try:
            while True:
                heartbeat.check()
                time.sleep(0.01)
        finally:
            stopped.set()

    with Stubber(sfn) as stub:
        stub.add_response("send_task_heartbeat", {}, {"taskToken": "tok"})
        stub.add_response(
            "send_task_failure",
            {},
            {
                "taskToken": "tok",
                "error": "TaskOutOfTime",
                "cause": "the task ran out of its time budget (0 s for media of this length); not retried",
            },
        )
        started = time.monotonic()
        delivered = container_task.run(_task(0.3), endless, _runtime(sfn))
        elapsed = time.monotonic() - started
        stub.assert_no_pending_responses()
    assert delivered is False and 0.3 <= elapsed < 2
    assert stopped.wait(2), "the work went on after its task was failed"


def test_a_worker_within_its_budget_delivers_its_output() -> None:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    with Stubber(sfn) as stub:
        stub.add_response("send_task_heartbeat", {}, {"taskToken": "tok"})
        stub.add_response("send_task_success", {}, {"taskToken": "tok", "output": '{"ok":true}'})
        assert container_task.run(_task(5), lambda heartbeat: _Done(), _runtime(sfn)) is True
        stub.assert_no_pending_responses()


def test_failed_compute_counts_in_utc_days_and_refusals_last_until_the_next_one() -> None:
    late = datetime(2026, 11, 1, 23, 59, 30, tzinfo=UTC)
    assert failed_compute.day_of(late) == "2026-11-01"
    assert failed_compute.seconds_until_next_day(late) == 30
    assert failed_compute.day_of(datetime(2026, 11, 2, 0, 0, tzinfo=UTC)) == "2026-11-02"
    assert failed_compute.spend("t", "ten_1", 0, late) == []  # nothing ran, nothing written
    [item] = failed_compute.spend("t", "ten_1", 0.2, late)
    assert item["Update"]["ExpressionAttributeValues"][":seconds"] == {"N": "1"}  # a started second counts


def test_an_unknown_plan_gets_the_smallest_failed_compute_allowance() -> None:
    assert catalog.failed_compute_budget("pro") == catalog.FAILED_COMPUTE_SECONDS_PER_DAY["pro"]
    assert catalog.failed_compute_budget("legacy") == catalog.FAILED_COMPUTE_SECONDS_PER_DAY["free"]
