"""The capability registry: every module of this package that declares ``CAPABILITY`` is one
capability (DESIGN §3b). Adding a capability is adding its module (and its tests): discovery
finds it, and registration refuses a declaration that anything downstream would trip on — a need
no stage makes, a result read that cannot be computed, a paged field that is not a list (checked
when the result's model is first used where a capability names it by reference, as every built-in
one does: the models of ``capabilities.results`` load where results are used, never in create_job's
cold start, DESIGN §9).

A capability's module is imported when it is first needed, and checked then: ``get(name)`` loads
one (and those whose results it reads), ``names()`` lists them all without importing any, and
``REGISTRY`` (every capability, by name) loads the rest on first use. create_job's cold start
(DESIGN §9) then pays only for the capabilities a request names."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

from vidscope.access import Access
from vidscope.capabilities.base import (
    DOWNLOADED,
    PRODUCED_BY,
    Capability,
    Inputs,
    Need,
    Note,
    Requirement,
    ResultOf,
    RunsIn,
    UnroutableCapability,
    check_result,
)

__all__ = [
    "REGISTRY",
    "STEP_ACCESS",
    "Capability",
    "UnroutableCapability",
    "compute",
    "get",
    "names",
    "needed",
    "refused",
    "register",
    "registered",
    "requirements",
]

# base: what a capability declares; results: the capabilities' result models, each module
# imported when its results are first used (``Capability.result_model``).
_NOT_CAPABILITIES = frozenset({"base", "results"})
# What the analysis step does for every capability it runs, granted to the step itself: a
# capability declares only the access its own compute adds.
STEP_ACCESS: frozenset[Access] = frozenset({Access.READ_MEDIA})


def _check_paged(capability: Capability[Any, Any]) -> None:
    if capability.paged is not None and capability.when_empty is None:
        raise UnroutableCapability(f"{capability.name} has a list that can come out empty: declare when_empty")
    if capability.names_jobs and capability.paged is None:
        raise UnroutableCapability(f"{capability.name} names jobs in a list it does not declare: declare paged")


def _reads(capability: Capability[Any, Any]) -> frozenset[Requirement]:
    # What it reads with its default options, unvalidated: validating would build its options
    # model, which only a request needs (DESIGN §9).
    return capability.needs | capability.uses(capability.defaults())


# Looks a capability up by name (None when there is none), loading it if need be.
Find = Callable[[str], Capability[Any, Any] | None]


def _check_reads(capability: Capability[Any, Any], find: Find) -> None:
    for requirement in _reads(capability):
        if not isinstance(requirement, ResultOf):
            if requirement not in PRODUCED_BY:
                raise UnroutableCapability(
                    f"{capability.name} needs {requirement}, which no stage of the workflow makes"
                )
            continue
        read = find(requirement.capability)
        if read is None:
            raise UnroutableCapability(f"{capability.name} reads {requirement.capability}, which is not registered")
        if read.runs_in is not RunsIn.MERGING or any(isinstance(r, ResultOf) for r in _reads(read)):
            raise UnroutableCapability(
                f"{capability.name} reads {read.name}'s result, which only a capability computed while merging "
                "from stage outputs alone can give"
            )


def _check(capability: Capability[Any, Any], find: Find) -> None:
    _check_reads(capability, find)
    if not isinstance(capability.result, str):  # one declared by reference is checked on first use
        check_result(capability, capability.result)
    _check_paged(capability)
    if capability.runs_in is RunsIn.MERGING and capability.access:
        raise UnroutableCapability(f"{capability.name} is computed while merging, which holds no extra grants")
    if capability.runs_in is RunsIn.MERGING and _reads(capability) & DOWNLOADED:
        raise UnroutableCapability(
            f"{capability.name} reads what ingestion downloaded, which only the analysis step may read: "
            "compute it in RunsIn.ANALYSIS"
        )
    if capability.access & STEP_ACCESS:
        raise UnroutableCapability(
            f"{capability.name} declares {sorted(capability.access & STEP_ACCESS)}: the step's own"
        )
    if capability.credits_per_minute <= 0:
        raise UnroutableCapability(f"{capability.name} has no price")
    if capability.mib_per_credit < 0:
        raise UnroutableCapability(f"{capability.name} has a negative size price")


@cache
def _module_names() -> tuple[str, ...]:
    return tuple(
        sorted(
            module.name
            for module in pkgutil.iter_modules(__path__)
            if not module.name.startswith("_") and module.name not in _NOT_CAPABILITIES
        )
    )


# Every capability loaded so far (and each one registered), checked; and ``REGISTRY``, filled once
# complete: one dict object throughout, so a module that imported it sees later registrations.
_loaded: dict[str, Capability[Any, Any]] = {}
_registry: dict[str, Capability[Any, Any]] = {}


def names() -> list[str]:
    """Every capability's name, in the registry's order (by name), none of them imported."""
    return sorted({*_module_names(), *_loaded})


def _find(name: str) -> Capability[Any, Any] | None:
    if name in _loaded:
        return _loaded[name]
    if name not in _module_names():
        return None
    capability: Capability[Any, Any] = importlib.import_module(f"{__name__}.{name}").CAPABILITY
    if capability.name != name:
        raise UnroutableCapability(f"capabilities.{name} declares {capability.name!r}: name it after its module")
    _loaded[name] = capability  # first, so two that read each other are refused, not looped over
    try:
        _check(capability, _find)
    except UnroutableCapability:
        del _loaded[name]
        raise
    return capability


def get(name: str) -> Capability[Any, Any]:
    """The capability named ``name``, its module imported and checked on first use; KeyError when
    there is none."""
    capability = _find(name)
    if capability is None:
        raise KeyError(name)
    return capability


def _complete() -> dict[str, Capability[Any, Any]]:
    if not _registry:
        _registry.update(_ordered(get(name) for name in names()))
    return _registry


if TYPE_CHECKING:
    REGISTRY: dict[str, Capability[Any, Any]]  # (module attribute, served by __getattr__)


def __getattr__(attribute: str) -> Any:
    # ``REGISTRY``, every capability by name, is the one attribute that imports them all.
    if attribute == "REGISTRY":
        return _complete()
    raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")


def _ordered(capabilities: Any) -> dict[str, Capability[Any, Any]]:
    # By name: an order known without importing any capability (``names``), stable for the
    # OpenAPI document and for listings.
    return {c.name: c for c in sorted(capabilities, key=lambda c: c.name)}


def register(capability: Capability[Any, Any]) -> None:
    """Add a capability declared outside this package (checked as a discovered one is): every
    part of the workflow reads the registry when it runs, so one registered in a process is
    planned, computed, merged and served there."""
    if capability.name in names():
        raise UnroutableCapability(f"{capability.name} is registered already")
    _check(capability, lambda name: capability if name == capability.name else _find(name))
    _loaded[capability.name] = capability
    if _registry:
        ordered = _ordered([*_registry.values(), capability])
        _registry.clear()
        _registry.update(ordered)


@contextmanager
def registered(capability: Capability[Any, Any]) -> Iterator[Capability[Any, Any]]:
    """``capability`` registered for the block's duration (an extension tried in one process)."""
    register(capability)
    try:
        yield capability
    finally:
        _loaded.pop(capability.name, None)
        _registry.pop(capability.name, None)


