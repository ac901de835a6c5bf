"""StyleJSON measured on generated pictures, sound and clips whose properties are known."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.support.style_media import make_clip, teal_orange
from vidscope.style.audio import RATE, audio_style, read_sound, true_peak_dbtp
from vidscope.style.colour import colour_style, noise_sigma, texture_style
from vidscope.style.measure import MediaHasNoVideo, measure
from vidscope.style.models import STYLE_JSON_VERSION, MotionKind, StyleJSON
from vidscope.style.pacing import pacing_style
from vidscope.style.transfer import Transfer, colour_map


def _flat(bgr: tuple[int, int, int], size: tuple[int, int] = (64, 36)) -> np.ndarray:
    return np.full((size[1], size[0], 3), bgr, np.uint8)


def test_a_grey_picture_is_neutral_mid_lightness_without_contrast() -> None:
    style = colour_style([_flat((128, 128, 128))])
    assert style.mean.l == pytest.approx(53.6, abs=0.3)  # sRGB 128 is L* 53.6
    assert abs(style.mean.a) < 0.5 and abs(style.mean.b) < 0.5
    assert style.contrast == pytest.approx(0, abs=0.01) and style.saturation < 0.5
    assert len(style.palette) == 1 and style.palette[0].hex == "#808080" and style.palette[0].weight == 1
    assert style.white_balance.colour_temperature_kelvin == pytest.approx(6504, rel=0.02)  # D65 grey


def test_black_and_white_halves_set_the_points_and_the_palette() -> None:
    picture = np.concatenate([_flat((0, 0, 0)), _flat((255, 255, 255))], axis=1)
    style = colour_style([picture])
    assert style.black_point == pytest.approx(0, abs=0.5) and style.white_point == pytest.approx(100, abs=0.5)
    assert style.contrast == pytest.approx(50, abs=0.5)
    assert sorted(s.hex for s in style.palette) == ["#000000", "#ffffff"]
    assert [s.weight for s in style.palette] == pytest.approx([0.5, 0.5])
    assert style.exposure.p25 < 1 and style.exposure.p75 > 99


def test_warm_pictures_read_warmer_than_cool_ones() -> None:
    warm = colour_style([_flat((150, 190, 240))])  # BGR: orange-ish
    cool = colour_style([_flat((240, 200, 160))])  # blue-ish
    assert warm.white_balance.colour_temperature_kelvin < 5000 < 8000 < cool.white_balance.colour_temperature_kelvin
    assert warm.white_balance.neutral_b > 0 > cool.white_balance.neutral_b
    assert warm.mean.b > 20 and cool.mean.b < -20


def test_the_palette_finds_three_colours_with_their_shares() -> None:
    red, green, blue = _flat((0, 0, 255), (60, 36)), _flat((0, 255, 0), (30, 36)), _flat((255, 0, 0), (10, 36))
    style = colour_style([np.concatenate([red, green, blue], axis=1)])
    assert [(s.hex, round(s.weight, 3)) for s in style.palette] == [
        ("#ff0000", 0.6),
        ("#00ff00", 0.3),
        ("#0000ff", 0.1),
    ]


def test_noise_reads_the_standard_deviation_added() -> None:
    rng = np.random.default_rng(3)
    flat = np.full((360, 640), 120, np.float32)
    for sigma in (2.0, 5.0, 10.0):
        assert noise_sigma(flat + rng.normal(0, sigma, flat.shape).astype(np.float32)) == pytest.approx(sigma, rel=0.1)


def test_blurring_lowers_sharpness() -> None:
    picture = make_clip_picture()
    sharp = texture_style([picture]).sharpness
    soft = texture_style([cv2.GaussianBlur(picture, (0, 0), 2)]).sharpness
    assert soft < sharp / 4


def make_clip_picture() -> np.ndarray:
    from tests.support.style_media import scene

    return scene(640, 360, seed=4)


def test_pacing_from_shot_spans() -> None:
    pacing = pacing_style([(0, 1), (1, 3), (3, 6), (6, 10)], 10)
    assert pacing is not None
    assert (pacing.shot_count, pacing.shot_seconds_mean, pacing.shot_seconds_median) == (4, 2.5, 2.5)
    assert pacing.shot_seconds_p90 == pytest.approx(3.7)
    assert pacing.cuts_per_minute == pytest.approx(18)
    assert pacing_style([], 10) is None


def _sine(frequency: float, amplitude: float, seconds: float = 5, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    tone = (amplitude * np.sin(2 * np.pi * frequency * t + phase)).astype(np.float32)
    return np.stack([tone, tone], axis=1)


def test_a_1khz_sine_reads_its_level_in_lufs_and_dbtp() -> None:
    # BS.1770: a 997 Hz sine at full scale in both channels of a stereo pair reads 0 LUFS.
    style = audio_style(_sine(997, 0.1))
    assert style.integrated_lufs == pytest.approx(-20.0, abs=0.2)
    assert style.true_peak_dbtp == pytest.approx(-20.0, abs=0.1)


def test_loudness_range_spans_loud_and_soft_passages() -> None:
    steady = audio_style(_sine(997, 0.1, seconds=30))
    assert steady.loudness_range_lu == pytest.approx(0, abs=0.5)
    passages = np.concatenate([_sine(997, 0.3, seconds=10), _sine(997, 0.03, seconds=10)] * 2)
    assert audio_style(passages).loudness_range_lu == pytest.approx(20, abs=1.5)  # 0.3 / 0.03 = 20 dB


def test_true_peak_sees_the_peak_between_samples() -> None:
    # A sine at a quarter of the rate sampled 45° off its crest: every sample is 0.707 of the peak.
    samples = _sine(RATE / 4, 0.5, seconds=1, phase=np.pi / 4)
    assert 20 * np.log10(np.abs(samples).max()) == pytest.approx(-9.03, abs=0.05)
    assert true_peak_dbtp(samples) == pytest.approx(-6.02, abs=0.3)


def test_spectral_balance_places_a_tone_in_its_band() -> None:
    low, high = audio_style(_sine(100, 0.3)).spectral_balance, audio_style(_sine(8000, 0.3)).spectral_balance
    assert low is not None and high is not None
    assert low.low_db > -0.5 and low.high_db < -40 and low.centroid_hz == pytest.approx(100, abs=30)
    assert high.high_db > -0.5 and high.low_db < -40 and high.centroid_hz == pytest.approx(8000, abs=100)


def test_silence_has_no_loudness() -> None:
    style = audio_style(np.zeros((RATE * 4, 2), np.float32))
    assert style.integrated_lufs is None and style.true_peak_dbtp is None and style.spectral_balance is None


@pytest.mark.parametrize(
    ("camera", "speed", "zoom"),
    [("static", 0.0, 0.0), ("pan", 0.15, 0.0), ("tilt", 0.15, 0.0), ("zoom", 0.0, 0.12), ("shaky", None, 0.0)],
)
def test_camera_motion_is_measured_with_its_kind(tmp_path: Path, camera: str, speed: float | None, zoom: float) -> None:
    clip = make_clip(tmp_path / f"{camera}.mp4", camera=camera, seconds=3, peak=None)  # type: ignore[arg-type]
    motion = measure(clip.path, duration_seconds=3, shots=[(0, 3)], max_seconds=3).motion
    assert motion.kind is MotionKind(camera) and motion.samples == 3
    if speed is not None:
        assert motion.magnitude == pytest.approx(speed, abs=0.01)
    assert motion.zoom_rate == pytest.approx(zoom, abs=0.01)


def test_a_graded_loud_clip_measures_apart_from_the_natural_one(tmp_path: Path) -> None:
    natural = make_clip(tmp_path / "natural.mp4", peak=0.1, shot_seconds=(1, 1))
    graded = make_clip(tmp_path / "graded.mp4", grade=teal_orange, peak=0.9, shot_seconds=(1, 1))
    shots = [(0.0, 1.0), (1.0, 2.0), (2.0, 4.0)]
    a = measure(natural.path, duration_seconds=4, shots=shots, max_seconds=4)
    b = measure(graded.path, duration_seconds=4, shots=shots, max_seconds=4)
    assert b.colour.contrast > a.colour.contrast * 1.2 and b.colour.saturation > a.colour.saturation * 1.2
    assert a.audio is not None and b.audio is not None
    assert a.audio.integrated_lufs is not None and b.audio.integrated_lufs is not None
    assert b.audio.integrated_lufs - a.audio.integrated_lufs == pytest.approx(19.1, abs=1)  # 0.9 / 0.1 = 19.1 dB
    assert (a.width, a.height, a.fps, a.version) == (320, 180, 25.0, STYLE_JSON_VERSION)
    assert a.pacing is not None and a.pacing.shot_count == 3
    StyleJSON.model_validate_json(b.model_dump_json())  # round-trips


def test_media_without_sound_has_no_audio_style_and_sound_alone_has_no_pictures(tmp_path: Path) -> None:
    mute = make_clip(tmp_path / "mute.mp4", seconds=2, peak=None)
    assert measure(mute.path, duration_seconds=2, shots=[], max_seconds=2).audio is None
    assert read_sound(mute.path, max_seconds=2) is None
    from tests.support.vision_media import make_audio_only

    make_audio_only(tmp_path / "sound.m4a")
    with pytest.raises(MediaHasNoVideo):
        measure(tmp_path / "sound.m4a", duration_seconds=2, shots=[], max_seconds=2)


def test_nothing_is_decoded_past_what_was_paid_for(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "long.mp4", seconds=4, peak=0.2)
    style = measure(clip.path, duration_seconds=4, shots=[], max_seconds=1.5)
    assert style.frames_sampled == 2  # at 0 s and 1 s; nothing after 1.5 s
    sound = read_sound(clip.path, max_seconds=1.5)
    assert sound is not None and len(sound) == int(1.5 * RATE)


def test_mkl_chroma_matches_the_template_and_keeps_lightness_apart_from_colour() -> None:
    rng = np.random.default_rng(3)
    # Source and template pixels (CIELAB) whose lightness and chroma are correlated differently.
    source = rng.multivariate_normal([55, -5, 3], [[150, 40, 20], [40, 60, 10], [20, 10, 40]], 20_000)
    template = rng.multivariate_normal([65, 8, 20], [[300, -30, 60], [-30, 90, 25], [60, 25, 120]], 20_000)
    chroma_only = colour_map(source, template, Transfer.MKL_CHROMA)
    # The output's lightness is the source's, re-toned: none of it comes from the source's chroma.
    assert chroma_only.matrix[0, 1:] == pytest.approx([0, 0]) and chroma_only.matrix[1:, 0] == pytest.approx([0, 0])
    moved = chroma_only.apply(source)
    assert moved.mean(axis=0) == pytest.approx(template.mean(axis=0), abs=0.01)
    assert moved.std(axis=0) == pytest.approx(template.std(axis=0), rel=0.01)
    assert np.cov(moved[:, 1:], rowvar=False) == pytest.approx(np.cov(template[:, 1:], rowvar=False), rel=0.02)
    # Full MKL matches the whole covariance, lightness fed from chroma.
    full = colour_map(source, template, Transfer.MKL)
    assert np.cov(full.apply(source), rowvar=False) == pytest.approx(np.cov(template, rowvar=False), rel=0.02)
    assert np.abs(full.matrix[0, 1:]).max() > 0.05
