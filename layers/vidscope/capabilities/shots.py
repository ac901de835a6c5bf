"""shots: the video's shots, precise to the frame (the vision stage's PySceneDetect detectors, with
flashes ignored and fades found), each with its keyframe."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidscope.capabilities.base import Capability, Inputs, Need, Note, Options, RunsIn, clock_time, frame_ref
from vidscope.vision.request import ShotDetection

if TYPE_CHECKING:
    from vidscope.capabilities.results.shots import ShotsResult


class ShotsOptions(Options, ShotDetection):
    """The shot detector's parameters: the vision stage reads them from here."""


def _shots(inputs: Inputs, options: ShotsOptions) -> ShotsResult:
    from vidscope.capabilities.results.shots import Shot, ShotsResult  # deferred (DESIGN §9)

    keyframes = {k.shot_index: k for k in inputs.vision.keyframes}
    shots = [
        Shot(
            **shot.model_dump(),
            thumbnail_url=frame_ref(keyframes[shot.index].file) if shot.index in keyframes else None,
        )
        for shot in inputs.vision.shots
    ]
    return ShotsResult(total_shots=len(shots), fps=inputs.vision.fps, shots=shots)


def _render(result: ShotsResult) -> list[str]:
    lines = [f"{result.total_shots} shots at {result.fps:g} fps", "   #  start        end          frames       how"]
    lines += [
        f"{s.index:4d}  {clock_time(s.start):<11}  {clock_time(s.end):<11}  {s.start_frame:>5}-{s.end_frame:<6}  "
        f"{s.transition.value}"
        for s in result.shots
    ]
    return lines


CAPABILITY: Capability[ShotsOptions, ShotsResult] = Capability(
    name="shots",
    description="Shot boundaries with frame numbers, transitions (cut or fade) and keyframes",
    credits_per_minute=1,
    needs=frozenset({Need.FRAMES, Need.SHOTS}),
    options=ShotsOptions,
    result="vidscope.capabilities.results.shots:ShotsResult",
    compute=_shots,
    runs_in=RunsIn.MERGING,  # the vision stage made them; merging only shapes them
    paged="shots",
    when_empty=lambda _options, _duration: Note(code="NO_FRAMES", message="no frame of the video could be decoded"),
    render=_render,
)
