"""Settings come from VIDSCOPE_* variables (any case), validated as before: lists as JSON."""

from __future__ import annotations

from typing import Optional

import pytest
from pydantic import ValidationError

from vidscope.settings import Settings, _holds_json


def test_variables_are_read_in_any_case_and_validated() -> None:
    settings = Settings.from_environment(
        {"vidscope_table_name": "jobs", "VIDSCOPE_WEBHOOK_RETRY_SCHEDULE_SECONDS": "[0, 5]", "OTHER": "x"}
    )
    assert settings.table_name == "jobs"
    assert settings.webhook_retry_schedule_seconds == [0, 5]
    with pytest.raises(ValueError, match="VIDSCOPE_WEBHOOK_RETRY_SCHEDULE_SECONDS is not valid JSON"):
        Settings.from_environment({"VIDSCOPE_WEBHOOK_RETRY_SCHEDULE_SECONDS": "0, 5"})
    with pytest.raises(ValidationError):
        Settings.from_environment({"VIDSCOPE_WEBHOOK_RETRY_JITTER": "2"})


def test_collections_are_json_however_optional_they_are_spelled() -> None:
    assert _holds_json(list[int]) and _holds_json(list[int] | None) and _holds_json(Optional[dict[str, int]])  # noqa: UP045
    assert not _holds_json(str) and not _holds_json(int | None)
