"""What a job must give for each capability whose options model refuses ``{}`` (extract asks for a
prompt or a schema, translation for its target languages): one list for the tests and the
benchmarks, kept complete by tests/unit/test_capabilities.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

REQUIRED_OPTIONS: dict[str, dict[str, Any]] = {
    "extract": {"prompt": "the people, places and prices named"},
    "translation": {"target_languages": ["es"]},  # the test media speak English
}


def required_options(capabilities: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The least options a job asking for ``capabilities`` must give."""
    return {name: REQUIRED_OPTIONS[name] for name in capabilities if name in REQUIRED_OPTIONS}
