"""The language vote on the batched transcription's own chunks (``speech_chunks``), with the real
multilingual base model on espeak-ng speech: every chunk is encoded once, the vote's windows
included, and the transcript is the one faster-whisper's own VAD path gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.media import music, speech_mp4
from vidscope.pipeline import speech_chunks, spoken_language, transcription
from vidscope.pipeline.transcription import WhisperConfig

CONFIG = WhisperConfig(model="bundled:base", batch_size=8)
FRENCH = (
    "Bonjour à tous et bienvenue dans notre émission.\n"
    "Aujourd'hui nous parlons de la cuisine de ma grand-mère et de ses recettes.\n"
    "Le pain est cuit chaque matin dans le four du village, avant le lever du soleil.\n"
    "Ensuite nous allons au marché pour acheter des légumes, du fromage et des fruits.\n"
    "Le soir, toute la famille se retrouve autour de la grande table de la cuisine.\n"
)


class _CountingModel:
    """The model, counting the chunks its encoder is given and its own language detections."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.encoded = 0
        self.detections = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def encode(self, features: Any) -> Any:
        self.encoded += 1 if features.ndim == 2 else features.shape[0]
        return self._model.encode(features)

    def detect_language(self, *args: Any, **kwargs: Any) -> Any:
        self.detections += 1  # a window of the vote's own, encoded apart from the transcription
        return self._model.detect_language(*args, **kwargs)


@pytest.fixture(scope="module")
def french(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Three times over, after 20 s of music: more than two chunks of speech, none at the start.
    path = tmp_path_factory.mktemp("speech") / "fr.mp4"
    speech_mp4(FRENCH * 3, path, voice="fr", lead_in=music(20))
    return path


def test_the_vote_reuses_its_encodings_and_the_transcript_is_the_pipelines_own(french: Path) -> None:
    from faster_whisper import BatchedInferencePipeline

    audio = transcription.decode_audio(french, 600)
    model = transcription._model(CONFIG)
    counting = _CountingModel(model)
    chunks = speech_chunks.cut(audio)
    assert chunks is not None and len(chunks.spans) >= 3
    encoder = speech_chunks.ReusingEncoder(counting, chunks)
    assert not chunks.spread_enough  # the worker's vote takes windows of its own on speech this short

    detection = speech_chunks.detect(encoder, None)
    assert detection is not None and detection.language == "fr"
    assert 1 <= counting.encoded <= spoken_language.WINDOWS  # the chunks the vote scored

    ours = list(speech_chunks.transcribed(encoder, batch_size=8, language="fr", word_timestamps=True))
    theirs, _ = BatchedInferencePipeline(model).transcribe(
        audio, batch_size=8, without_timestamps=False, language="fr", word_timestamps=True
    )
    theirs = list(theirs)

    assert counting.encoded == len(chunks.spans)  # the vote's chunks were not encoded again
    assert [(s.start, s.end, s.text) for s in ours] == [(s.start, s.end, s.text) for s in theirs]
    assert ours[0].start >= 19  # the music before the speech is skipped, the times are the media's


def test_candidate_languages_bound_the_vote_on_chunks(french: Path) -> None:
    audio = transcription.decode_audio(french, 600)
    chunks = speech_chunks.cut(audio)
    assert chunks is not None
    encoder = speech_chunks.ReusingEncoder(transcription._model(CONFIG), chunks)

    detection = speech_chunks.detect(encoder, ["de", "es"])

    assert detection is not None and detection.language in ("de", "es") and set(detection.scores) <= {"de", "es"}


def test_silence_has_no_chunks() -> None:
    import numpy as np

    assert speech_chunks.cut(np.zeros(16_000 * 5, dtype=np.float32)) is None


def test_the_worker_votes_on_chunks_when_there_are_enough_and_encodes_each_once(
    french: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three chunks of speech count as "enough" here (six, about 3 minutes, in the worker).
    monkeypatch.setattr(speech_chunks, "WINDOWS", 3)
    counting = _CountingModel(transcription._model(CONFIG))
    monkeypatch.setattr(transcription, "_model", lambda config: counting)
    chunks = speech_chunks.cut(transcription.decode_audio(french, 600))
    assert chunks is not None and chunks.spread_enough

    transcript = transcription.transcribe(french, CONFIG)

    assert transcript.language == "fr" and transcript.language_confidence is not None
    assert counting.encoded == len(chunks.spans) and counting.detections == 0
    assert transcript.segments[0].start >= 19 and transcript.duration_seconds > 60
