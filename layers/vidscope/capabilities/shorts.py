"""shorts: highlights of `min_seconds` to `max_seconds` picked from the transcript — complete
sentences, a hook in the first seconds, a salient topic — each with the reason it was picked and
the parts of its score, starting and ending on word boundaries (and on a shot cut when one is
within a second), never overlapping, inside the media. With ``render`` each is cut into an
H.264/AAC clip at the requested aspect, the crop window following on-screen text or the
picture's busiest region. The picking (``vidscope.text.shorts``) and the cutting
(``vidscope.editing.clips``) are imported only to compute.

With ``spans`` the user defines the shorts instead: exactly those spans, each edge snapped to a
word edge within 0.3 s when the transcript has word timings (``vidscope.text.user_shorts``), with
what is said in them and no score. Spans that overlap are a 400 naming them; a span past the media's
end is known only once the media is: the capability then fails alone, uncharged
(SPAN_OUTSIDE_MEDIA)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import AfterValidator, Field, field_validator, model_validator

from vidscope.capabilities import shots
from vidscope.capabilities.base import Capability, Inputs, Need, Note, Options, Requirement, ResultOf, clock_time
from vidscope.catalog import MAX_MEDIA_SECONDS
from vidscope.safe_text import refuse_unsafe_text

if TYPE_CHECKING:
    from vidscope.capabilities.results.shorts import Short, ShortsResult

Aspect = Literal["9:16", "1:1", "4:5", "16:9", "original"]
MAX_SPAN_SECONDS = 90  # a user's span, as long as the longest picked short
MIN_SPAN_SECONDS = 1
# A span may end this far past the media's decoded end (a frame's rounding): it ends at the end.
_END_SLACK_SECONDS = 0.05


class Span(Options):
    """A short the user defines: seconds from the media start."""

    start: float = Field(ge=0, le=MAX_MEDIA_SECONDS)
    end: float = Field(gt=0, le=MAX_MEDIA_SECONDS)
    title: Annotated[str, Field(min_length=1, max_length=120), AfterValidator(refuse_unsafe_text)] | None = None

    @model_validator(mode="after")
    def _a_span(self) -> Self:
        if not MIN_SPAN_SECONDS <= self.end - self.start <= MAX_SPAN_SECONDS:
            raise ValueError(
                f"a span ends {MIN_SPAN_SECONDS} to {MAX_SPAN_SECONDS} s after it starts "
                f"(this one: {self.start:g} to {self.end:g} s)"
            )
        return self


class ShortsOptions(Options):
    count: int = Field(default=3, ge=1, le=10)
    min_seconds: float = Field(default=15, ge=5, le=90)
    max_seconds: float = Field(default=60, ge=5, le=90)
    aspect: Aspect = "9:16"
    render: bool = Field(default=True, description="Cut each short into a clip (clip_url)")
    spans: list[Span] | None = Field(
        default=None,
        min_length=1,
        max_length=10,
        description="Shorts you define instead of picked ones: exactly these spans (edges snapped to word edges "
        "within 0.3 s), in time order, none overlapping; count, min_seconds and max_seconds then do not apply",
    )

    @model_validator(mode="after")
    def _a_range(self) -> Self:
        if self.min_seconds > self.max_seconds:
            raise ValueError("min_seconds must not exceed max_seconds")
        # Set to other than their defaults (the job's options are stored with the defaults filled in).
        fields = type(self).model_fields
        picking = [n for n in ("count", "min_seconds", "max_seconds") if getattr(self, n) != fields[n].default]
        if self.spans is not None and picking:
            raise ValueError(f"spans define the shorts: {', '.join(picking)} cannot be given with them")
        return self

    @field_validator("spans")
    @classmethod
    def _apart(cls, spans: list[Span] | None) -> list[Span] | None:
        if spans is None:
            return None
        for j in range(1, len(spans)):
            earlier, later = spans[j - 1], spans[j]
            if later.start < earlier.end:
                raise ValueError(
                    f"spans[{j}] ({later.start:g}-{later.end:g} s) starts before spans[{j - 1}] "
                    f"({earlier.start:g}-{earlier.end:g} s) ends: give spans in time order, none overlapping"
                )
        return spans


def _given(inputs: Inputs, spans: list[Span]) -> list[Short]:
    from vidscope.capabilities.results.shorts import Short  # deferred (DESIGN §9)
    from vidscope.text.user_shorts import GivenSpan, user_shorts  # deferred, as below

    given = [GivenSpan(start=s.start, end=s.end, title=s.title) for s in spans]
    return [
        Short(id=f"short_{n}", title=s.title, start=s.start, end=s.end, text=s.text)
        for n, s in enumerate(user_shorts(inputs.transcript, given, duration_seconds=inputs.duration_seconds), start=1)
    ]


def _shorts(inputs: Inputs, options: ShortsOptions) -> ShortsResult:
    from vidscope.capabilities.results.shorts import ShortsResult  # deferred (DESIGN §9)

    shorts = _given(inputs, options.spans) if options.spans is not None else _picked(inputs, options)
    # Audio-only media has nothing to cut a picture from: its shorts come without clips.
    if options.render and inputs.has_video and shorts:
        _render(shorts, inputs, options.aspect)
    return ShortsResult(shorts)


def _picked(inputs: Inputs, options: ShortsOptions) -> list[Short]:
    from vidscope.capabilities.results.shorts import Short  # deferred (DESIGN §9)
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
    return [
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
    if options.spans is not None:
        return _spans_fit(options.spans, duration)
    if duration >= options.min_seconds:
        return None
    return Note(
        code="MEDIA_SHORTER_THAN_MIN_SECONDS",
        message=f"the media is {duration:g} s long, shorter than min_seconds ({options.min_seconds:g} s); "
        "ask for shorter shorts or spans",
    )


def _spans_fit(spans: list[Span], duration: float) -> Note | None:
    outside = [(n, s) for n, s in enumerate(spans) if s.end > duration + _END_SLACK_SECONDS]
    if not outside:
        return None
    n, span = outside[0]
    return Note(
        code="SPAN_OUTSIDE_MEDIA",
        message=f"spans[{n}] ({span.start:g}-{span.end:g} s) ends after the media, which is {duration:g} s long"
        + (f", and so do {len(outside) - 1} more" if len(outside) > 1 else ""),
    )


def _nothing_found(options: ShortsOptions, duration: float) -> Note:
    return Note(
        code="NO_SPAN_FITS",
        message=f"no span of {options.min_seconds:g}-{options.max_seconds:g} s of complete sentences "
        f"was found in {duration:g} s of media",
    )


CAPABILITY: Capability[ShortsOptions, ShortsResult] = Capability(
    name="shorts",
    description="Highlights with their reason and score, on word and shot boundaries, rendered as vertical clips",
    credits_per_minute=2,
    needs=frozenset({Need.TRANSCRIPT}),
    uses=_uses,
    fits=_fits,
    when_empty=_nothing_found,
    options=ShortsOptions,
    result="vidscope.capabilities.results.shorts:ShortsResult",
    compute=_shorts,
    paged="",
    render=lambda r: [
        f"{clock_time(s.start)} → {clock_time(s.end)}  {s.title}"
        + (f" ({s.score:.2f}): {s.reason}" if s.score is not None else "")
        + (f"\n    clip: {s.clip_url}" if s.clip_url else "")
        for s in r.root
    ],
)
