from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from vidscope.jobs.capability_models import CreateJobRequest
from vidscope.models import Envelope, Job, JobEnvelope, WebhookAttemptsEnvelope
from vidscope.safe_text import refuse_unsafe_text, spell_out_unsafe
from vidscope.url_syntax import check_url_syntax


def test_defaults_and_echoed_fields() -> None:
    request = CreateJobRequest.model_validate({"url": "https://youtu.be/a", "capabilities": ["summary"]})
    assert request.return_proof is False and request.webhook_url is None and request.metadata is None


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        ({"url": "https://youtu.be/a", "capabilities": ["x"]}, "unsupported_capability"),
        ({"url": "mailto:a@b.c", "capabilities": ["summary"]}, "invalid_url"),
        ({"url": "https://youtu.be:99999/a", "capabilities": ["summary"]}, "invalid_url"),
        ({"url": "https://youtu.be/a", "capabilities": ["summary"], "metadata": {"": "v"}}, "metadata_key"),
        ({"url": "https://youtu.be/a", "capabilities": ["summary"], "metadata": {"k" * 41: "v"}}, "metadata_key"),
        ({"url": "https://youtu.be/a", "capabilities": ["summary"], "metadata": {"k": 1}}, "string_type"),
    ],
)
def test_invalid_requests_carry_a_structured_error_type(body: dict[str, object], error_type: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CreateJobRequest.model_validate(body)
    assert caught.value.errors()[0]["type"] == error_type


def test_every_response_shares_one_envelope_named_by_its_data() -> None:
    # One generic envelope; each parametrization is named for the data it carries, as clients see it.
    assert JobEnvelope.__name__ == "JobEnvelope" and issubclass(JobEnvelope, Envelope)
    assert WebhookAttemptsEnvelope.__name__ == "WebhookAttemptsEnvelope"
    assert Envelope[Job] is JobEnvelope  # parametrized once, wherever it is written
    assert set(JobEnvelope.model_json_schema()["required"]) == {"data", "meta"}


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://media.example.com/v.mp4", True),
        ("https://bücher.example/v.mp4", True),
        ("https://[2001:db8::1]/v.mp4", True),
        ("https://127.1/v.mp4", False),  # a numeric last label must be a whole IPv4 address
        ("https://[fe80::1%25eth0]/v.mp4", False),  # zone ids are refused
        ("https://ex ample.com/v.mp4", False),
        ("https://user:pw@example.com/v.mp4", False),
        ("ftp://example.com/v.mp4", False),
    ],
)
def test_url_syntax_is_checked_apart_from_reachability(url: str, accepted: bool) -> None:
    if accepted:
        assert check_url_syntax(url, field="url") == url
    else:
        with pytest.raises(PydanticCustomError) as refused:
            check_url_syntax(url, field="url")
        assert refused.value.type == "invalid_url"


def test_unsafe_text_is_refused_in_stored_text_and_spelled_out_in_errors() -> None:
    with pytest.raises(PydanticCustomError) as refused:
        refuse_unsafe_text("a\u202eb")
    assert refused.value.type == "unsafe_text" and "U+202E at position 1" in str(refused.value)
    assert spell_out_unsafe("a\u202eb\x00") == "a\\u202eb\\u0000"
