"""A job's stage plan, read from its capabilities' declarations and options: which stages run
(a job that asks for no speech capability never transcribes, one that asks for no frame
capability never sees), which capabilities the analysis stage computes, and what each media stage
computes — handed to it as data (``VisionRequest``), so no stage ever reads a capability's name.
The state machine routes on it; progress lists the job's own stages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vidscope import capabilities as registry
from vidscope.capabilities import requirements
from vidscope.capabilities.base import PRODUCED_BY, Need, Options, RunsIn
from vidscope.models import Stage
from vidscope.text.comments import CommentsRequest
from vidscope.transcripts import SpeechRequest
from vidscope.vision.request import ShotDetection, Stills, VisionRequest

# The stages that turn the media into what the analyses read, each a container task; they run side
# by side (one Map iteration each), so a job that needs both waits for the slower one only.
MEDIA_STAGES: tuple[Stage, ...] = (Stage.TRANSCRIPTION, Stage.VISION)


# The capabilities the analysis stage computes, each on the function its declaration names.
ANALYSIS_STAGE_HOSTS = frozenset({RunsIn.ANALYSIS, RunsIn.RENDER})


class Plan(BaseModel):
    """What the state machine routes on (the execution's ``plan``)."""

    model_config = ConfigDict(frozen=True)

    stages: tuple[Stage, ...]
    analyses: tuple[str, ...]  # the capabilities the analysis stage runs, one Map iteration each
    # Whether ingestion downloads the pictures too (a site's best audio has none): for the vision
    # stage, or a capability that cuts or hands out the video file.
    video: bool = False
    vision: VisionRequest = Field(default_factory=VisionRequest)  # what the vision stage computes
    # What ingestion reads of the comments on the media's site (None: it reads none).
    comments: CommentsRequest | None = None
    transcription: SpeechRequest = Field(default_factory=SpeechRequest)  # what the transcription stage hears


def _vision_request(options: Iterable[Options], wanted: set[Need]) -> VisionRequest:
    """The vision stage's parameters: those that the requested capabilities' options carry (an
    options model deriving from one of the stage's parameter models hands it over)."""
    detection = next((o for o in options if isinstance(o, ShotDetection)), None)
    stills: list[Stills] = []
    for o in options:
        if isinstance(o, Stills):
            rendition = Stills.model_validate(o.model_dump(include=set(Stills.model_fields)))
            if rendition not in stills:
                stills.append(rendition)
    return VisionRequest(
        read_text=Need.ON_SCREEN_TEXT in wanted,
        hash_frames=Need.FRAME_HASHES in wanted,
        shots=ShotDetection()
        if detection is None
        else ShotDetection.model_validate(detection.model_dump(include=set(ShotDetection.model_fields))),
        stills=stills,
    )


def _comments_request(options: Iterable[Options], wanted: set[Need]) -> CommentsRequest | None:
    """How many comments ingestion reads, when the plan needs them: from the options that derive
    from ``CommentsRequest``, else its defaults."""
    if Need.SITE_COMMENTS not in wanted:
        return None
    given = next((o for o in options if isinstance(o, CommentsRequest)), None)
    fields = set(CommentsRequest.model_fields)
    return CommentsRequest() if given is None else CommentsRequest.model_validate(given.model_dump(include=fields))


def _speech_request(options: Iterable[Options]) -> SpeechRequest:
    """The transcription stage's parameters: those of the options deriving from its model."""
    asked = next((o for o in options if isinstance(o, SpeechRequest)), None)
    if asked is None:
        return SpeechRequest()
    return SpeechRequest.model_validate(asked.model_dump(include=set(SpeechRequest.model_fields)))


def plan_for(capabilities: Iterable[str], options: Mapping[str, Mapping[str, Any]] | None = None) -> Plan:
    options = options or {}
    requested = [registry.get(name) for name in capabilities]
    wanted = {need for c in requested for need in requirements(c, options)}
    made = {Stage(PRODUCED_BY[need]) for need in wanted}
    computed = [c for c in requested if c.runs_in in ANALYSIS_STAGE_HOSTS]
    analyses = tuple(c.name for c in computed)
    stages = [Stage.INGESTION, *(s for s in MEDIA_STAGES if s in made)]
    if analyses:
        stages.append(Stage.ANALYSIS)
        steps = {step for c in computed for step in c.steps}
        stages += [s for s in Stage if s in steps]  # a render's steps, in their order
    stages.append(Stage.MERGING)
    parsed = [c.parse(options.get(c.name)) for c in requested]
    return Plan(
        stages=tuple(stages),
        analyses=analyses,
        video=Stage.VISION in made or Need.VIDEO_FILE in wanted,
        vision=_vision_request(parsed, wanted),
        comments=_comments_request(parsed, wanted),
        transcription=_speech_request(parsed),
    )


class ExecutionInput(BaseModel):
    """The input create_job starts an execution with."""

    job_id: str
    tenant_id: str
    plan: Plan
    options: dict[str, dict[str, Any]]
    config: dict[str, Any]
