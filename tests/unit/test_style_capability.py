"""The style capability through the registry on generated clips: options, the template's style
applied and rendered (colour moved toward the template, loudness matched under the ceiling, the
picture's size, rate and length kept), strength, media without sound, and a template that cannot
serve (errors named as their stage errors)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from pydantic import ValidationError

from tests.support.style_media import Clip, make_clip, structure_kept, teal_orange
from vidscope.adapters.media_store import ARTIFACT_SCHEME
from vidscope.capabilities import REGISTRY, compute
from vidscope.capabilities.base import SWATCH, Inputs, SecondMedia
from vidscope.style.audio import integrated_lufs, read_sound, true_peak_dbtp
from vidscope.style.colour import to_lab
from vidscope.style.measure import sample_frames
from vidscope.style.transfer import TRUE_PEAK_CEILING_DBTP, lab_distance, read_cube

STYLE = REGISTRY["style"]
UPLOAD = "upl_" + "a" * 26


class _Files:
    """The job's media and a folder standing for the staged artifacts."""

    def __init__(self, source: Path, stored: Path) -> None:
        self._source, self.stored = source, stored

    def fetch(self) -> Path:
        return self._source

    def store(self, path: Path, name: str) -> str:
        (self.stored / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, self.stored / name)
        return ARTIFACT_SCHEME + name


class _Template:
    def __init__(self, clip: Clip) -> None:
        self._clip = clip
        self.duration_seconds = self.billed_seconds = clip.seconds
        self.has_audio = True

    def fetch(self) -> Path:
        return self._clip.path


def _run(source: Clip, template: Clip | None, tmp: Path, **options: Any) -> tuple[dict[str, Any], Path]:
    stored = tmp / "stored"
    steps: list[str] = []
    inputs = Inputs(
        duration_seconds=source.seconds,
        media=_Files(source.path, stored),
        second_media=_Template(template) if template is not None else None,
        progress=lambda step, _fraction: steps.append(step),
    )
    if template is not None:
        options.setdefault("template_upload_id", UPLOAD)
    result = compute(STYLE, inputs, {"style": options})
    if template is not None and options.get("apply", True):
        assert steps[:6] == [
            "video_analysis",
            "audio_analysis",
            "motion_analysis",
            "style_extraction",
            "style_application",
            "rendering",
        ]
    return result, stored


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Clip]:
    folder = tmp_path_factory.mktemp("style")
    return {
        "source": make_clip(folder / "source.mp4", seconds=3, camera="pan", peak=0.08, shot_seconds=(1.5,)),
        "template": make_clip(folder / "template.mp4", seconds=3, grade=teal_orange, peak=0.9, seed=5),
        "mute": make_clip(folder / "mute.mp4", seconds=2, peak=None),
        "silent": make_clip(folder / "silent.mp4", seconds=2, peak=0.0, seed=6),
    }


