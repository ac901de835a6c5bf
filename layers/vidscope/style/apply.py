"""A style measured, or taken from a template and applied to a source: the steps the capability
runs, each reported to ``progress`` under the stage names of the style engine Vidscope replaces
(video_analysis, audio_analysis, motion_analysis, style_extraction, style_application, rendering)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vidscope.style.audio import RATE, read_sound, true_peak_dbtp
from vidscope.style.colour import to_lab
from vidscope.style.measure import FrameSamples, MediaHasNoVideo, colour_pictures, sample_frames, style_of
from vidscope.style.models import StyleJSON
from vidscope.style.render import encode_sound, render
from vidscope.style.transfer import (
    TRUE_PEAK_CEILING_DBTP,
    LoudnessMatch,
    Transfer,
    build_lut,
    colour_map,
    match_loudness,
    write_cube,
)

Progress = Callable[[str, float], None]
# Encoding can push a peak past the ceiling the samples kept: the encoded sound is measured, and
# encoded again with the limiter's ceiling lowered by the excess, at most this many times.
_ENCODE_TRIES = 3
# The encoded sound is decoded again in the player: a peak this close under the ceiling can land on it.
_ENCODED_MARGIN_DB = 0.1


class TemplateHasNoVideo(Exception):
    """The template holds no decodable picture (TEMPLATE_HAS_NO_VIDEO)."""


class TemplateIsSilent(Exception):
    """The source has sound to bring to the template's loudness, and the template has none (no
    sound track, or silence): the style capability fails alone (``pipeline.errors.TemplateIsSilent``)."""


def _quiet(_step: str, _fraction: float) -> None:
    return None


def measure_style(video: Path, *, duration_seconds: float, shots: Sequence[tuple[float, float]]) -> StyleJSON:
    """The StyleJSON of ``video`` (``shots``: the vision stage's shot spans; none: cuts are found
    while sampling). Raises MediaHasNoVideo without pictures."""
    samples = sample_frames(video, duration_seconds=duration_seconds, max_seconds=duration_seconds)
    sound = read_sound(video, max_seconds=duration_seconds)
    return style_of(samples, sound, duration_seconds, shots or samples.cuts)


@dataclass(frozen=True)
class Styled:
    template_style: StyleJSON
    source_style: StyleJSON
    output: Path | None  # the rendered video (None when not applied)
    lut: Path | None  # its .cube
    output_seconds: float | None = None
    gain_db: float | None = None  # None: the sound left as is (none, or not applied)


def _lab_pixels(samples: FrameSamples) -> np.ndarray:
    return np.concatenate([to_lab(p).reshape(-1, 3) for p in colour_pictures(samples)])


def _styled_sound(sound: np.ndarray, target_lufs: float, strength: float, workdir: Path) -> tuple[Path, LoudnessMatch]:
    """The source's sound at the template's loudness, encoded, its encoded true peak under the ceiling."""
    encoded = workdir / "sound.m4a"
    ceiling = TRUE_PEAK_CEILING_DBTP
    match = match_loudness(sound, target_lufs, strength=strength, ceiling_dbtp=ceiling)
    for attempt in range(_ENCODE_TRIES):
        encode_sound(match.samples, encoded)
        decoded = read_sound(encoded, max_seconds=len(sound) / RATE + 1)
        peak = true_peak_dbtp(decoded) if decoded is not None else None
        # After the last try the match stays the one encoded (its gain is what the result reports).
        if peak is None or peak <= TRUE_PEAK_CEILING_DBTP - _ENCODED_MARGIN_DB or attempt == _ENCODE_TRIES - 1:
            break
        ceiling -= peak - TRUE_PEAK_CEILING_DBTP + 2 * _ENCODED_MARGIN_DB
        match = match_loudness(sound, target_lufs, strength=strength, ceiling_dbtp=ceiling)
    return encoded, match


def style_from(
    source: Path,
    template: Path,
    *,
    source_seconds: float,
    template_seconds: float,
    source_shots: Sequence[tuple[float, float]],
    render_video: bool,
    strength: float,
    workdir: Path | None = None,
    progress: Progress = _quiet,
) -> Styled:
    """The template's and the source's styles and, with ``render_video``, the source rendered in the
    template's style into ``workdir`` (the source's folder by default). Raises MediaHasNoVideo (the
    source's), TemplateHasNoVideo and TemplateIsSilent."""
    workdir = workdir or source.parent
    progress("video_analysis", 0.0)
    try:
        template_frames = sample_frames(template, duration_seconds=template_seconds, max_seconds=template_seconds)
    except MediaHasNoVideo as exc:
        raise TemplateHasNoVideo(str(exc)) from exc
    source_frames = sample_frames(source, duration_seconds=source_seconds, max_seconds=source_seconds)
    progress("audio_analysis", 0.0)
    template_sound = read_sound(template, max_seconds=template_seconds)
    source_sound = read_sound(source, max_seconds=source_seconds)
    progress("motion_analysis", 0.0)  # measured while sampling: the step is the summing up
    progress("style_extraction", 0.0)
    template_style = style_of(template_frames, template_sound, template_seconds, template_frames.cuts)
    source_style = style_of(source_frames, source_sound, source_seconds, source_shots or source_frames.cuts)
    if not render_video:
        return Styled(template_style, source_style, None, None)
    progress("style_application", 0.0)
    mapping = colour_map(_lab_pixels(source_frames), _lab_pixels(template_frames), Transfer.MKL_CHROMA)
    lut = build_lut(mapping, strength=strength)
    cube = workdir / "style.cube"
    write_cube(lut, cube)
    encoded, gain = None, None
    if source_sound is not None and source_style.audio is not None and source_style.audio.integrated_lufs is not None:
        target = template_style.audio.integrated_lufs if template_style.audio is not None else None
        if target is None:
            raise TemplateIsSilent("the template has no sound to take the loudness from; the source has")
        encoded, match = _styled_sound(source_sound, target, strength, workdir)
        gain = match.gain_db
    elif source_sound is not None:
        encoded = workdir / "sound.m4a"  # silence stays silence: re-encoded as is
        encode_sound(source_sound, encoded)
    progress("rendering", 0.0)
    output = workdir / "styled.mp4"
    rendered = render(
        source,
        output,
        lut=lut,
        sound=encoded,
        max_seconds=source_seconds,
        on_progress=lambda f: progress("rendering", f),
    )
    return Styled(template_style, source_style, output, cube, rendered.duration_seconds, gain)
