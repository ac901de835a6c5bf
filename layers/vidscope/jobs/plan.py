"""A job's stage plan: which stages its capabilities need, read from their declarations. A job
that asks for no speech capability never runs transcription; the analysis stage runs only the
capabilities that compute there; progress lists the job's own stages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vidscope.capabilities import REGISTRY
from vidscope.capabilities.base import PRODUCED_BY, Step
from vidscope.models import Stage


@dataclass(frozen=True)
class Plan:
    stages: tuple[Stage, ...]
    analyses: tuple[str, ...]  # the capabilities the analysis stage runs, one Map iteration each

    @property
    def transcribe(self) -> bool:
        return Stage.TRANSCRIPTION in self.stages


def plan_for(capabilities: Iterable[str]) -> Plan:
    requested = [REGISTRY[name] for name in capabilities]
    made = {PRODUCED_BY[need] for capability in requested for need in capability.needs}
    analyses = tuple(c.name for c in requested if c.step is Step.ANALYSIS)
    stages = [Stage.INGESTION]
    if Stage.TRANSCRIPTION in made:
        stages.append(Stage.TRANSCRIPTION)
    if analyses:
        stages.append(Stage.ANALYSIS)
    stages.append(Stage.MERGING)
    return Plan(stages=tuple(stages), analyses=analyses)
