"""Perceptual hashes of the pictures at a fixed rate (pHash, ``imagehash``): a 64-bit hash every
``FRAME_HASH_STEP_SECONDS`` of media time, on the grey picture the decode already made for the
detectors. Rescaling, re-encoding and a small brightness change move few of its bits; a different
picture moves about half. The fingerprint reads them (``vidscope.fingerprints``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

if TYPE_CHECKING:  # vidscope.vision.models (which every analysis reads) must not load numpy
    import numpy as np

# Two a second: a trimmed copy's pictures then sit at most a quarter of a second from one hashed.
FRAME_HASH_STEP_SECONDS = 0.5


class FrameHashes(BaseModel):
    """``hashes[k]`` is the pHash (16 hex digits) of the picture shown at ``k * step_seconds``."""

    step_seconds: float = Field(gt=0)
    hashes: list[str]


class FrameHasher:
    """Hashes the first decoded frame at or after each step of media time; a step the decode
    skipped (a frame held longer than a step) repeats the last picture, as a player would."""

    def __init__(self, step_seconds: float = FRAME_HASH_STEP_SECONDS) -> None:
        self._step = step_seconds
        self._hashes: list[str] = []

    def offer(self, time: float, luma: np.ndarray) -> None:
        if time + 1e-6 < len(self._hashes) * self._step:
            return
        import imagehash
        from PIL import Image  # deferred with imagehash: only a job that fingerprints hashes

        value = str(imagehash.phash(Image.fromarray(luma)))
        while time + 1e-6 >= len(self._hashes) * self._step:
            self._hashes.append(value)

    def finish(self) -> FrameHashes:
        return FrameHashes(step_seconds=self._step, hashes=self._hashes)
