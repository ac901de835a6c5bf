"""The vision engine on a generated 12 s 640x360 clip whose cuts, dissolve, flash and words are
known (tests/support/vision_media.py): shots, keyframes and on-screen text, no AWS."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.support.vision_media import VideoTruth, make_audio_only, make_video
from vidscope.vision.frames import MediaHasNoVideo, decoded_size
from vidscope.vision.models import Transition, VisionOutput
from vidscope.vision.stage import VISION_FILE, detect_shots, see
from vidscope.vision.text import TextReader


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> VideoTruth:
    return make_video(tmp_path_factory.mktemp("vision") / "clip.mp4")


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vision-out")


@pytest.fixture(scope="module")
def seen(clip: VideoTruth, out_dir: Path) -> VisionOutput:
    return see(clip.path, out_dir)


def test_the_clip_has_what_the_tests_rely_on(clip: VideoTruth) -> None:
    assert len(clip.cut_frames) >= 3
    assert len(clip.dissolves) == 1
    assert clip.flash_frames
    assert {item.text for item in clip.texts} == {"SPRING SALE", "ADIDAS"}


def test_hard_cuts_are_found_at_their_frames(clip: VideoTruth, seen: VisionOutput) -> None:
    found = [shot.start_frame for shot in seen.shots if shot.transition == Transition.CUT]
    assert len(found) == len(clip.cut_frames)
    for true, cut in zip(clip.cut_frames, found, strict=True):
        assert abs(true - cut) <= 1


def test_a_flash_inside_a_shot_makes_no_cut(clip: VideoTruth, seen: VisionOutput) -> None:
    first, last = min(clip.flash_frames), max(clip.flash_frames)
    assert not [shot for shot in seen.shots if first - 3 <= shot.start_frame <= last + 3]


def test_a_cross_dissolve_is_one_fade_boundary_inside_it(clip: VideoTruth, seen: VisionOutput) -> None:
    ((start, end),) = clip.dissolves
    fades = [shot for shot in seen.shots if shot.transition == Transition.FADE]
    assert len(fades) == 1
    assert start <= fades[0].start_frame < end


def test_shots_are_contiguous_and_cover_the_media(clip: VideoTruth, seen: VisionOutput) -> None:
    assert seen.frame_count == clip.frame_count
    assert seen.duration_seconds == pytest.approx(clip.duration, abs=0.001)
    assert seen.shots[0].start == 0 and seen.shots[0].start_frame == 0
    assert seen.shots[0].transition == Transition.START
    assert seen.shots[-1].end == seen.duration_seconds and seen.shots[-1].end_frame == seen.frame_count
    for shot, following in zip(seen.shots, seen.shots[1:], strict=False):
        assert shot.end == following.start and shot.end_frame == following.start_frame
        assert shot.start < shot.end
    assert [shot.index for shot in seen.shots] == list(range(len(seen.shots)))


def test_shot_times_are_the_frames_times_to_the_millisecond(clip: VideoTruth, seen: VisionOutput) -> None:
    for shot in seen.shots:
        assert shot.start == round(shot.start_frame / clip.fps, 3)
        assert shot.end == round(shot.end_frame / clip.fps, 3)


def test_keyframes_are_sharp_jpegs_inside_their_shots(seen: VisionOutput, out_dir: Path) -> None:
    assert [keyframe.shot_index for keyframe in seen.keyframes] == [shot.index for shot in seen.shots]
    for keyframe, shot in zip(seen.keyframes, seen.shots, strict=True):
        picture = cv2.imread(str(out_dir / keyframe.file))
        assert picture is not None
        assert picture.shape == (seen.height, seen.width, 3) == (360, 640, 3)
        assert picture.mean() > 40  # not black
        assert keyframe.file == f"keyframes/shot_{shot.index:04d}.jpg"
        assert shot.start_frame + 3 <= keyframe.frame < shot.end_frame - 3  # away from the transitions
        assert keyframe.sharpness > 0


def test_the_poster_is_one_of_the_keyframes(seen: VisionOutput, out_dir: Path) -> None:
    assert seen.poster.shot_index is None
    assert seen.poster.file == "keyframes/poster.jpg"
    poster = cv2.imread(str(out_dir / seen.poster.file))
    assert poster is not None and poster.mean() > 40
    assert seen.poster.frame in {keyframe.frame for keyframe in seen.keyframes}


def test_burned_in_words_are_read_over_their_time(clip: VideoTruth, seen: VisionOutput) -> None:
    for truth in clip.texts:
        read = [
            item
            for item in seen.text
            if truth.text.casefold() in item.text.casefold() and item.start < truth.end and item.end > truth.start
        ]
        assert read, f"{truth.text} at {truth.start:.2f}-{truth.end:.2f} s not read: {seen.text}"
        assert all(item.confidence >= 0.5 for item in read)


def test_text_items_carry_boxes_in_the_frame_and_a_picture(seen: VisionOutput, out_dir: Path) -> None:
    assert seen.text
    assert [item.start for item in seen.text] == sorted(item.start for item in seen.text)
    for item in seen.text:
        assert 0 <= item.start < item.end <= seen.duration_seconds
        assert item.box.left + item.box.width <= 1 and item.box.top + item.box.height <= 1
        assert 0.5 < item.box.top < 0.9  # the generator writes the words in the lower part
        assert cv2.imread(str(out_dir / item.file)) is not None


def test_the_output_is_written_as_vision_json(seen: VisionOutput, out_dir: Path) -> None:
    stored = VisionOutput.model_validate(json.loads((out_dir / VISION_FILE).read_text()))
    assert stored == seen


def test_the_content_detector_finds_the_same_cuts(clip: VideoTruth) -> None:
    shots = detect_shots(clip.path, detector="content")
    cuts = [shot.start_frame for shot in shots if shot.transition == Transition.CUT]
    assert len(cuts) == len(clip.cut_frames)
    assert all(abs(a - b) <= 1 for a, b in zip(cuts, clip.cut_frames, strict=True))


def test_min_shot_seconds_merges_shorter_shots(clip: VideoTruth) -> None:
    default = detect_shots(clip.path)
    merged = detect_shots(clip.path, min_shot_seconds=2.5)
    assert len(merged) < len(default)
    assert all(shot.end - shot.start >= 2.5 for shot in merged)
    assert merged[-1].end == default[-1].end


@pytest.mark.parametrize(("option", "value"), [("detector", "histogram"), ("min_shot_seconds", -1.0)])
def test_bad_options_are_rejected_before_decoding(tmp_path: Path, option: str, value: object) -> None:
    with pytest.raises(ValueError, match=option if option == "min_shot_seconds" else "histogram"):
        see(tmp_path / "never-opened.mp4", tmp_path, **{option: value})  # type: ignore[arg-type]


def test_media_without_video_raises_media_has_no_video(tmp_path: Path) -> None:
    audio = tmp_path / "tone.m4a"
    make_audio_only(audio)
    with pytest.raises(MediaHasNoVideo):
        see(audio, tmp_path / "out")


@pytest.mark.parametrize(
    ("source", "decoded"), [((1920, 1080), (1280, 720)), ((1080, 1920), (404, 720)), ((640, 360), (640, 360))]
)
def test_frames_are_decoded_at_most_720_lines_with_their_aspect(
    source: tuple[int, int], decoded: tuple[int, int]
) -> None:
    assert decoded_size(*source) == decoded


def test_ocr_reads_with_its_bundled_models_and_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the OCR tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    picture = np.full((360, 640, 3), 90, dtype=np.uint8)
    cv2.putText(picture, "ADIDAS", (180, 200), cv2.FONT_HERSHEY_DUPLEX, 2.5, (255, 255, 255), 5)
    readings = TextReader().read(picture)
    assert [reading.text for reading in readings] == ["ADIDAS"]
