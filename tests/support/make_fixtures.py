"""Rebuild the committed media fixtures: ``python -m tests.support.make_fixtures`` (needs the
Debian package espeak-ng). ``speech.json`` records when each sentence of ``speech.txt`` is spoken."""

from __future__ import annotations

import json

from infra.local.serve import SAMPLE_DIR
from tests.support.media import speech_mp4

FIXTURES = SAMPLE_DIR


def main() -> None:
    timings = speech_mp4((FIXTURES / "speech.txt").read_text(), FIXTURES / "speech.mp4")
    (FIXTURES / "speech.json").write_text(json.dumps(timings, indent=1) + "\n")
    size = (FIXTURES / "speech.mp4").stat().st_size
    print(f"speech.mp4: {timings[-1]['end']:.1f} s of speech, {size} bytes")


if __name__ == "__main__":
    main()
