"""shorts: highlights of `min_seconds` to `max_seconds` picked from the transcript — complete
sentences, a hook in the first seconds, a salient topic — each with the reason it was picked and
the parts of its score, starting and ending on word boundaries (and on a shot cut when one is
within a second), never overlapping, inside the media. With ``render`` each is cut into an
H.264/AAC clip at the requested aspect, the crop window following on-screen text or the
picture's busiest region. The picking (``vidscope.text.shorts``) and the cutting
(``vidscope.editing.clips``) are imported only to compute."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, Field, RootModel, model_validator

from vidscope.capabilities import shots
from vidscope.capabilities.base import Capability, Inputs, Need, Note, Options, Requirement, ResultOf, clock_time

Aspect = Literal["9:16", "1:1", "4:5", "16:9", "original"]


class ShortsOptions(Options):
    count: int = Field(default=3, ge=1, le=10)
    min_seconds: float = Field(default=15, ge=5, le=90)
    max_seconds: float = Field(default=60, ge=5, le=90)
    aspect: Aspect = "9:16"
    render: bool = Field(default=True, description="Cut each short into a clip (clip_url)")

    @model_validator(mode="after")
    def _a_range(self) -> Self:
        if self.min_seconds > self.max_seconds:
            raise ValueError("min_seconds must not exceed max_seconds")
        return self


class Short(BaseModel):
    id: str
    title: str
    reason: str = Field(description="why this span, in words a person can check")
    start: float
    end: float
    text: str
    score: float = Field(ge=0, le=1)
    components: dict[str, float] = Field(description="the parts of the score, each 0 to 1")
    clip_url: str | None = Field(default=None, description="the rendered clip (presigned; see artifacts_expire_at)")
    clip_width: int | None = None
    clip_height: int | None = None


class ShortsResult(RootModel[list[Short]]):
    """The shorts, in the order they occur."""


def _shorts(inputs: Inputs, options: ShortsOptions) -> ShortsResult:
    from vidscope.text.shorts import pick_shorts  # deferred: the analysis function's work, not the API's

    cut = inputs.result(shots.CAPABILITY)
    spans = pick_shorts(
        inputs.transcript,
        duration_seconds=inputs.duration_seconds,
        shot_starts=[shot.start for shot in cut.shots] if cut is not None else [],
        count=options.count,
        min_seconds=options.min_seconds,
        max_seconds=options.max_seconds,
    )
    shorts = [
        Short(
            id=f"short_{n}",
            title=s.title,
            reason=s.reason,
            start=s.start,
            end=s.end,
            text=s.text,
            score=s.score,
            components=s.components,
        )
        for n, s in enumerate(spans, start=1)
    ]
    # Audio-only media has nothing to cut a picture from: its shorts come without clips.
    if options.render and inputs.has_video and shorts:
        _render(shorts, inputs, options.aspect)
    return ShortsResult(shorts)


def _render(shorts: list[Short], inputs: Inputs, aspect: Aspect) -> None:
    from vidscope.editing.clips import render_clip  # deferred, as above

    source = inputs.media.fetch()
    # Where on-screen text stood, when the job read it: the crop window follows it.
    focus = [(t.start, t.box) for t in inputs.screen_text]
    for short in shorts:
        clip = source.with_name(f"{short.id}.mp4")
        rendered = render_clip(
            source,
            clip,
            start=short.start,
            end=short.end,
            aspect=aspect,
            focus=focus,
            billed_seconds=inputs.duration_seconds,  # nothing decoded past what the job paid for
        )
        short.clip_url = inputs.media.store(clip, f"shorts/{short.id}.mp4")
        short.clip_width, short.clip_height = rendered.width, rendered.height


def _uses(options: ShortsOptions) -> frozenset[Requirement]:
    # Shots to snap to when the job sees the video; the file itself to cut when rendering.
    cutting = {Need.MEDIA, Need.VIDEO_FILE} if options.render else set()
    return frozenset({ResultOf(shots.CAPABILITY.name), *cutting})


def _fits(options: ShortsOptions, duration: float) -> Note | None:
    if duration >= options.min_seconds:
        return None
    return Note(
        code="MEDIA_SHORTER_THAN_MIN_SECONDS",
        message=f"the media is {duration:g} s long, shorter than min_seconds ({options.min_seconds:g} s); "
        "ask for shorter shorts or spans",
    )


def _nothing_found(options: ShortsOptions, duration: float) -> Note:
    return Note(
        code="NO_SPAN_FITS",
        message=f"no span of {options.min_seconds:g}-{options.max_seconds:g} s of complete sentences "
        f"was found in {duration:g} s of media",
    )


CAPABILITY = Capability(
    name="shorts",
    description="Highlights with their reason and score, on word and shot boundaries, rendered as vertical clips",
    credits_per_minute=2,
    needs=frozenset({Need.TRANSCRIPT}),
    uses=_uses,
    fits=_fits,
    when_empty=_nothing_found,
    options=ShortsOptions,
    result=ShortsResult,
    compute=_shorts,
    paged="",
    render=lambda r: [
        f"{clock_time(s.start)} → {clock_time(s.end)}  {s.title} ({s.score:.2f}): {s.reason}"
        + (f"\n    clip: {s.clip_url}" if s.clip_url else "")
        for s in r.root
    ],
)
