"""preview's pieces: the moments it picks from the shots, the montage of several spans in one
clip, and the storyboard's sheet and WebVTT track (real PyAV encodes of small generated media)."""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import cv2
import pytest

from tests.support.media import remux as join_tracks
from tests.support.vision_media import make_audio_only, make_video
from vidscope.capabilities.preview import _moments
from vidscope.editing.clips import render_montage
from vidscope.editing.storyboard import MAX_TILES, interval_for, render_storyboard, webvtt
from vidscope.vision.models import DetectedShot, Keyframe, Transition, VisionOutput


def _vision(bounds: list[tuple[float, float]]) -> VisionOutput:
    shots = [
        DetectedShot(
            index=i, start=s, end=e, start_frame=round(s * 30), end_frame=round(e * 30), transition=Transition.CUT
        )
        for i, (s, e) in enumerate(bounds)
    ]
    keyframes = [
        Keyframe(
            shot_index=s.index,
            time=s.start + 0.2,
            frame=s.start_frame + 6,
            file="k.jpg",
            width=64,
            height=36,
            sharpness=1,
            brightness=1,
        )
        for s in shots
    ]
    poster = keyframes[0].model_copy(update={"shot_index": None})
    end = bounds[-1][1]
    return VisionOutput(
        duration_seconds=end,
        fps=30,
        frame_count=round(end * 30),
        width=64,
        height=36,
        shots=shots,
        poster=poster,
        keyframes=keyframes,
        text=[],
    )


def test_the_moments_are_pieces_of_the_longest_shots_in_order_inside_them() -> None:
    bounds = [(0, 3), (3, 4), (4, 10), (10, 10.5), (10.5, 20), (20, 24), (24, 60)]
    moments = _moments(_vision(bounds), 60, 8)
    assert sum(m.end - m.start for m in moments) == pytest.approx(8, abs=0.01)
    assert len(moments) == 5 and all(a.end <= b.start for a, b in itertools.pairwise(moments))
    longest = {0, 2, 4, 5, 6}  # the five longest shots
    for moment, index in zip(moments, sorted(longest), strict=True):
        start, end = bounds[index]
        assert start <= moment.start < moment.end <= end
        assert moment.start <= start + 0.2 + 0.001  # around the keyframe (0.2 s into the shot)


def test_one_long_shot_gives_one_moment_and_short_media_all_of_it() -> None:
    (moment,) = _moments(_vision([(0, 30)]), 30, 6)
    assert moment.end - moment.start == pytest.approx(6)
    whole = _moments(_vision([(0, 1), (1, 2.2), (2.2, 3)]), 3, 8)
    assert sum(m.end - m.start for m in whole) == pytest.approx(3, abs=0.01)
    assert whole[0].start >= 0 and whole[-1].end <= 3


def test_crowded_short_shots_fall_back_to_one_span_of_the_full_length() -> None:
    bounds = [(i * 0.5, (i + 1) * 0.5) for i in range(20)]  # 10 s of half-second shots
    moments = _moments(_vision(bounds), 10, 8)
    assert sum(m.end - m.start for m in moments) == pytest.approx(8, abs=0.01)
    assert all(0 <= m.start < m.end <= 10 for m in moments)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("preview")
    make_video(folder / "video.mp4", seconds=9.0)
    make_audio_only(folder / "tone.m4a", seconds=9.0)
    join_tracks(folder / "media.mp4", video=folder / "video.mp4", audio=folder / "tone.m4a")
    return folder / "media.mp4"


def test_a_montage_plays_its_spans_one_after_the_other(media: Path, tmp_path: Path) -> None:
    info = render_montage(media, tmp_path / "m.mp4", spans=[(1, 2.5), (4, 5), (7, 8.5)], max_side=320)
    assert info.duration_seconds == pytest.approx(4.0, abs=0.1) and max(info.width, info.height) <= 320
    with av.open(str(tmp_path / "m.mp4")) as container:
        audio = container.streams.audio[0]
        assert audio.duration is not None and audio.time_base is not None
        assert float(audio.duration * audio.time_base) == pytest.approx(4.0, abs=0.1)
    # Past the billed duration nothing is rendered.
    bounded = render_montage(media, tmp_path / "b.mp4", spans=[(1, 2), (6, 8)], billed_seconds=7)
    assert bounded.duration_seconds == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize("spans", [[], [(2, 1)], [(1, 3), (2, 4)], [(4, 5), (1, 2)]])
def test_empty_overlapping_or_unordered_spans_are_refused(
    media: Path, tmp_path: Path, spans: list[tuple[float, float]]
) -> None:
    with pytest.raises(ValueError, match="spans"):
        render_montage(media, tmp_path / "x.mp4", spans=spans)


def test_the_storyboard_sheet_holds_one_still_per_cue(media: Path, tmp_path: Path) -> None:
    board = render_storyboard(media, tmp_path / "s.jpg", duration_seconds=9.0, tile_side=120)
    sheet = cv2.imread(str(tmp_path / "s.jpg"))
    assert sheet.shape[:2] == (board.sheet_height, board.sheet_width)
    assert [t.start for t in board.tiles] == [0, 2, 4, 6, 8] and board.tiles[-1].end == 9.0
    assert all(t.width == 120 and t.x + t.width <= board.sheet_width for t in board.tiles)
    track = webvtt(board, "sprite.jpg")
    assert track.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\nsprite.jpg#xywh=0,0,120,68\n")
    assert "00:00:08.000 --> 00:00:09.000\nsprite.jpg#xywh=480,0,120,68" in track


def test_long_media_gets_at_most_max_tiles_and_never_past_the_billed_duration(media: Path, tmp_path: Path) -> None:
    assert interval_for(3600) == 36 and interval_for(10) == 2
    board = render_storyboard(media, tmp_path / "s.jpg", duration_seconds=9.0, billed_seconds=5.0)
    assert len(board.tiles) <= MAX_TILES and board.tiles[-1].end == 5.0


def test_audio_has_no_storyboard(tmp_path: Path) -> None:
    make_audio_only(tmp_path / "tone.m4a", seconds=2.0)
    with pytest.raises(ValueError, match="no video track"):
        render_storyboard(tmp_path / "tone.m4a", tmp_path / "s.jpg", duration_seconds=2.0)


def _one_keyframe(path: Path, *, seconds: int = 12, fps: int = 10) -> None:
    """A 160x90 video whose frame i is grey level 2i, with a single keyframe (the worst case for
    seeking: every seek lands on the first frame)."""
    import numpy as np

    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps, options={"g": "100000", "keyint_min": "100000", "crf": "10"})
        stream.width, stream.height, stream.pix_fmt = 160, 90, "yuv420p"
        for index in range(seconds * fps):
            frame = av.VideoFrame.from_ndarray(np.full((90, 160, 3), 2 * index, np.uint8), format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def test_sparse_keyframes_still_give_each_cue_its_own_moment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vidscope.editing import storyboard

    monkeypatch.setattr(storyboard, "_RESEEK_SECONDS", 0.5)  # every still sought, as on long media
    _one_keyframe(tmp_path / "gop.mp4")
    board = render_storyboard(tmp_path / "gop.mp4", tmp_path / "s.jpg", duration_seconds=12.0, tile_side=160)
    sheet = cv2.imread(str(tmp_path / "s.jpg"), cv2.IMREAD_GRAYSCALE)
    for tile in board.tiles:  # each still from the middle of its interval: frame 10 x (start + 1 s)
        shown = float(sheet[tile.y : tile.y + tile.height, tile.x : tile.x + tile.width].mean())
        assert shown == pytest.approx(2 * 10 * (tile.start + 1), abs=4), tile
