"""Clips and the download's container: real PyAV encodes of small generated media."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import av
import numpy as np
import pytest

from tests.support.media import remux as join_tracks
from tests.support.vision_media import make_audio_only, make_video
from vidscope.editing.clips import ClipInfo, DownloadFormatUnsupported, remux, render_clip
from vidscope.models import Stage
from vidscope.pipeline.errors import public_message
from vidscope.pipeline.ingestion import inspect_media
from vidscope.vision.models import Box

SECONDS = 8.0


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 s of moving 640x360 scenes with cuts (H.264) and a 440 Hz tone (AAC)."""
    folder = tmp_path_factory.mktemp("media")
    make_video(folder / "video.mp4", seconds=SECONDS)
    make_audio_only(folder / "tone.m4a", seconds=SECONDS)
    join_tracks(folder / "media.mp4", video=folder / "video.mp4", audio=folder / "tone.m4a")
    return folder / "media.mp4"


def _half_and_half(path: Path, *, seconds: float = 2.0, fps: int = 25) -> None:
    """A 320x180 video: flat dark grey on the left half, moving bright stripes on the right."""
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        for index in range(round(seconds * fps)):
            image = np.full((180, 320, 3), 40, dtype=np.uint8)
            columns = np.arange(160)
            image[:, 160:] = np.where(((columns + index * 3) // 8) % 2 == 0, 250, 150)[None, :, None]
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _streams(path: Path) -> dict[str, str]:
    with av.open(str(path)) as container:
        return {s.type: s.codec_context.name for s in container.streams}


def _mean_luma(path: Path) -> float:
    with av.open(str(path)) as container:
        lumas = [frame.to_ndarray(format="gray").mean() for frame in container.decode(video=0)]
    return float(np.mean(lumas))


def _decoded_seconds(path: Path) -> tuple[int, float]:
    """How many pictures decode and how long the audio that decodes lasts."""
    with av.open(str(path)) as container:
        pictures = sum(1 for _ in container.decode(video=0))
    with av.open(str(path)) as container:
        samples = sum(frame.samples for frame in container.decode(audio=0))
        rate = container.streams.audio[0].codec_context.sample_rate
    return pictures, samples / rate


@pytest.mark.parametrize(("aspect", "ratio"), [("9:16", 9 / 16), ("1:1", 1.0)])
def test_a_clip_is_h264_and_aac_at_the_aspect_and_length_asked(
    media: Path, tmp_path: Path, aspect: str, ratio: float
) -> None:
    out = tmp_path / "clip.mp4"

    info = render_clip(media, out, start=2.5, end=5.5, aspect=aspect)

    assert isinstance(info, ClipInfo)
    assert _streams(out) == {"video": "h264", "audio": "aac"}
    assert info.height == 360  # the source's full height, under max_side
    assert abs(info.width - info.height * ratio) <= 1
    assert info.width % 2 == 0 and info.height % 2 == 0
    assert abs(info.duration_seconds - 3.0) <= 0.1
    assert info.size_bytes == out.stat().st_size > 0
    pictures, audio_seconds = _decoded_seconds(out)
    assert abs(pictures - 90) <= 3  # 3 s at 30 fps
    assert abs(audio_seconds - 3.0) <= 0.1
    with av.open(str(out)) as container:
        first = next(container.decode(video=0))
        assert first.time is not None and first.time < 0.05  # timestamps start at 0
        assert first.format.name == "yuv420p"


def test_a_clip_is_scaled_down_to_the_maximum_height(media: Path, tmp_path: Path) -> None:
    info = render_clip(media, tmp_path / "small.mp4", start=0.0, end=1.0, aspect="9:16", max_side=240)

    assert info.height == 240
    assert abs(info.width - 240 * 9 / 16) <= 1


def test_a_span_past_the_end_stops_at_the_end(media: Path, tmp_path: Path) -> None:
    info = render_clip(media, tmp_path / "tail.mp4", start=SECONDS - 1.0, end=SECONDS + 5.0, aspect="1:1")

    assert abs(info.duration_seconds - 1.0) <= 0.1


def test_a_focus_box_on_the_right_moves_the_crop_window_right(tmp_path: Path) -> None:
    source = tmp_path / "halves.mp4"
    _half_and_half(source)
    right = Box(left=0.7, top=0.2, width=0.2, height=0.3)
    left = Box(left=0.1, top=0.2, width=0.2, height=0.3)

    render_clip(source, tmp_path / "right.mp4", start=0.0, end=1.5, aspect="9:16", focus=[(0.0, right)])
    render_clip(source, tmp_path / "left.mp4", start=0.0, end=1.5, aspect="9:16", focus=[(0.0, left)])

    assert _mean_luma(tmp_path / "right.mp4") > 150  # the bright stripes
    assert _mean_luma(tmp_path / "left.mp4") < 60  # the flat grey


def test_a_later_focus_box_glides_the_window_over(tmp_path: Path) -> None:
    source = tmp_path / "halves.mp4"
    _half_and_half(source)
    left = Box(left=0.1, top=0.2, width=0.2, height=0.3)
    right = Box(left=0.7, top=0.2, width=0.2, height=0.3)
    out = tmp_path / "moving.mp4"

    render_clip(source, out, start=0.0, end=2.0, aspect="9:16", focus=[(0.0, left), (1.0, right)])

    with av.open(str(out)) as container:
        lumas = [float(frame.to_ndarray(format="gray").mean()) for frame in container.decode(video=0)]
    assert max(lumas[:20]) < 60  # on the left until the second box
    assert lumas[-1] > 150  # on the right by the end
    steps = np.abs(np.diff(lumas[25:]))
    assert 0 < steps.max() < 60  # gliding, not one jump


def test_without_focus_the_window_goes_to_the_busy_part_of_the_frame(tmp_path: Path) -> None:
    source = tmp_path / "halves.mp4"
    _half_and_half(source)

    render_clip(source, tmp_path / "auto.mp4", start=0.0, end=1.0, aspect="9:16")

    assert _mean_luma(tmp_path / "auto.mp4") > 150


def test_audio_only_media_cannot_be_clipped(tmp_path: Path) -> None:
    make_audio_only(tmp_path / "tone.m4a")

    with pytest.raises(ValueError, match="no video"):
        render_clip(tmp_path / "tone.m4a", tmp_path / "clip.mp4", start=0.0, end=1.0)


def test_an_unknown_aspect_is_refused(media: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="aspect"):
        render_clip(media, tmp_path / "clip.mp4", start=0.0, end=1.0, aspect="3:2")


def test_remux_to_mp4_copies_h264_and_aac_and_keeps_the_duration(media: Path, tmp_path: Path) -> None:
    out = tmp_path / "download.mp4"

    packaged = remux(media, out, audio_only=False)

    assert _streams(out) == {"video": "h264", "audio": "aac"}
    assert abs(packaged.duration_seconds - SECONDS) <= 0.1
    assert packaged.size_bytes == out.stat().st_size


def test_remux_to_m4a_keeps_only_the_audio(media: Path, tmp_path: Path) -> None:
    out = tmp_path / "download.m4a"

    packaged = remux(media, out, audio_only=True)

    assert _streams(out) == {"audio": "aac"}
    assert abs(packaged.duration_seconds - SECONDS) <= 0.1
    assert packaged.size_bytes < media.stat().st_size / 2


def _two_tracks(path: Path, *, video_codec: str, audio_codec: str, seconds: int = 2) -> None:
    """``seconds`` of 160x90 pictures in ``video_codec`` and a 440 Hz tone in ``audio_codec``
    (Matroska: it carries any of them)."""
    with av.open(str(path), "w", format="matroska") as container:
        video = container.add_stream(video_codec, rate=25)
        video.width, video.height, video.pix_fmt = 160, 90, "yuv420p"
        sound = container.add_stream(audio_codec, rate=48_000)
        sound.layout = "stereo"
        for index in range(25 * seconds):
            image = np.full((90, 160, 3), index * 5 % 256, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 25)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        tone = np.sin(np.arange(48_000 * seconds) * 2 * np.pi * 440 / 48_000).astype(np.float32) * 0.3
        planar = np.repeat(tone[None, :], 2, axis=0)
        chunk = sound.codec_context.frame_size or 1024
        for at in range(0, tone.size, chunk):
            audio = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(planar[:, at : at + chunk]), format="fltp", layout="stereo"
            )
            audio.sample_rate, audio.pts = 48_000, at
            container.mux(sound.encode(audio))
        container.mux(sound.encode(None))


@pytest.mark.parametrize(("video_codec", "audio_codec"), [("mpeg4", "libmp3lame"), ("libvpx-vp9", "libopus")])
def test_remux_copies_every_codec_the_mp4_family_carries_without_reencoding(
    tmp_path: Path, video_codec: str, audio_codec: str
) -> None:
    # Given media in codecs that are not H.264/AAC but that mp4 carries as is
    source = tmp_path / "other.mkv"
    _two_tracks(source, video_codec=video_codec, audio_codec=audio_codec)
    with av.open(str(source)) as container:
        codecs = {s.type: s.codec_context.codec.canonical_name for s in container.streams}
        packets = {s.type: [bytes(p) for p in container.demux(s) if p.size][:5] for s in container.streams}

    # When the download packages it as mp4 and as m4a
    video_out = remux(source, tmp_path / "download.mp4", audio_only=False)
    audio_out = remux(source, tmp_path / "download.m4a", audio_only=True)

    # Then both hold the source's codecs, packet for packet, over the whole length
    assert _canonical(tmp_path / "download.mp4") == codecs
    assert _canonical(tmp_path / "download.m4a") == {"audio": codecs["audio"]}
    with av.open(str(tmp_path / "download.mp4")) as container:
        assert [bytes(p) for p in container.demux(video=0) if p.size][:5] == packets["video"]
    assert abs(video_out.duration_seconds - 2.0) <= 0.1 and abs(audio_out.duration_seconds - 2.0) <= 0.1


def test_remux_refuses_a_codec_mp4_does_not_carry_instead_of_reencoding_it(tmp_path: Path) -> None:
    # Given VP8 pictures (WebM's old codec: no mp4 muxer takes it) with Opus sound
    source = tmp_path / "old.webm"
    _two_tracks(source, video_codec="libvpx", audio_codec="libopus")

    # When the download packages it as mp4, it is refused, and nothing is encoded
    with pytest.raises(DownloadFormatUnsupported, match="vp8") as refused:
        remux(source, tmp_path / "download.mp4", audio_only=False)
    # (a failure of the download alone, by the name Step Functions reports)
    assert public_message(type(refused.value).__name__, str(refused.value), Stage.ANALYSIS) == (
        "DOWNLOAD_FORMAT_UNSUPPORTED",
        str(refused.value),
    )
    # While its sound alone is copied into an m4a
    remux(source, tmp_path / "download.m4a", audio_only=True)
    assert _canonical(tmp_path / "download.m4a") == {"audio": "opus"}


def _canonical(path: Path) -> dict[str, str]:
    with av.open(str(path)) as container:
        return {s.type: s.codec_context.codec.canonical_name for s in container.streams}


def test_media_without_audio_has_no_m4a(media: Path, tmp_path: Path) -> None:
    silent = tmp_path / "silent.mp4"
    join_tracks(silent, video=media)

    with pytest.raises(ValueError, match="no audio"):
        remux(silent, tmp_path / "download.m4a", audio_only=True)


def _stretched_sound(path: Path, *, seconds: float = 1.0, stretch: int = 20, rate: int = 44_100) -> None:
    """``seconds`` of AAC tone whose packets are stamped ``stretch`` times apart: a file that
    holds a second of sound and claims twenty."""
    tone = (np.sin(np.arange(int(seconds * rate)) * 2 * np.pi * 440 / rate) * 9000).astype(np.int16)
    with av.open(str(path), "w", format="matroska") as container:
        sound = container.add_stream("aac", rate=rate)
        sound.layout = "mono"

        def stamped_apart(packets: list[av.Packet]) -> None:
            for packet in packets:
                packet.pts = packet.pts * stretch if packet.pts is not None else None
                packet.dts = packet.dts * stretch if packet.dts is not None else None
                container.mux(packet)

        for at in range(0, tone.size, 1024):
            frame = av.AudioFrame.from_ndarray(tone[at : at + 1024][None, :], format="s16", layout="mono")
            frame.sample_rate, frame.pts = rate, at
            stamped_apart(sound.encode(frame))
        stamped_apart(sound.encode(None))


def test_sound_stamped_past_its_samples_is_packaged_only_as_far_as_it_was_billed(tmp_path: Path) -> None:
    # Given a file with a second of sound stamped over twenty, billed by its decoded samples
    source = tmp_path / "stretched.mkv"
    _stretched_sound(source)
    billed = inspect_media(source).duration_seconds
    assert billed == pytest.approx(1.0, abs=0.05)
    assert remux(source, tmp_path / "unbounded.m4a", audio_only=True).duration_seconds > 19  # what it claims
    # When the download packages it up to the billed duration
    packaged = remux(source, tmp_path / "download.m4a", audio_only=True, billed_seconds=billed)
    # Then it holds no more than was billed
    assert packaged.duration_seconds <= billed + 0.1


def test_a_download_stops_at_the_billed_duration(media: Path, tmp_path: Path) -> None:
    packaged = remux(media, tmp_path / "download.mp4", audio_only=False, billed_seconds=3.0)

    assert _streams(tmp_path / "download.mp4") == {"video": "h264", "audio": "aac"}
    assert 2.9 <= packaged.duration_seconds <= 3.1
    pictures, audio_seconds = _decoded_seconds(tmp_path / "download.mp4")
    assert pictures <= 3 * 30 + 3 and audio_seconds <= 3.1


def test_a_clip_stops_at_the_billed_duration(media: Path, tmp_path: Path) -> None:
    info = render_clip(media, tmp_path / "clip.mp4", start=1.0, end=6.0, aspect="1:1", billed_seconds=3.0)

    assert abs(info.duration_seconds - 2.0) <= 0.1
    with pytest.raises(ValueError, match="ends before"):
        render_clip(media, tmp_path / "late.mp4", start=3.5, end=6.0, billed_seconds=3.0)


def _dense(path: Path, *, width: int, height: int, fps: int, seconds: float = 1.0) -> None:
    """``seconds`` of ``width`` x ``height`` pictures at ``fps``, a bar moving across them."""
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(round(seconds * fps)):
            image = np.full((height, width, 3), 30, dtype=np.uint8)
            left = index * 7 % (width - 16)
            image[:, left : left + 16] = 230
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def test_a_clip_has_at_most_30_frames_a_second_and_1280_pixels_on_its_long_side(tmp_path: Path) -> None:
    # Given 1 s of 1920x480 pictures at 120 fps (wide and dense: 4 times the frames a clip needs)
    source = tmp_path / "dense.mp4"
    _dense(source, width=1920, height=480, fps=120)

    # When it is cut at its own aspect
    info = render_clip(source, tmp_path / "clip.mp4", start=0.0, end=1.0, aspect="original")

    # Then the clip is 1280 wide (aspect kept) and holds 30 frames, evenly spread
    assert (info.width, info.height) == (1280, 320)
    with av.open(str(tmp_path / "clip.mp4")) as container:
        times = [frame.time for frame in container.decode(video=0) if frame.time is not None]
    assert 29 <= len(times) <= 31
    assert max(b - a for a, b in pairwise(times)) < 0.05
