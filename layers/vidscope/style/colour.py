"""Colour and texture figures of sampled frames (BGR uint8 pictures), in CIELAB (OpenCV's float
conversion: L* 0-100, a* and b* in CIELAB units, D65 white, sRGB primaries)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from vidscope.style.models import ColourStyle, LabColour, Percentiles, Swatch, TextureStyle, WhiteBalance

PALETTE_SIZE = 5
# Pixels the palette's k-means sees: enough for stable weights, few enough to take milliseconds.
_PALETTE_PIXELS = 20_000
_NEUTRAL_CHROMA = 20.0
TEXTURE_WIDTH = 640
_SEED = 7


def to_lab(picture: np.ndarray) -> np.ndarray:
    """A BGR uint8 picture as float32 CIELAB."""
    lab: np.ndarray = cv2.cvtColor(picture.astype(np.float32) / 255.0, cv2.COLOR_BGR2Lab)
    return lab


def lab_to_bgr(lab: np.ndarray) -> np.ndarray:
    """Float32 CIELAB back to BGR uint8 (out-of-gamut colours clipped)."""
    bgr = cv2.cvtColor(lab.astype(np.float32), cv2.COLOR_Lab2BGR)
    out: np.ndarray = np.clip(bgr * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return out


def _lab(values: np.ndarray) -> LabColour:
    return LabColour(l=float(np.clip(values[0], 0, 100)), a=float(values[1]), b=float(values[2]))


def _hex(lab: np.ndarray) -> str:
    blue, green, red = lab_to_bgr(lab.reshape(1, 1, 3))[0, 0]
    return f"#{red:02x}{green:02x}{blue:02x}"


def palette(pixels: np.ndarray, size: int = PALETTE_SIZE) -> list[Swatch]:
    """The dominant colours of ``pixels`` (N x 3 CIELAB) by k-means, heaviest first."""
    rng = np.random.default_rng(_SEED)
    if len(pixels) > _PALETTE_PIXELS:
        pixels = pixels[rng.choice(len(pixels), _PALETTE_PIXELS, replace=False)]
    k = min(size, len(np.unique(pixels.round(1), axis=0)))
    cv2.setRNGSeed(_SEED)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.5)
    _, labels, centres = cv2.kmeans(pixels.astype(np.float32), k, None, criteria, 3, cv2.KMEANS_PP_CENTERS)
    counts = np.bincount(labels.ravel(), minlength=k) / len(labels)
    order = np.argsort(-counts)
    return [Swatch(colour=_lab(centres[i]), hex=_hex(centres[i]), weight=float(counts[i])) for i in order]


def _mccamy_kelvin(bgr_mean: np.ndarray) -> float:
    """Correlated colour temperature of a mean sRGB colour (0-1, BGR), McCamy's approximation."""
    rgb = bgr_mean[::-1]
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    to_xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    x_, y_, z_ = to_xyz @ linear
    total = x_ + y_ + z_
    if total <= 1e-6:
        return 6504.0  # black: no cast to measure, D65 by convention
    x, y = x_ / total, y_ / total
    n = (x - 0.3320) / (0.1858 - y) if abs(0.1858 - y) > 1e-9 else 0.0
    kelvin = 449.0 * n**3 + 3525.0 * n**2 + 6823.3 * n + 5520.33
    return float(np.clip(kelvin, 1000.0, 20000.0))


def _white_balance(lab: np.ndarray, bgr_mean: np.ndarray) -> WhiteBalance:
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    neutral = lab[chroma < _NEUTRAL_CHROMA]
    if not len(neutral):  # no near-neutral pixel: the cast of the whole picture
        neutral = lab
    return WhiteBalance(
        colour_temperature_kelvin=_mccamy_kelvin(bgr_mean),
        neutral_a=float(neutral[:, 1].mean()),
        neutral_b=float(neutral[:, 2].mean()),
    )


def colour_style(pictures: Sequence[np.ndarray]) -> ColourStyle:
    """The colour figures of sampled BGR pictures (at least one)."""
    lab = np.concatenate([to_lab(p).reshape(-1, 3) for p in pictures])
    bgr_mean = np.concatenate([p.reshape(-1, 3) for p in pictures]).mean(axis=0) / 255.0
    lightness = lab[:, 0]
    p1, p5, p25, p50, p75, p95, p99 = np.percentile(lightness, [1, 5, 25, 50, 75, 95, 99])
    return ColourStyle(
        palette=palette(lab),
        mean=_lab(lab.mean(axis=0)),
        spread=LabColour(l=float(lab[:, 0].std()), a=float(lab[:, 1].std()), b=float(lab[:, 2].std())),
        white_balance=_white_balance(lab, bgr_mean),
        saturation=float(np.hypot(lab[:, 1], lab[:, 2]).mean()),
        contrast=float(lightness.std()),
        black_point=float(p1),
        white_point=float(p99),
        exposure=Percentiles(p5=float(p5), p25=float(p25), p50=float(p50), p75=float(p75), p95=float(p95)),
    )


_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


def _grey_at_texture_width(picture: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY) if picture.ndim == 3 else picture
    height, width = grey.shape
    size = (TEXTURE_WIDTH, max(3, round(height * TEXTURE_WIDTH / width)))
    interpolation = cv2.INTER_AREA if width > TEXTURE_WIDTH else cv2.INTER_CUBIC
    return cv2.resize(grey, size, interpolation=interpolation).astype(np.float32)


def noise_sigma(grey: np.ndarray) -> float:
    """Immerkær's fast noise estimate (1996): the standard deviation of Gaussian noise, grey levels."""
    height, width = grey.shape
    response = np.abs(cv2.filter2D(grey, cv2.CV_32F, _IMMERKAER)[1:-1, 1:-1])
    return float(np.sqrt(np.pi / 2) * response.sum() / (6.0 * (width - 2) * (height - 2)))


def texture_style(pictures: Sequence[np.ndarray]) -> TextureStyle:
    """Sharpness and noise, the medians over the sampled pictures."""
    greys = [_grey_at_texture_width(p) for p in pictures]
    sharpness = [float(cv2.Laplacian(g, cv2.CV_32F).var()) for g in greys]
    noise = [noise_sigma(g) for g in greys]
    return TextureStyle(sharpness=float(np.median(sharpness)), noise=float(np.median(noise)))
