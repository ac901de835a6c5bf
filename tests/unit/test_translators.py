"""The translation engines: Amazon Translate batched a line per segment (botocore's Stubber on the
real request and response shapes: moto has no Translate), the local few-shot engine on the real
Gemma-3-270M, and the capability's refusals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from vidscope.capabilities import REGISTRY
from vidscope.capabilities.base import Inputs
from vidscope.pipeline.whisper_models import default_cache_dir
from vidscope.text.language_model import local_language_model
from vidscope.text.summaries import ModelThrottled
from vidscope.text.translators import AmazonTranslator, LanguagePairUnsupported, LocalTranslator
from vidscope.transcripts import Segment, Transcript


def _client() -> Any:
    return boto3.client("translate", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_amazon_translate_gets_the_segments_a_line_each_and_keeps_them_apart() -> None:
    client = _client()
    with Stubber(client) as stub:
        stub.add_response(
            "translate_text",
            {
                "TranslatedText": "Good morning.\nWhere is the station?",
                "SourceLanguageCode": "fr",
                "TargetLanguageCode": "en",
            },
            {"Text": "Bonjour.\nOù est la gare ?", "SourceLanguageCode": "fr", "TargetLanguageCode": "en"},
        )
        out = AmazonTranslator(client).translate(["Bonjour.", "Où est  la\ngare ?"], "fr", "en")
        stub.assert_no_pending_responses()
    assert out == ["Good morning.", "Where is the station?"]


def test_amazon_translate_batches_stay_under_its_request_size() -> None:
    translator = AmazonTranslator(_client())
    texts = ["x" * 4000, "y" * 4000, "z" * 4000]
    assert [len(b) for b in translator._batches(texts)] == [2, 1]


def test_an_unsupported_pair_or_throttling_from_amazon_translate_is_named() -> None:
    client = _client()
    with Stubber(client) as stub:
        stub.add_client_error("translate_text", "UnsupportedLanguagePairException", http_status_code=400)
        stub.add_client_error("translate_text", "TooManyRequestsException", http_status_code=429)
        with pytest.raises(LanguagePairUnsupported):
            AmazonTranslator(client).translate(["Bonjour."], "fr", "xh")
        with pytest.raises(ModelThrottled):
            AmazonTranslator(client).translate(["Bonjour."], "fr", "en")


@pytest.fixture(scope="module")
def local() -> LocalTranslator:
    return LocalTranslator(lambda: local_language_model(default_cache_dir()))


def test_the_local_engine_translates_into_english_one_segment_at_a_time(local: LocalTranslator) -> None:
    out = local.translate(["Où est la gare ?", "", "Das Essen in diesem Restaurant ist ausgezeichnet."], "fr", "en")
    assert len(out) == 3 and out[1] == ""
    assert "station" in out[0].lower()
    # (a German line given as French still comes out English: the prompt names the source only)
    assert "restaurant" in out[2].lower()


def test_the_local_engine_translates_out_of_english_into_the_languages_it_was_measured_on(
    local: LocalTranslator,
) -> None:
    assert "madrid" in local.translate(["Today we talk about the history of Madrid."], "en", "es")[0].lower()


def test_the_local_engine_refuses_a_pair_it_was_not_measured_on(local: LocalTranslator) -> None:
    with pytest.raises(LanguagePairUnsupported, match="fr into de"):
        local.translate(["Bonjour."], "fr", "de")
    with pytest.raises(LanguagePairUnsupported, match="en into ja"):
        local.translate(["Hello."], "en", "ja")


class _Echo:
    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        return [f"{target}:{t}" for t in texts]


def _transcript(language: str) -> Transcript:
    segments = [Segment(start=0.5, end=1.5, text="Hola."), Segment(start=2.0, end=3.25, text="Adiós.")]
    return Transcript.from_segments(segments, language=language, duration_seconds=4)


def test_translation_keeps_the_source_segments_times_per_target() -> None:
    inputs = Inputs(duration_seconds=4, transcript=_transcript("es"), translator=_Echo())
    result = REGISTRY["translation"].run(inputs, {"target_languages": ["en", "fr"]})
    assert result["source_language"] == "es"
    assert [t["language"] for t in result["translations"]] == ["en", "fr"]
    assert result["translations"][1]["segments"] == [
        {"start": 0.5, "end": 1.5, "text": "fr:Hola."},
        {"start": 2.0, "end": 3.25, "text": "fr:Adiós."},
    ]
    assert result["translations"][0]["text"] == "en:Hola. en:Adiós."


def test_translation_into_the_language_heard_is_an_unsupported_pair() -> None:
    inputs = Inputs(duration_seconds=4, transcript=_transcript("es"), translator=_Echo())
    with pytest.raises(LanguagePairUnsupported, match="already in es"):
        REGISTRY["translation"].run(inputs, {"target_languages": ["en", "es"]})