def requirements(capability: Capability[Any, Any], options: Mapping[str, Mapping[str, Any]]) -> frozenset[Need]:
    """What the plan must make for ``capability`` with the job's options: its own needs and uses,
    and those of each capability whose result it reads."""
    wanted: set[Need] = set()
    for requirement in capability.wants(options.get(capability.name)):
        if isinstance(requirement, ResultOf):
            read = get(requirement.capability)
            wanted |= {r for r in read.wants(options.get(read.name)) if isinstance(r, Need)}
        else:
            wanted.add(requirement)
    return frozenset(wanted)


def needed(capability: Capability[Any, Any]) -> frozenset[Need]:
    """What ``capability`` cannot do without, whatever its options: its own needs and the needs of
    the results it needs."""
    own = {r for r in capability.needs if isinstance(r, Need)}
    for requirement in capability.needs:
        if isinstance(requirement, ResultOf):
            own |= {r for r in get(requirement.capability).needs if isinstance(r, Need)}
    return frozenset(own)


def compute(capability: Capability[Any, Any], inputs: Inputs, options: Mapping[str, Mapping[str, Any]]) -> Any:
    """``capability``'s result (JSON) from the stage outputs in ``inputs``, with the results it
    reads computed first from the same outputs (with the job's options for them, if it asked for
    them too); a result used but not made by the job's media is left out."""
    results: dict[str, Any] = {}
    for requirement in capability.wants(options.get(capability.name)):
        if isinstance(requirement, ResultOf):
            read = get(requirement.capability)
            if all(inputs.has(need) for need in read.needs):
                results[read.name] = read.run(inputs, options.get(read.name))
    return capability.run(inputs.with_results(results), options.get(capability.name))


def refused(
    capabilities: list[str], options: Mapping[str, Mapping[str, Any]], duration_seconds: float
) -> dict[str, Note]:
    """The requested capabilities whose options cannot fit media this long, with the reason (a
    ``Note``) each is refused for."""
    notes = {name: get(name).refusal(options.get(name), duration_seconds) for name in capabilities}
    return {name: note for name, note in notes.items() if note is not None}
