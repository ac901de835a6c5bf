"""The capability registry: every module of this package that declares ``CAPABILITY`` is one
capability (DESIGN §3b). Adding a capability is adding its module (and its tests): discovery
finds it, and registration refuses one that nothing in the workflow could run."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Final

from vidscope.capabilities.base import PRODUCED_BY, Capability, Step

__all__ = ["REGISTRY", "Capability", "get"]

_NOT_CAPABILITIES = frozenset({"base"})


class UnroutableCapability(Exception):
    """A capability the workflow has no way to run."""


def _check(module_name: str, capability: Capability[Any, Any]) -> None:
    if capability.name != module_name:
        raise UnroutableCapability(f"capabilities.{module_name} declares {capability.name!r}: name it after its module")
    missing = [need for need in capability.needs if need not in PRODUCED_BY]
    if missing:
        raise UnroutableCapability(f"{capability.name} needs {missing}, which no stage of the workflow makes")
    if capability.step is Step.MERGE and capability.access:
        raise UnroutableCapability(f"{capability.name} is computed while merging, which holds no extra grants")
    if capability.credits_per_minute <= 0:
        raise UnroutableCapability(f"{capability.name} has no price")


def _discover() -> dict[str, Capability[Any, Any]]:
    found: list[Capability[Any, Any]] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_") or module.name in _NOT_CAPABILITIES:
            continue
        capability = importlib.import_module(f"{__name__}.{module.name}").CAPABILITY
        _check(module.name, capability)
        found.append(capability)
    # Stage outputs first (transcription), then the analyses by name: a stable order for the
    # OpenAPI document and for listings.
    found.sort(key=lambda c: (c.step is not Step.MERGE, c.name))
    return {c.name: c for c in found}


REGISTRY: Final[dict[str, Capability[Any, Any]]] = _discover()


def get(name: str) -> Capability[Any, Any]:
    return REGISTRY[name]
