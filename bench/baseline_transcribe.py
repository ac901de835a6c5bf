"""The bare baseline for bench.e2e_pipeline: yt-dlp downloads the URL, faster-whisper
transcribes it with the pipeline's model and settings, nothing else.

Run by the benchmark as a fresh process: ``python -m bench.baseline_transcribe URL``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from faster_whisper import BatchedInferencePipeline, WhisperModel
from yt_dlp import YoutubeDL

from vidscope import dependencies


def main(url: str) -> None:
    config = dependencies.whisper_config()  # the same model, device, compute type and batch size
    with tempfile.TemporaryDirectory() as tmp:
        options = {"format": "bestaudio/best", "outtmpl": f"{tmp}/source.%(ext)s", "quiet": True, "noprogress": True}
        with YoutubeDL(options) as ydl:
            ydl.extract_info(url, download=True)
        media = next(Path(tmp).glob("source.*"))
        model = WhisperModel(config.model_path, device=config.device, compute_type=config.compute_type)
        if config.batch_size > 0:
            # Word timestamps as the worker asks for them (brand proof spans, shorts' boundaries).
            segments, _ = BatchedInferencePipeline(model).transcribe(
                str(media), batch_size=config.batch_size, without_timestamps=False, word_timestamps=True
            )
        else:
            segments, _ = model.transcribe(str(media), beam_size=1, word_timestamps=True)
        words = sum(len(s.text.split()) for s in segments)
    print(words)


if __name__ == "__main__":
    main(sys.argv[1])
