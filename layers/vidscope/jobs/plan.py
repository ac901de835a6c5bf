"""A job's stage plan: which stages its capabilities need, read from their declarations (and
their options: brands reads on-screen text only when asked to). A job that asks for no speech
capability never runs transcription and one that asks for no frame capability never runs vision;
the analysis stage runs only the capabilities that compute there; progress lists the job's own
stages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vidscope.capabilities import REGISTRY
from vidscope.capabilities.base import PRODUCED_BY, Need, Step
from vidscope.models import Stage

# The stages that turn the media into what the analyses read, each a container task; they run side
# by side (one Map iteration each), so a job that needs both waits for the slower one only.
MEDIA_STAGES: tuple[Stage, ...] = (Stage.TRANSCRIPTION, Stage.VISION)


@dataclass(frozen=True)
class Plan:
    stages: tuple[Stage, ...]
    analyses: tuple[str, ...]  # the capabilities the analysis stage runs, one Map iteration each
    # Whether ingestion downloads the pictures too (a site's best audio has none): for the vision
    # stage, or a capability that cuts or hands out the video file.
    video: bool = False

    @property
    def media_stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in MEDIA_STAGES if s in self.stages)

    @property
    def transcribe(self) -> bool:
        return Stage.TRANSCRIPTION in self.stages

    @property
    def see(self) -> bool:
        return Stage.VISION in self.stages


def plan_for(capabilities: Iterable[str], options: Mapping[str, Mapping[str, Any]] | None = None) -> Plan:
    requested = [REGISTRY[name] for name in capabilities]
    wanted = {need for c in requested for need in c.wants((options or {}).get(c.name))}
    made = {Stage(PRODUCED_BY[need]) for need in wanted}
    analyses = tuple(c.name for c in requested if c.step is Step.ANALYSIS)
    stages = [Stage.INGESTION, *(s for s in MEDIA_STAGES if s in made)]
    if analyses:
        stages.append(Stage.ANALYSIS)
    stages.append(Stage.MERGING)
    video = Stage.VISION in made or Need.VIDEO_FILE in wanted
    return Plan(stages=tuple(stages), analyses=analyses, video=video)
