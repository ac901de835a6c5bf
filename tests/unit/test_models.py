from __future__ import annotations

import pytest
from pydantic import ValidationError

from vidscope.models import CreateJobRequest


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
