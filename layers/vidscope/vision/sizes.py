"""The sizes of the pictures the engine makes, each bounded on both axes: decoded frames (inside
MAX_DECODED_WIDTH x MAX_DECODED_HEIGHT) and stills scaled from keyframes to a requested width
(never taller than MAX_STILL_HEIGHT_PER_WIDTH widths nor MAX_STILL_HEIGHT pixels)."""

from __future__ import annotations

import cv2
import numpy as np

from vidscope.vision.limits import MAX_DECODED_HEIGHT, MAX_DECODED_WIDTH, MAX_STILL_HEIGHT, MAX_STILL_HEIGHT_PER_WIDTH


def decoded_size(width: int, height: int) -> tuple[int, int]:
    """The source's size scaled down (never up) to fit MAX_DECODED_WIDTH x MAX_DECODED_HEIGHT,
    aspect kept, with even sides (what H.264/JPEG tools expect) of at least 2."""
    scale = min(1.0, MAX_DECODED_WIDTH / width, MAX_DECODED_HEIGHT / height)
    scaled_width, scaled_height = round(width * scale), round(height * scale)
    return max(2, scaled_width - scaled_width % 2), max(2, scaled_height - scaled_height % 2)


def thumbnail_size(src_w: int, src_h: int, width: int) -> tuple[int, int]:
    """A still's size for a ``src_w`` x ``src_h`` keyframe scaled to ``width``: the aspect kept,
    except that the height is clamped to MAX_STILL_HEIGHT_PER_WIDTH x ``width`` and to
    MAX_STILL_HEIGHT (``fit_thumbnail`` then crops the keyframe's middle to that shape)."""
    if src_w <= 0 or src_h <= 0 or width <= 0:
        raise ValueError(f"no still of a {src_w}x{src_h} picture at width {width}")
    height = round(src_h * width / src_w)
    return width, max(1, min(height, MAX_STILL_HEIGHT_PER_WIDTH * width, MAX_STILL_HEIGHT))


def fit_thumbnail(picture: np.ndarray, width: int) -> np.ndarray:
    """``picture`` scaled to ``thumbnail_size``: where the height is clamped, the middle of the
    picture is kept (cropped top and bottom) rather than squeezed."""
    src_h, src_w = picture.shape[:2]
    out_w, out_h = thumbnail_size(src_w, src_h, width)
    keep_h = min(src_h, max(1, round(out_h * src_w / out_w)))
    top = (src_h - keep_h) // 2
    cropped = picture[top : top + keep_h]
    return cv2.resize(cropped, (out_w, out_h), interpolation=cv2.INTER_AREA)
