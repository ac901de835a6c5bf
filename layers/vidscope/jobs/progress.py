"""Where a processing job is: its stage, the stages around it and an overall percent."""

from __future__ import annotations

from collections.abc import Sequence

from vidscope.models import UNPLANNED_STAGES, Progress, Stage

# Share of a job each stage takes, by how long it takes in practice: transcription dominates, so
# its span is the widest and moves with the media transcribed. A job's plan may leave stages out;
# its percent is spread over the stages it runs.
_WEIGHTS: dict[Stage, float] = {
    Stage.INGESTION: 10.0,
    Stage.TRANSCRIPTION: 75.0,
    # Beside transcription (one Map); alone, it is most of a frames-only job.
    Stage.VISION: 40.0,
    Stage.ANALYSIS: 10.0,
    # A render's steps (style): decoding and measuring both media, then the render, which dominates.
    Stage.VIDEO_ANALYSIS: 8.0,
    Stage.AUDIO_ANALYSIS: 3.0,
    Stage.MOTION_ANALYSIS: 1.0,
    Stage.STYLE_EXTRACTION: 2.0,
    Stage.STYLE_APPLICATION: 3.0,
    Stage.RENDERING: 40.0,
    Stage.MERGING: 5.0,
}


def at(stage: Stage, fraction: float = 0.0, plan: Sequence[Stage] = UNPLANNED_STAGES) -> Progress:
    """Progress at ``fraction`` (0 to 1) of ``stage``, among the stages of the job's ``plan``."""
    stages = [s for s in Stage if s in plan or s is stage]
    index = stages.index(stage)
    total = sum(_WEIGHTS[s] for s in stages)
    low = sum(_WEIGHTS[s] for s in stages[:index])
    done = low + _WEIGHTS[stage] * min(max(fraction, 0.0), 1.0)
    return Progress(
        stage=stage,
        stages_completed=stages[:index],
        stages_remaining=stages[index + 1 :],
        percent=round(100 * done / total, 1),
    )
