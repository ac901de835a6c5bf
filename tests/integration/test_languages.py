"""Languages heard from the audio, on the local stack with the multilingual default model
(bundled:base): espeak-ng speech in French, Spanish and German is detected and transcribed in its
language; a file whose first 40 s are music is still found French (Whisper alone guesses from its
first 30 s); a forced language is obeyed; bad language options are 400s naming their path."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jiwer
import pytest
from werkzeug.test import Client

from infra.local.stack import LocalStack
from tests.integration.conftest import TenantHandle, assert_option_refused, configured, pipeline_stack, run_to_end
from tests.support.media import dialogue_mp4, music, speech_mp4
from tests.support.media_server import MediaServer, serving

SPOKEN = {
    "fr": "Bonjour à tous et bienvenue.\nAujourd'hui nous parlons de la cuisine de ma grand-mère.\n"
    "Le pain est cuit chaque matin dans le four du village.",
    "es": "Buenos días a todos.\nHoy vamos a hablar de la historia de Madrid.\n"
    "La ciudad tiene muchos museos y parques hermosos.",
    "de": "Guten Morgen zusammen.\nHeute sprechen wir über das Wetter in Berlin.\n"
    "Es regnet seit drei Tagen und die Straßen sind nass.",
}


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]", " ", text.lower()).split())


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    # The default model (the pipeline tests run the English-only tiny.en), and room for the
    # 40-second lead-in.
    with pipeline_stack(
        tmp_path_factory, VIDSCOPE_WHISPER_MODEL="bundled:base", VIDSCOPE_MAX_MEDIA_SECONDS="90"
    ) as running:
        yield running


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaServer]:
    root = tmp_path_factory.mktemp("languages")
    for code, text in SPOKEN.items():
        speech_mp4(text, root / f"{code}.mp4", voice=code)
    speech_mp4(SPOKEN["fr"], root / "music-then-fr.mp4", voice="fr", lead_in=music(40))
    english = "Good morning and welcome to the weekly news.\nToday we talk about the weather and the trains.\n"
    switching = [("en-us", 50, line) for line in english.splitlines()] * 2
    switching += [("de", 50, line) for line in SPOKEN["de"].splitlines()] * 2
    dialogue_mp4(switching, root / "en-then-de.mp4")
    with serving(root) as server:
        yield server


def _transcribe(api: Client, tenant: TenantHandle, url: str, **options: Any) -> dict[str, Any]:
    job = run_to_end(
        api, tenant, url, ["transcription", "language"], options={"transcription": options} if options else {}
    )
    assert job["status"] == "completed", job.get("error")
    return dict(job["results"])


@pytest.mark.parametrize("code", sorted(SPOKEN))
def test_speech_is_detected_from_the_audio_and_transcribed_in_its_language(
    pipeline_api: Client, pipeline_tenant: TenantHandle, spoken: MediaServer, code: str
) -> None:
    results = _transcribe(pipeline_api, pipeline_tenant, spoken.url(f"{code}.mp4"))
    transcript = results["transcription"]
    assert transcript["language"] == code
    assert transcript["language_confidence"] >= 0.3  # the vote's share, among the 99 languages
    # espeak-ng's French and German are robotic: base hears them loosely, but in their language.
    assert jiwer.wer(_words(SPOKEN[code]), _words(transcript["text"])) <= 0.6, transcript["text"]
    assert results["language"]["language"] == code and results["language"]["source"] == "audio"
    assert all(s.get("language") is None for s in transcript["segments"])  # one language: none per segment


def test_the_language_is_found_though_the_first_40_seconds_are_music(
    pipeline_api: Client, pipeline_tenant: TenantHandle, spoken: MediaServer
) -> None:
    transcript = _transcribe(pipeline_api, pipeline_tenant, spoken.url("music-then-fr.mp4"))["transcription"]
    assert transcript["language"] == "fr"
    assert transcript["segments"] and transcript["segments"][0]["start"] >= 38


def test_a_media_that_switches_language_gets_a_language_per_segment(
    pipeline_api: Client, pipeline_tenant: TenantHandle, spoken: MediaServer
) -> None:
    transcript = _transcribe(pipeline_api, pipeline_tenant, spoken.url("en-then-de.mp4"))["transcription"]
    languages = [s.get("language") for s in transcript["segments"]]
    assert transcript["language"] in {"en", "de"} and set(languages) == {"en", "de"}, languages
    # English first, German last: the segments say so in order
    assert languages[0] == "en" and languages[-1] == "de"
    switch = languages.index("de")
    assert all(code == "de" for code in languages[switch + 1 :]), languages


def test_a_forced_language_is_obeyed(pipeline_api: Client, pipeline_tenant: TenantHandle, spoken: MediaServer) -> None:
    # Given German speech, when the job forces Spanish, then it is transcribed as Spanish, undetected
    results = _transcribe(pipeline_api, pipeline_tenant, spoken.url("de.mp4"), language="es")
    assert results["transcription"]["language"] == "es"
    assert results["transcription"]["language_confidence"] == 1.0
    assert results["language"]["language"] == "es"


def test_candidate_languages_bound_the_detection(
    pipeline_api: Client, pipeline_tenant: TenantHandle, spoken: MediaServer
) -> None:
    transcript = _transcribe(pipeline_api, pipeline_tenant, spoken.url("es.mp4"), languages=["it", "pt"])
    assert transcript["transcription"]["language"] in {"it", "pt"}


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"language": "xx"}, "options.transcription.language"),
        ({"language": "French"}, "options.transcription.language"),
        ({"languages": ["fr", "zz"]}, "options.transcription.languages.1"),
        ({"languages": []}, "options.transcription.languages"),
        ({"language": "fr", "languages": ["fr", "de"]}, "options.transcription"),
    ],
)
def test_a_bad_language_option_is_400_naming_its_path(
    pipeline_api: Client, pipeline_tenant: TenantHandle, options: dict[str, Any], field: str
) -> None:
    assert_option_refused(pipeline_api, pipeline_tenant, "transcription", options, field)


def _translated(api: Client, tenant: TenantHandle, url: str, target: str) -> dict[str, Any]:
    job = run_to_end(
        api, tenant, url, ["transcription", "translation"], options={"translation": {"target_languages": [target]}}
    )
    assert job["status"] == "completed", job.get("error")
    return job


def test_spanish_speech_is_translated_to_english_and_served_as_subtitles(
    pipeline_api: Client, pipeline_tenant: TenantHandle, spoken: MediaServer
) -> None:
    job = _translated(pipeline_api, pipeline_tenant, spoken.url("es.mp4"), "en")
    transcript, translated = job["results"]["transcription"], job["results"]["translation"]
    assert translated["source_language"] == "es"
    english = translated["translations"][0]
    assert english["language"] == "en"
    # The meaning carries: the city, its museums and parks, in English words
    words = set(_words(english["text"]).split())
    assert {"madrid", "museums", "parks"} <= words, english["text"]
    assert [(s["start"], s["end"]) for s in english["segments"]] == [
        (s["start"], s["end"]) for s in transcript["segments"]
    ]
    base = f"/v1/jobs/{job['job_id']}/transcript"
    srt = pipeline_api.get(f"{base}?format=srt&language=en", headers=pipeline_tenant.headers)
    assert srt.status_code == 200 and "Madrid" in srt.get_data(as_text=True)
    assert "-->" in srt.get_data(as_text=True) and "Buenos" not in srt.get_data(as_text=True)
    as_heard = pipeline_api.get(f"{base}?format=txt&language=es", headers=pipeline_tenant.headers)
    assert "Buenos" in as_heard.get_data(as_text=True)
    missing = pipeline_api.get(f"{base}?format=srt&language=de", headers=pipeline_tenant.headers)
    assert missing.status_code == 409 and missing.json["error"]["code"] == "TRANSCRIPT_NOT_AVAILABLE"


def test_a_pair_known_only_after_detection_fails_the_translation_alone_uncharged(
    pipeline_api: Client, pipeline_tenant: TenantHandle, spoken: MediaServer
) -> None:
    # Given Spanish speech and a translation into Spanish (the language is detected, not given)
    job = _translated(pipeline_api, pipeline_tenant, spoken.url("es.mp4"), "es")
    # Then the transcript comes, the translation fails alone and is not charged
    assert set(job["results"]) == {"transcription"}
    assert [(e["capability"], e["code"]) for e in job["capability_errors"]] == [
        ("translation", "LANGUAGE_PAIR_UNSUPPORTED")
    ]
    assert job["cost_breakdown"] == {"transcription": 2}


@pytest.fixture
def amazon_translate(local_stack: LocalStack) -> Iterator[None]:
    """Translations configured to come from Amazon Translate, which the local AWS does not serve:
    the call is made (and recorded for the IAM conformance check) and fails for a real reason."""
    with configured(VIDSCOPE_TRANSLATION_PROVIDER="amazon"):
        yield


def test_an_unreachable_translation_service_fails_the_translation_alone(
    pipeline_api: Client, pipeline_tenant: TenantHandle, spoken: MediaServer, amazon_translate: None
) -> None:
    job = _translated(pipeline_api, pipeline_tenant, spoken.url("de.mp4"), "en")
    assert [(e["capability"], e["code"]) for e in job["capability_errors"]] == [("translation", "ANALYSIS_FAILED")]
    assert job["cost_breakdown"] == {"transcription": 2}


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"target_languages": []}, "options.translation.target_languages"),
        ({"target_languages": ["en", "xx"]}, "options.translation.target_languages.1"),
        ({"target_languages": ["en", "fr", "de", "es", "it", "pt"]}, "options.translation.target_languages"),
        ({"target_languages": ["en", "en"]}, "options.translation.target_languages"),
        ({}, "options.translation.target_languages"),
    ],
)
def test_a_bad_translation_option_is_400_naming_its_path(
    pipeline_api: Client, pipeline_tenant: TenantHandle, options: dict[str, Any], field: str
) -> None:
    assert_option_refused(pipeline_api, pipeline_tenant, "translation", options, field)
