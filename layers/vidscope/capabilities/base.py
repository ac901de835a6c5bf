"""What a capability declares (DESIGN §3b): its name, price, what it needs, its options and
result models and the code that computes it. Everything else reads these declarations: API
validation and OpenAPI, pricing, the stage plan, the workflow's routing, the analysis function's
grants, merging and the CLI's rendering."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from vidscope.access import Access
from vidscope.transcripts import Transcript


class Need(StrEnum):
    """What a capability reads, each made by a stage of the workflow."""

    AUDIO = "audio"  # the media's speech: the transcription stage runs
    TRANSCRIPT = "transcript"  # its text, segments and language (the transcription stage)


# The stage that makes each need: a capability whose needs have no stage cannot be registered.
PRODUCED_BY: Mapping[Need, str] = {Need.AUDIO: "transcription", Need.TRANSCRIPT: "transcription"}


class Step(StrEnum):
    """Where the capability's compute runs."""

    # One iteration of the analysis stage's Map: the analysis function runs it (its own Lambda
    # invocation, in parallel with the job's other analyses).
    ANALYSIS = "analysis"
    # While merging: a reshaping of a stage's output too cheap to deserve its own invocation
    # (and the state transitions it bills).
    MERGE = "merge"


class Options(BaseModel):
    """Base of every options model: an unknown option is refused (400 with its path)."""

    model_config = ConfigDict(extra="forbid")


class NoOptions(Options):
    """A capability without options."""


class Summarizer(Protocol):
    """Summary and key topics of a transcript (vidscope.text.summarizers: extractive locally, Bedrock in
    the cloud), as the summary capability's result model."""

    def summarize(self, transcript: Transcript) -> Any: ...


@dataclass(frozen=True)
class Inputs:
    """What a capability's compute reads: the stage outputs it declared it needs, and the
    providers the deployment chose."""

    duration_seconds: float
    transcript: Transcript | None = None
    summarizer: Summarizer | None = None


OptionsT = TypeVar("OptionsT", bound=Options)
ResultT = TypeVar("ResultT", bound=BaseModel)


@dataclass(frozen=True)
class Capability(Generic[OptionsT, ResultT]):
    name: str
    description: str
    credits_per_minute: int
    needs: frozenset[Need]
    options: type[OptionsT]
    result: type[ResultT]
    compute: Callable[[Inputs, OptionsT], ResultT]
    # The result in a few lines of plain text, for the CLI.
    render: Callable[[ResultT], list[str]]
    step: Step = Step.ANALYSIS
    # The result's list that GET bounds to ``catalog.BOUNDED_RESULT_ITEMS`` and /results pages: a field name,
    # or "" when the result is the list itself; None when the result has no list to page.
    paged: str | None = None
    # What the analysis function needs beyond reading and writing stage outputs to compute it.
    access: frozenset[Access] = frozenset()

    def run(self, inputs: Inputs, options: Mapping[str, Any] | None) -> Any:
        """Compute the result from JSON options (validated) and return it as JSON."""
        parsed = self.options.model_validate(options or {})
        return self.result.model_validate(self.compute(inputs, parsed)).model_dump(mode="json", exclude_none=True)
