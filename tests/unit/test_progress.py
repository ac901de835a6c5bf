"""Progress lists the job's own plan: its stages, and a percent spread over them."""

from __future__ import annotations

from vidscope.jobs import progress
from vidscope.jobs.plan import plan_for
from vidscope.models import Stage


def test_a_plan_without_analysis_lists_and_weighs_only_its_stages() -> None:
    plan = plan_for(["transcription"]).stages
    at_start = progress.at(Stage.TRANSCRIPTION, 0.0, plan)
    assert at_start.stages_completed == [Stage.INGESTION]
    assert at_start.stages_remaining == [Stage.MERGING]
    assert progress.at(Stage.INGESTION, 0.0, plan).percent == 0.0
    assert progress.at(Stage.MERGING, 1.0, plan).percent == 100.0
    # Ingestion's share grows when the analysis stage is not there to take its part.
    assert progress.at(Stage.INGESTION, 1.0, plan).percent > progress.at(Stage.INGESTION, 1.0).percent


def test_the_full_plan_keeps_the_shares_it_always_had() -> None:
    assert progress.at(Stage.TRANSCRIPTION, 0.0).percent == 10.0
    assert progress.at(Stage.ANALYSIS, 0.0).percent == 85.0
    assert progress.at(Stage.ANALYSIS, 0.0).stages_remaining == [Stage.MERGING]


def test_a_style_job_lists_the_render_steps_and_moves_through_them() -> None:
    plan = plan_for(["style"]).stages
    steps = [Stage.VIDEO_ANALYSIS, Stage.AUDIO_ANALYSIS, Stage.MOTION_ANALYSIS, Stage.STYLE_EXTRACTION]
    assert plan == (
        Stage.INGESTION,
        Stage.VISION,
        Stage.ANALYSIS,
        *steps,
        Stage.STYLE_APPLICATION,
        Stage.RENDERING,
        Stage.MERGING,
    )
    rendering = [progress.at(Stage.RENDERING, f, plan).percent for f in (0.0, 0.5, 1.0)]
    assert rendering == sorted(rendering) and rendering[2] - rendering[0] > 30  # the render is most of it
    assert progress.at(Stage.RENDERING, 0.0, plan).stages_remaining == [Stage.MERGING]
    assert Stage.RENDERING not in plan_for(["summary", "shots"]).stages
