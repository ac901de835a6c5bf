"""The static list of capability names that GET /v1/jobs?capability= checks is the registry's."""

from __future__ import annotations

from vidscope.capabilities import REGISTRY
from vidscope.jobs.capability_names import CAPABILITY_NAMES


def test_the_static_names_are_the_registry_names() -> None:
    assert set(REGISTRY) == CAPABILITY_NAMES
