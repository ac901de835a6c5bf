"""Sound figures: integrated loudness and loudness range (pyloudnorm, ITU-R BS.1770-4 and EBU Tech
3342), true peak (4x oversampled, as BS.1770 annex 2) and the spectral balance (Welch's method), on
float samples (frames x channels, -1 to 1) at RATE."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from vidscope.style.models import AudioStyle, SpectralBalance

RATE = 48_000
_OVERSAMPLE = 4
_CHUNK_SECONDS = 10
_SILENCE = 1e-9  # below this power a band holds nothing; its level is floored at -90 dB
_BANDS = (250.0, 4000.0)


def read_sound(media: Path, *, max_seconds: float) -> np.ndarray | None:
    """The first sound track resampled to RATE as float32 (frames x channels, at most 2), up to
    ``max_seconds``; None when the file has no sound track."""
    import av  # deferred: only measuring and rendering decode

    with av.open(str(media)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        layout = "mono" if (stream.codec_context.channels or 1) == 1 else "stereo"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=RATE)
        blocks: list[np.ndarray] = []
        budget = int(max_seconds * RATE)
        taken = 0
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                block = out.to_ndarray()
                blocks.append(block[:, : budget - taken])
                taken += blocks[-1].shape[1]
            if taken >= budget:
                break
        for out in resampler.resample(None):
            if taken < budget:
                blocks.append(out.to_ndarray()[:, : budget - taken])
                taken += blocks[-1].shape[1]
    if not blocks:
        return np.zeros((0, 1 if layout == "mono" else 2), dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(blocks, axis=1).T, dtype=np.float32)


def true_peak_dbtp(samples: np.ndarray) -> float | None:
    """The true peak in dBTP: the largest magnitude of the signal oversampled 4 times (in chunks,
    so memory stays a few MB whatever the length); None for digital silence."""
    from scipy.signal import resample_poly  # deferred: scipy is heavy to import

    chunk = _CHUNK_SECONDS * RATE
    overlap = 64  # the polyphase filter's reach: a peak between chunks is still seen
    peak = 0.0
    for start in range(0, len(samples), chunk):
        part = samples[max(0, start - overlap) : start + chunk + overlap]
        if len(part) < 2:
            continue
        peak = max(peak, float(np.abs(resample_poly(part, _OVERSAMPLE, 1, axis=0)).max()))
    return 20 * math.log10(peak) if peak > 0 else None


def spectral_balance(samples: np.ndarray) -> SpectralBalance | None:
    """Energy below 250 Hz, 250 Hz-4 kHz and above 4 kHz of the mono mix, relative to the whole,
    and the spectral centroid; None for silence."""
    from scipy.signal import welch  # deferred, as above

    mono = samples.mean(axis=1)
    if len(mono) < 256:
        return None
    freqs, power = welch(mono, fs=RATE, nperseg=4096 if len(mono) >= 4096 else 256)
    total = float(power.sum())
    if total <= _SILENCE:
        return None
    low, high = _BANDS

    def level(mask: np.ndarray) -> float:
        return 10 * math.log10(max(float(power[mask].sum()) / total, _SILENCE))

    return SpectralBalance(
        low_db=level(freqs < low),
        mid_db=level((freqs >= low) & (freqs < high)),
        high_db=level(freqs >= high),
        centroid_hz=float((freqs * power).sum() / total),
    )


def integrated_lufs(samples: np.ndarray) -> float | None:
    """BS.1770-4 integrated loudness, LUFS; None when the sound is too short or all gated out."""
    import pyloudnorm

    if len(samples) < int(0.4 * RATE):  # shorter than one gating block
        return None
    loudness = float(pyloudnorm.Meter(RATE).integrated_loudness(samples))
    return loudness if math.isfinite(loudness) else None


def audio_style(samples: np.ndarray) -> AudioStyle:
    """The figures of ``samples`` (frames x channels at RATE)."""
    import pyloudnorm

    loudness = integrated_lufs(samples)
    loudness_range = 0.0
    if loudness is not None and len(samples) >= 3 * RATE:  # EBU Tech 3342 uses 3 s blocks
        measured = float(pyloudnorm.Meter(RATE).loudness_range(samples))
        loudness_range = measured if math.isfinite(measured) else 0.0
    return AudioStyle(
        integrated_lufs=loudness,
        loudness_range_lu=max(0.0, loudness_range),
        true_peak_dbtp=true_peak_dbtp(samples),
        spectral_balance=spectral_balance(samples) if loudness is not None else None,
    )
