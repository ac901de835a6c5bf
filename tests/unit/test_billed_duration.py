"""One billed duration for every track a job reads (DESIGN §7), measured by ingestion from what
the file holds: the audio's decoded samples and the pictures' timestamps, whichever is longer;
pictures the stages could not afford are refused before any stage sees them. Each file is one
of the audit's hostile probes, generated here with PyAV."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from vidscope.pipeline.errors import MediaUnsupported
from vidscope.pipeline.ingestion import inspect_media
from vidscope.vision.limits import REFERENCE_PIXEL_RATE


def _video(
    path: Path,
    *,
    frames: int,
    frame_seconds: Fraction,
    size: tuple[int, int] = (64, 36),
    sound_seconds: float = 0.0,
) -> Path:
    """``frames`` tiny pictures stamped ``frame_seconds`` apart, with ``sound_seconds`` of tone."""
    width, height = size
    with av.open(str(path), "w", format="matroska") as out:
        video = out.add_stream("mjpeg", rate=30)  # any time base, any size: intra frames only
        video.width, video.height, video.pix_fmt = width, height, "yuvj420p"
        video.codec_context.time_base = Fraction(1, 1_000_000)
        audio = out.add_stream("aac", rate=16_000) if sound_seconds else None
        picture = np.full((height, width, 3), 90, np.uint8)
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = int(i * frame_seconds * 1_000_000), Fraction(1, 1_000_000)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if audio is not None:
            samples = (np.sin(np.arange(int(sound_seconds * 16_000)) / 5) * 8_000).astype(np.int16)
            tone = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
            tone.sample_rate, tone.pts = 16_000, 0
            out.mux(audio.encode(tone))
            out.mux(audio.encode(None))
    return path


def test_ten_minutes_of_pictures_with_one_second_of_sound_bill_ten_minutes_when_the_job_sees_them(
    tmp_path: Path,
) -> None:
    path = _video(tmp_path / "long.mkv", frames=600, frame_seconds=Fraction(1), sound_seconds=1.0)
    seen = inspect_media(path, reads_video=True)
    assert seen.duration_seconds == pytest.approx(600, abs=1.5) and seen.has_audio and seen.has_video
    # A job that only listens reads the second of sound, and is billed for it.
    assert inspect_media(path, reads_video=False).duration_seconds == pytest.approx(1.0, abs=0.1)


def test_silent_frames_stamped_a_microsecond_apart_are_refused(tmp_path: Path) -> None:
    path = _video(tmp_path / "dense.mkv", frames=1_800, frame_seconds=Fraction(1, 1_000_000))
    with pytest.raises(MediaUnsupported, match="frames a second"):
        inspect_media(path, reads_video=False)  # no sound: the pictures are the only track to bill
    honest = _video(tmp_path / "honest.mkv", frames=60, frame_seconds=Fraction(1, 30))
    assert inspect_media(honest).duration_seconds == pytest.approx(2.0, abs=0.05)


@pytest.mark.parametrize("size", [(4_096, 2_304), (2_000, 100), (2, 720)])
def test_pictures_too_large_or_too_narrow_are_refused_before_any_stage_sees_them(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    path = _video(tmp_path / "big.mkv", frames=2, frame_seconds=Fraction(1, 30), size=size, sound_seconds=1.0)
    with pytest.raises(MediaUnsupported, match=f"{size[0]}x{size[1]}"):
        inspect_media(path, reads_video=True)
    # Only its sound is read by a job that does not look: nothing to refuse.
    assert inspect_media(path, reads_video=False).duration_seconds == pytest.approx(1.0, abs=0.1)


def test_pictures_denser_than_1080p30_bill_their_span_times_their_pixel_rate(tmp_path: Path) -> None:
    # Given 0.5 s of 1280x720 pictures at 240 fps (3.56 times 1080p30's pixels a second), with sound
    path = _video(
        tmp_path / "dense.mkv", frames=120, frame_seconds=Fraction(1, 240), size=(1280, 720), sound_seconds=0.5
    )
    # When a job that sees them inspects it
    seen = inspect_media(path, reads_video=True)
    # Then the media lasts its span, and is billed that span times 1280x720x240 / 1920x1080x30
    assert seen.duration_seconds == pytest.approx(0.5, abs=0.05)
    assert seen.billed_seconds == pytest.approx(
        seen.duration_seconds * 1280 * 720 * 240 / REFERENCE_PIXEL_RATE, rel=0.03
    )
    # A job that only listens reads the sound alone, and is billed its duration.
    heard = inspect_media(path, reads_video=False)
    assert heard.billed_seconds == heard.duration_seconds == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize(("size", "fps"), [((1920, 1080), 30), ((640, 360), 240), ((64, 36), 30)])
def test_pictures_at_1080p30_or_fewer_pixels_a_second_bill_their_duration(
    tmp_path: Path, size: tuple[int, int], fps: int
) -> None:
    path = _video(tmp_path / "plain.mkv", frames=fps // 2, frame_seconds=Fraction(1, fps), size=size)
    seen = inspect_media(path, reads_video=True)
    assert seen.billed_seconds == seen.duration_seconds == pytest.approx(0.5, abs=0.05)