def _lab_stats(video: Path, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    pictures = sample_frames(video, duration_seconds=seconds, max_seconds=seconds).pictures
    lab = np.concatenate([to_lab(p).reshape(-1, 3) for p in pictures])
    return lab.mean(axis=0), lab.std(axis=0)


def test_options_name_at_most_one_template_and_a_strength_between_0_and_1() -> None:
    assert STYLE.second_media_of({}) is None
    assert STYLE.second_media_of({"template_upload_id": UPLOAD}) == SecondMedia(role="template", upload_id=UPLOAD)
    url = "https://example.com/look.mp4"
    assert STYLE.second_media_of({"template_url": url}) == SecondMedia(role="template", url=url)
    for bad in (
        {"template_url": url, "template_upload_id": UPLOAD},
        {"template_url": "ftp://example.com/a.mp4"},
        {"template_upload_id": "upl_1"},
        {"strength": 1.5},
        {"strength": "1"},
        {"apply": True, "colour": "warm"},
    ):
        with pytest.raises(ValidationError):
            STYLE.parse(bad)


def test_the_template_style_is_applied_and_rendered(clips: dict[str, Clip], tmp_path: Path) -> None:
    source, template = clips["source"], clips["template"]
    result, stored = _run(source, template, tmp_path)
    assert result["output_video_url"] == "artifact://style/styled.mp4"
    assert result["lut_url"] == "artifact://style/style.cube"
    output = stored / "style" / "styled.mp4"
    with av.open(str(output)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, audio.codec_context.name) == ("h264", "aac")
        assert (video.codec_context.width, video.codec_context.height) == (source.width, source.height)
        assert float(video.average_rate or 0) == source.fps
        assert sum(1 for _ in container.decode(video)) == round(source.seconds * source.fps)
    assert result["output_duration_seconds"] == pytest.approx(source.seconds, abs=0.05)
    # Colour: the output's CIELAB mean and spread moved most of the way to the template's.
    before = lab_distance(*_lab_stats(source.path, 3), *_lab_stats(template.path, 3))
    after = lab_distance(*_lab_stats(output, 3), *_lab_stats(template.path, 3))
    assert after <= 0.3 * before
    # Structure: the output's edges are the source's at the same frames (0.95 here: the grade
    # re-tones, the encoder keeps detail; a frame out of step reads ~0.25 on this pan).
    assert structure_kept(source.path, output, source.seconds, every=5) >= 0.9
    # Sound: the template's loudness within 1 LU, its true peak under the ceiling, once encoded.
    sound, template_sound = read_sound(output, max_seconds=3), read_sound(template.path, max_seconds=3)
    assert sound is not None and template_sound is not None
    out_lufs, template_lufs = integrated_lufs(sound), integrated_lufs(template_sound)
    assert out_lufs is not None and template_lufs is not None
    assert abs(out_lufs - template_lufs) <= 1.0
    peak = true_peak_dbtp(sound)
    assert peak is not None and peak <= TRUE_PEAK_CEILING_DBTP + 0.05
    assert result["loudness_gain_db"] > 15
    # The LUT is a 33-point cube; the styles are the template's and the source's own.
    assert read_cube(stored / "style" / "style.cube").shape == (33, 33, 33, 3)
    assert result["style_json"]["colour"]["contrast"] > result["source_style_json"]["colour"]["contrast"]
    assert result["source_style_json"]["motion"]["kind"] == "pan"
    assert result["source_style_json"]["pacing"]["shot_count"] == 2  # cuts found while sampling


def test_strength_zero_keeps_the_source(clips: dict[str, Clip], tmp_path: Path) -> None:
    source = clips["source"]
    result, stored = _run(source, clips["template"], tmp_path, strength=0.0)
    output = stored / "style" / "styled.mp4"
    assert lab_distance(*_lab_stats(output, 3), *_lab_stats(source.path, 3)) < 2.0
    assert result["loudness_gain_db"] == pytest.approx(0, abs=0.3)


def test_media_without_sound_gets_colour_only(clips: dict[str, Clip], tmp_path: Path) -> None:
    result, stored = _run(clips["mute"], clips["template"], tmp_path)
    with av.open(str(stored / "style" / "styled.mp4")) as container:
        assert container.streams.video and not container.streams.audio
    assert "loudness_gain_db" not in result and "audio" not in result["source_style_json"]


def test_without_a_template_the_media_own_style_is_measured(clips: dict[str, Clip], tmp_path: Path) -> None:
    result, stored = _run(clips["source"], None, tmp_path, apply=False)
    assert set(result) == {"style_json"} and not stored.exists()
    lines = STYLE.render(STYLE.result_model.model_validate(result))
    assert len(SWATCH.findall(lines[1])) == 5  # the palette's swatches
    assert any("LUFS" in line for line in lines) and any("pacing" in line for line in lines)


def test_apply_false_measures_both_and_renders_nothing(clips: dict[str, Clip], tmp_path: Path) -> None:
    result, stored = _run(clips["source"], clips["template"], tmp_path, apply=False)
    assert set(result) == {"style_json", "source_style_json"} and not stored.exists()


def test_a_silent_template_cannot_give_loudness_to_a_source_with_sound(clips: dict[str, Clip], tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no sound") as raised:
        _run(clips["source"], clips["silent"], tmp_path)
    assert type(raised.value).__name__ == "TemplateIsSilent"  # the stage error's name: TEMPLATE_IS_SILENT


def test_media_without_pictures_fails_the_capability_alone(clips: dict[str, Clip], tmp_path: Path) -> None:
    from tests.support.vision_media import make_audio_only

    make_audio_only(tmp_path / "sound.m4a")
    sound = Clip(tmp_path / "sound.m4a", 0, 0, 0, 2.0, ())
    with pytest.raises(Exception, match="no video") as raised:
        _run(clips["source"], sound, tmp_path)
    assert type(raised.value).__name__ == "TemplateHasNoVideo"
    inputs = Inputs(duration_seconds=2, has_video=False, media=_Files(sound.path, tmp_path))
    with pytest.raises(Exception, match="no video track") as raised:
        compute(STYLE, inputs, {})
    assert type(raised.value).__name__ == "MediaHasNoVideo"


def test_the_template_errors_are_the_capability_own_codes() -> None:
    from vidscope.models import Stage
    from vidscope.pipeline.errors import public_message

    assert public_message("TemplateIsSilent", '{"errorMessage": "no sound"}', Stage.ANALYSIS) == (
        "TEMPLATE_IS_SILENT",
        "no sound",
    )
    assert public_message("TemplateHasNoVideo", "none", Stage.ANALYSIS)[0] == "TEMPLATE_HAS_NO_VIDEO"
