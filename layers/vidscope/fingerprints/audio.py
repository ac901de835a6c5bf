"""The audio print: Chromaprint's raw fingerprint (one 32-bit sub-fingerprint every
``AUDIO_STEP_SECONDS``), from libchromaprint (Debian ``libchromaprint1``, pulled in by
``libchromaprint-tools``) through pyacoustid's binding. The sound is decoded here by PyAV rather
than by ``fpcalc``: Debian's ``fpcalc`` exits 3 after printing, and decoding it ourselves bounds
the work by the seconds the job paid for."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

# Chromaprint's own analysis rate and hop: 11,025 Hz, a frame of 4,096 samples every third of it.
SAMPLE_RATE = 11_025
AUDIO_STEP_SECONDS = 4096 / 3 / SAMPLE_RATE  # 0.1238 s


class AudioUnreadable(Exception):
    """The media's sound could not be decoded or fingerprinted."""


def audio_print(path: Path, *, max_seconds: float) -> list[int]:
    """The raw Chromaprint sub-fingerprints (unsigned 32-bit) of at most ``max_seconds`` of the
    file's first audio track; empty for a file without sound (or too little: under ~3 s)."""
    import chromaprint  # deferred: loads libchromaprint, only the analysis that prints needs it

    limit = round(max_seconds * SAMPLE_RATE)
    printer = chromaprint.Fingerprinter()
    printer.start(SAMPLE_RATE, 1)
    fed = 0
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                return []
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(audio=0):
                for chunk in resampler.resample(frame):
                    samples = chunk.to_ndarray().reshape(-1)[: limit - fed]
                    printer.feed(samples.astype(np.int16).tobytes())
                    fed += len(samples)
                if fed >= limit:
                    break
        encoded = printer.finish()
    except (av.FFmpegError, chromaprint.FingerprintError) as exc:
        raise AudioUnreadable(f"the sound could not be fingerprinted: {exc}") from exc
    if not encoded:
        return []
    values, _algorithm = chromaprint.decode_fingerprint(encoded)
    return [int(v) & 0xFFFFFFFF for v in values]
