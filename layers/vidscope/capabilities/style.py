"""style: a video's look and sound measured as StyleJSON (colour, texture, pacing, motion,
loudness), and with a template (``template_url`` or ``template_upload_id``) the template's style
applied to the job's video: a 3D LUT carrying its colour distribution to the template's (a
``.cube`` file editors load), its loudness brought to the template's under a true-peak ceiling,
rendered as H.264/AAC at the source's size, frame rate and length. ``strength`` blends toward
the source. The engine (``vidscope.style``) is imported only to compute."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from pydantic import Field, field_validator, model_validator

from vidscope.capabilities import shots
from vidscope.capabilities.base import (
    Capability,
    Inputs,
    Need,
    Options,
    Requirement,
    ResultOf,
    RunsIn,
    SecondMedia,
    swatch,
)
from vidscope.models import Stage
from vidscope.url_syntax import check_url_syntax

if TYPE_CHECKING:
    from vidscope.capabilities.results.style import StyleResult
    from vidscope.style.models import StyleJSON


class StyleOptions(Options):
    template_url: str | None = Field(
        default=None,
        max_length=2048,
        description="http(s) URL of the template video (or template_upload_id); fetched, limited and billed "
        "as the job's own media",
    )
    template_upload_id: str | None = Field(
        default=None,
        pattern=r"^upl_[0-9a-z]{26}$",
        description="a file of this account uploaded with POST /v1/uploads, as the template (or template_url)",
    )
    apply: bool = Field(
        default=True, description="render the job's video in the template's style (with a template only)"
    )
    strength: float = Field(default=1.0, ge=0, le=1, description="0: the source as it is; 1: the template's style")

    @field_validator("template_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_url_syntax(value, field="style.template_url")

    @model_validator(mode="after")
    def _one_template(self) -> Self:
        if self.template_url is not None and self.template_upload_id is not None:
            raise ValueError("give at most one of template_url and template_upload_id")
        return self

    @property
    def template(self) -> SecondMedia | None:
        if self.template_url is None and self.template_upload_id is None:
            return None
        return SecondMedia(role="template", url=self.template_url, upload_id=self.template_upload_id)


def _shot_spans(inputs: Inputs) -> list[tuple[float, float]]:
    cut = inputs.result(shots.CAPABILITY)
    return [(s.start, s.end) for s in cut.shots] if cut is not None else []


def _style(inputs: Inputs, options: StyleOptions) -> StyleResult:
    # The engine's errors carry their stage errors' names (MediaHasNoVideo, TemplateHasNoVideo,
    # TemplateIsSilent): the capability fails alone with their codes, uncharged.
    from vidscope.style.measure import MediaHasNoVideo  # deferred: the analysis function's work

    if not inputs.has_video:
        raise MediaHasNoVideo("style needs pictures, and the media has no video track")
    return _compute(inputs, options)


def _compute(inputs: Inputs, options: StyleOptions) -> StyleResult:
    from vidscope.capabilities.results.style import StyleResult  # deferred (DESIGN §9)
    from vidscope.style import apply  # deferred: the analysis function's work, not the API's

    source = inputs.media.fetch()
    spans = _shot_spans(inputs)
    if options.template is None:
        own = apply.measure_style(source, duration_seconds=inputs.duration_seconds, shots=spans)
        return StyleResult(style_json=own)
    template = inputs.second_media
    styled = apply.style_from(
        source,
        template.fetch(),
        source_seconds=inputs.duration_seconds,
        template_seconds=template.duration_seconds,
        source_shots=spans,
        render_video=options.apply,
        strength=options.strength,
        progress=inputs.progress,
    )
    if styled.output is None or styled.lut is None:
        return StyleResult(style_json=styled.template_style, source_style_json=styled.source_style)
    return StyleResult(
        style_json=styled.template_style,
        source_style_json=styled.source_style,
        output_video_url=inputs.media.store(styled.output, "style/styled.mp4"),
        lut_url=inputs.media.store(styled.lut, "style/style.cube"),
        output_duration_seconds=styled.output_seconds,
        loudness_gain_db=styled.gain_db,
    )


def _uses(_options: StyleOptions) -> frozenset[Requirement]:
    # Pacing from the shots the vision stage finds in the job's video.
    return frozenset({ResultOf(shots.CAPABILITY.name)})


def _swatches(style: StyleJSON) -> str:
    # A block in each palette colour where the CLI prints it; the hex codes and shares beside.
    return " ".join(f"{swatch(s.hex)} {s.hex} {s.weight:.0%}" for s in style.colour.palette)


def _summary(label: str, style: StyleJSON) -> list[str]:
    colour, audio, pacing, motion = style.colour, style.audio, style.pacing, style.motion
    lines = [
        f"{label}: {style.width}x{style.height} {style.fps:g} fps, {style.duration_seconds:.1f} s",
        f"  palette  {_swatches(style)}",
        f"  colour   L* {colour.mean.l:.0f}±{colour.spread.l:.0f}  a* {colour.mean.a:+.0f}  b* {colour.mean.b:+.0f}  "
        f"chroma {colour.saturation:.0f}  contrast {colour.contrast:.0f}  "
        f"{colour.white_balance.colour_temperature_kelvin:.0f} K",
        f"  motion   {motion.kind.value} ({motion.magnitude:.2f} widths/s)",
    ]
    if pacing is not None:
        lines.append(
            f"  pacing   {pacing.shot_count} shots, median {pacing.shot_seconds_median:.1f} s, "
            f"{pacing.cuts_per_minute:.1f} cuts/min"
        )
    if audio is not None and audio.integrated_lufs is not None:
        lines.append(
            f"  loudness {audio.integrated_lufs:.1f} LUFS, range {audio.loudness_range_lu:.1f} LU, "
            f"peak {audio.true_peak_dbtp or 0:.1f} dBTP"
        )
    else:
        lines.append("  loudness silent" if audio is not None else "  loudness no sound track")
    return lines


def _render(result: StyleResult) -> list[str]:
    lines = _summary("template" if result.source_style_json is not None else "style", result.style_json)
    if result.source_style_json is not None:
        lines += _summary("source", result.source_style_json)
    if result.output_video_url is not None:
        lines.append(f"styled video: {result.output_video_url}")
    if result.lut_url is not None:
        lines.append(f"LUT (.cube): {result.lut_url}")
    return lines


CAPABILITY: Capability[StyleOptions, StyleResult] = Capability(
    name="style",
    description="The video's look and sound as StyleJSON; with a template, its style applied and rendered",
    credits_per_minute=3,
    needs=frozenset({Need.MEDIA, Need.VIDEO_FILE}),
    uses=_uses,
    second_media=lambda options: options.template,
    options=StyleOptions,
    result="vidscope.capabilities.results.style:StyleResult",
    compute=_style,
    render=_render,
    # It encodes video: the render function (6 vCPUs, 15 minutes) computes it, not the analysis function.
    runs_in=RunsIn.RENDER,
    steps=(
        Stage.VIDEO_ANALYSIS,
        Stage.AUDIO_ANALYSIS,
        Stage.MOTION_ANALYSIS,
        Stage.STYLE_EXTRACTION,
        Stage.STYLE_APPLICATION,
        Stage.RENDERING,
    ),
    # A template named by URL may change behind it, and an upload is new content: always computed.
    reusable=False,
)
