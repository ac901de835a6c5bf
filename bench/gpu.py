"""The worker's own transcription on a CUDA device: real-time factor, GPU memory and WER.

Runs ``vidscope.pipeline.transcription.transcribe`` (what the transcription task runs) with the
cloud's settings on the bundled sample (``infra/local/sample/speech.mp4``, its words in
``speech.txt``) repeated to ``--minutes`` (default 10), and prints the model's load time, the
real-time factor (inference seconds / audio seconds), the GPU memory in use at its peak (sampled
with ``nvidia-smi``) and the word error rate against the sample's words.

Model: ``--model``, else ``VIDSCOPE_WHISPER_MODEL`` when it names a local directory (the GPU image
sets /models/large-v3), else /models/large-v3; without any, it says so and measures the bundled
tiny.en on the device instead. Settings: float16, batch ``VIDSCOPE_WHISPER_BATCH_SIZE`` (the image's
16), else 8. Needs only the GPU image's dependencies (faster-whisper, PyAV, numpy). Without a CUDA
device it says so and exits 0.

Run: ``python -m bench.gpu [--minutes 10] [--model /models/large-v3]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "infra" / "local" / "sample"
CLOUD_MODEL_DIR = Path("/models/large-v3")


def cuda_devices() -> int:
    try:
        import ctranslate2
    except ImportError:
        return 0
    try:
        return int(ctranslate2.get_cuda_device_count())
    except Exception:  # a CTranslate2 built without CUDA, or no driver
        return 0


def find_model(explicit: str | None) -> str | None:
    """A local large-v3 (a CTranslate2 directory holding model.bin), or None."""
    for candidate in (explicit, os.environ.get("VIDSCOPE_WHISPER_MODEL"), str(CLOUD_MODEL_DIR)):
        if candidate and (Path(candidate) / "model.bin").is_file():
            return candidate
    return None


def repeated_sample(minutes: float, out: Path) -> tuple[Path, str]:
    """The sample's speech repeated to about ``minutes``, as a 16 kHz WAV, and its words."""
    from vidscope.pipeline.transcription import decode_audio

    once = decode_audio(SAMPLE / "speech.mp4", max_seconds=3600)
    times = max(1, round(minutes * 60 * 16_000 / once.size))
    samples = (np.tile(once, times) * 32767).astype(np.int16)
    with wave.open(str(out), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(samples.tobytes())
    words = (SAMPLE / "speech.txt").read_text(encoding="utf-8")
    return out, " ".join([words] * times)


def _normalized(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level edit distance over the reference's length (one row at a time)."""
    ref, hyp = _normalized(reference), _normalized(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, said in enumerate(hyp, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != said))
        previous = current
    return previous[-1] / max(1, len(ref))


class GpuMemory:
    """The device's peak memory in use while the block runs, sampled with nvidia-smi (MiB)."""

    def __init__(self) -> None:
        self.peak_mib: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _read(self) -> int | None:
        smi = shutil.which("nvidia-smi")
        if smi is None:
            return None
        out = subprocess.run(
            [smi, "--query-gpu=memory.used", "--format=csv,noheader,nounits", "--id=0"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        return int(out) if out.isdigit() else None

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            used = self._read()
            if used is not None:
                self.peak_mib = max(self.peak_mib or 0, used)

    def __enter__(self) -> GpuMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(model: str, minutes: float, batch_size: int) -> None:
    from vidscope.pipeline import transcription

    config = transcription.WhisperConfig(model=model, device="cuda", compute_type="float16", batch_size=batch_size)
    with tempfile.TemporaryDirectory(prefix="vidscope-gpu-") as tmp:
        audio, reference = repeated_sample(minutes, Path(tmp) / "speech.wav")
        with GpuMemory() as memory:
            started = time.perf_counter()
            transcription._model(config)
            loaded = time.perf_counter() - started
            started = time.perf_counter()
            transcript = transcription.transcribe(audio, config)
            inference = time.perf_counter() - started
    text = " ".join(segment.text for segment in transcript.segments)
    print(f"model {model} (float16, batch {batch_size}): loaded in {loaded:.1f} s")
    print(
        f"{transcript.duration_seconds / 60:.1f} min of speech in {inference:.1f} s: "
        f"real-time factor {inference / transcript.duration_seconds:.4f} (measured here)"
    )
    peak = f"{memory.peak_mib} MiB" if memory.peak_mib is not None else "not read (no nvidia-smi)"
    print(f"GPU memory in use at peak: {peak}")
    print(f"WER against infra/local/sample/speech.txt: {word_error_rate(reference, text):.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--model", help="a local faster-whisper (CTranslate2) model directory")
    args = parser.parse_args()
    devices = cuda_devices()
    if devices == 0:
        print("No CUDA device present: nothing measured. Run `make bench-gpu` on a GPU (the transcriber's image).")
        return 0
    model = find_model(args.model)
    if model is None:
        looked = ", ".join(filter(None, [args.model, os.environ.get("VIDSCOPE_WHISPER_MODEL"), str(CLOUD_MODEL_DIR)]))
        print(f"large-v3 is not available locally (looked in {looked}): measuring the bundled tiny.en instead.")
        model = "bundled:tiny.en"
    batch_size = int(os.environ.get("VIDSCOPE_WHISPER_BATCH_SIZE", "8"))
    print(f"{devices} CUDA device(s) present")
    measure(model, args.minutes, batch_size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
