"""Where a processing job is: its stage, the stages around it and an overall percent."""

from __future__ import annotations

from vidscope.models import Progress, Stage

_STAGES = list(Stage)
# Share of the whole job each stage covers, by how long it takes in practice: transcription
# dominates, so its span is the widest and moves with the media transcribed.
_SPANS: dict[Stage, tuple[float, float]] = {
    Stage.INGESTION: (0.0, 10.0),
    Stage.TRANSCRIPTION: (10.0, 85.0),
    Stage.ANALYSIS: (85.0, 95.0),
    Stage.MERGING: (95.0, 100.0),
}


def at(stage: Stage, fraction: float = 0.0) -> Progress:
    """Progress at ``fraction`` (0 to 1) of ``stage``."""
    low, high = _SPANS[stage]
    index = _STAGES.index(stage)
    return Progress(
        stage=stage,
        stages_completed=_STAGES[:index],
        stages_remaining=_STAGES[index + 1 :],
        percent=round(low + (high - low) * min(max(fraction, 0.0), 1.0), 1),
    )
