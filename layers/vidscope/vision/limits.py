"""What one video may cost the vision engine, whatever its headers claim (DESIGN §7: work is
bounded by what the job paid for): picture size and shape, the frames analysed per second, the
flash window, the text read per billed minute, and the size of the stills made from keyframes.
Every cap is here, so that changing one means changing one line."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Decoded frames fit this box on both axes (aspect kept): a 16000x720 file is not 16000 wide.
MAX_DECODED_WIDTH = 1280
MAX_DECODED_HEIGHT = 720
# Sources above 4K UHD (3840x2160 = 8.3 MP) are refused: libavcodec decodes each frame at full
# size before it is scaled down, so the decode's memory and time follow the source's pixels.
MAX_SOURCE_PIXELS = 3840 * 2160
# Decoding costs follow the source's pixels per second, whatever the analysis keeps of them (every
# frame is decoded at full size before it is scaled or skipped): pictures a job reads are billed
# for their span times their pixel rate over this reference, 1080p at 30 fps, when that is more.
# 1080p30 and below bill their duration; 4K at 30 fps bills 4 times it, 4K at 240 fps 32 times.
REFERENCE_PIXEL_RATE = 1920 * 1080 * 30
# Neither side may exceed the other more than this: a 2x720 picture holds nothing to analyse and
# makes stills hundreds of times taller than wide.
MAX_ASPECT = 10.0

# A video's length is what its frames span, and frames stamped closer than this are a lie told to
# be billed less (18,000 frames 1 us apart "last" 0.02 s): such a file is refused at ingestion.
MAX_TIMESTAMP_FPS = 240.0

# Frames are analysed at most ~30 a second of real time (their timestamps, not the header's
# claimed rate): a frame shown less than this after the last analysed one is skipped. The slack
# keeps every frame of 30 fps video whose timestamps are rounded to the millisecond (33/34 ms).
MAX_ANALYSIS_FPS = 30.0
MIN_ANALYSIS_INTERVAL = 1.0 / MAX_ANALYSIS_FPS - 0.002

# A flash (or any blip) lasts at most this long; the check compares frames at most this far apart,
# counted in seconds from the frames' timestamps and capped in frames, whatever the frame rate.
FLASH_SECONDS = 0.3
MAX_FLASH_FRAMES = math.ceil(FLASH_SECONDS / MIN_ANALYSIS_INTERVAL)

# Text: at most this many detected boxes of one frame are recognised (the largest and most
# confident): recognition costs per box, and a page of small print holds thousands.
MAX_TEXT_BOXES = 50

# Stills (thumbnails) made from keyframes: never taller than this many times their width, nor
# than this many pixels.
MAX_STILL_HEIGHT_PER_WIDTH = 4
MAX_STILL_HEIGHT = 1280


class UnsupportedPicture(Exception):
    """The video's pictures are larger than MAX_SOURCE_PIXELS (4K UHD) or one side exceeds the
    other more than MAX_ASPECT times: refused, from its headers or from any decoded frame."""


@dataclass(frozen=True)
class TextBudget:
    """How much on-screen text reading one billed minute of media buys: at most
    ``frames_per_minute`` pictures read, in at most ``cpu_seconds_per_minute`` of the process's CPU
    time (all threads). A picture costs ~0.5 CPU-s (a caption) to ~2.5 CPU-s (a page of small
    print, MAX_TEXT_BOXES recognised), so the frame budget binds first on honest media: one sample
    every 2 s plus the keyframes of ~15 shots a minute; the CPU budget stops pictures that cost
    more. Both keep text within DESIGN §9's vision budget (0.5 x real time on 2 cores)."""

    frames_per_minute: int = 45
    cpu_seconds_per_minute: float = 30.0

    def __post_init__(self) -> None:
        if self.frames_per_minute < 1 or not self.cpu_seconds_per_minute > 0:
            raise ValueError(f"a text budget buys at least one frame and some time, not {self}")

    def frames(self, duration: float) -> int:
        """The pictures that media of ``duration`` seconds may have read."""
        return self.frames_per_minute * billable_minutes(duration)

    def cpu_seconds(self, duration: float) -> float:
        """The CPU time that reading the text of media of ``duration`` seconds may take."""
        return self.cpu_seconds_per_minute * billable_minutes(duration)


# Codec padding forgiven at a minute's boundary (the same as ``vidscope.catalog``'s, which says why).
_PADDING_SECONDS = 0.5


def billable_minutes(duration: float) -> int:
    """Minutes of media as they are billed (the same rule as ``vidscope.catalog``, which this room
    may not import): started minutes, at least one, a minute and 0.5 s of padding being one."""
    return max(1, math.ceil((duration - _PADDING_SECONDS) / 60))
