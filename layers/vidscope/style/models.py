"""StyleJSON: a video's look and sound as measured figures, each with its unit (DESIGN §3b,
capability ``style``). Versioned: a reader checks ``version`` before reading the figures; a new
figure is a minor version, a changed meaning a major one."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

STYLE_JSON_VERSION = "1.0"


class _Figures(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LabColour(_Figures):
    """A colour in CIELAB (D65 white, sRGB primaries)."""

    l: float = Field(ge=0, le=100, description="lightness L*, 0 (black) to 100 (white)")  # noqa: E741
    a: float = Field(description="a*: negative green, positive red (CIELAB units)")
    b: float = Field(description="b*: negative blue, positive yellow (CIELAB units)")


class Swatch(_Figures):
    colour: LabColour
    hex: str = Field(pattern=r"^#[0-9a-f]{6}$", description="the same colour in sRGB, #rrggbb")
    weight: float = Field(ge=0, le=1, description="share of the sampled pixels nearest this colour, 0 to 1")


class Percentiles(_Figures):
    """L* (0 to 100) at these percentiles of the sampled pixels."""

    p5: float
    p25: float
    p50: float
    p75: float
    p95: float


class WhiteBalance(_Figures):
    colour_temperature_kelvin: float = Field(
        description="correlated colour temperature of the average colour (grey world, McCamy), kelvin; "
        "lower is warmer, clamped to 1000-20000"
    )
    neutral_a: float = Field(
        description="mean a* of near-neutral pixels (chroma under 20), CIELAB units: the tint (positive magenta)"
    )
    neutral_b: float = Field(
        description="mean b* of near-neutral pixels (chroma under 20), CIELAB units: the cast (positive warm)"
    )


class ColourStyle(_Figures):
    palette: list[Swatch] = Field(description="dominant colours (k-means in CIELAB), heaviest first")
    mean: LabColour = Field(description="mean of the sampled pixels in CIELAB")
    spread: LabColour = Field(description="standard deviation of the sampled pixels per CIELAB axis")
    white_balance: WhiteBalance
    saturation: float = Field(ge=0, description="mean CIELAB chroma C*ab = sqrt(a*² + b*²), CIELAB units")
    contrast: float = Field(ge=0, description="RMS contrast: standard deviation of L*, L* units (0 to 100)")
    black_point: float = Field(description="L* at the 1st percentile (0 to 100)")
    white_point: float = Field(description="L* at the 99th percentile (0 to 100)")
    exposure: Percentiles = Field(description="exposure histogram: L* percentiles (0 to 100)")


class TextureStyle(_Figures):
    sharpness: float = Field(
        ge=0, description="variance of the Laplacian of the grey picture scaled to 640 px wide, grey levels² (0-255)"
    )
    noise: float = Field(
        ge=0, description="noise/grain: standard deviation estimated by Immerkær's method at 640 px wide, grey levels"
    )


class PacingStyle(_Figures):
    shot_count: int = Field(ge=0)
    shot_seconds_mean: float = Field(ge=0, description="seconds")
    shot_seconds_median: float = Field(ge=0, description="seconds")
    shot_seconds_p90: float = Field(ge=0, description="seconds")
    cuts_per_minute: float = Field(ge=0, description="shot changes per minute of media")


class MotionKind(StrEnum):
    STATIC = "static"
    PAN = "pan"
    TILT = "tilt"
    ZOOM = "zoom"
    SHAKY = "shaky"


class MotionStyle(_Figures):
    magnitude: float = Field(
        ge=0,
        description="median camera speed: the picture's global translation in frame widths per second "
        "(sparse optical flow between consecutive frames), the median over the samples",
    )
    zoom_rate: float = Field(description="median change of scale per second, log units (positive: zooming in)")
    kind: MotionKind = Field(description="the camera motion that dominates the sampled frame pairs")
    kinds: dict[MotionKind, float] = Field(description="share of the measured samples of each kind, 0 to 1")
    samples: int = Field(ge=0, description="samples measured, each over consecutive frame pairs")


class SpectralBalance(_Figures):
    low_db: float = Field(description="energy below 250 Hz relative to the whole spectrum, dB")
    mid_db: float = Field(description="energy from 250 Hz to 4 kHz relative to the whole spectrum, dB")
    high_db: float = Field(description="energy above 4 kHz relative to the whole spectrum, dB")
    centroid_hz: float = Field(ge=0, description="spectral centroid, Hz")


class AudioStyle(_Figures):
    integrated_lufs: float | None = Field(
        description="integrated loudness (ITU-R BS.1770-4 / EBU R 128), LUFS; null when the sound is silent"
    )
    loudness_range_lu: float = Field(ge=0, description="loudness range (EBU Tech 3342), LU")
    true_peak_dbtp: float | None = Field(
        description="true peak (4x oversampled), dBTP; null when the sound is digital silence"
    )
    spectral_balance: SpectralBalance | None = Field(description="null when the sound is silent")


class StyleJSON(_Figures):
    """The look and sound of one video. Every figure is measured on the media (frames sampled over
    its whole length, all of its sound)."""

    version: Literal["1.0"] = Field(default="1.0", description="StyleJSON schema version")
    duration_seconds: float = Field(ge=0, description="seconds measured")
    width: int = Field(ge=1, description="picture width, pixels")
    height: int = Field(ge=1, description="picture height, pixels")
    fps: float = Field(ge=0, description="frames per second")
    frames_sampled: int = Field(ge=0, description="frames whose colour and texture were measured")
    colour: ColourStyle
    texture: TextureStyle
    pacing: PacingStyle | None = Field(description="null when no shots were measured")
    motion: MotionStyle
    audio: AudioStyle | None = Field(description="null for media without a sound track")
