"""The capability registry loads every capability's models (DESIGN §9 budgets every API handler's
cold import at 1.5 x ``import boto3``): only the function that validates options imports it, and
then no capability's module until a request names one; a function that reads, lists, cancels or
deletes jobs never imports it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vidscope.functions import API_FUNCTIONS, FunctionSpec

ROOT = Path(__file__).resolve().parents[2]
# POST /v1/jobs validates each capability's options against its declared model.
LOADS_THE_REGISTRY = {"create_job"}

_LOADED_AFTER_IMPORT = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps("vidscope.capabilities" in sys.modules))
"""


def _run(script: str, module: str) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers'}",
        "POWERTOOLS_SERVICE_NAME": "vidscope",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    result = subprocess.run(  # noqa: S603 - this interpreter running our own script
        [sys.executable, "-c", script, module],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    return result.stdout


def _loads_registry(module: str) -> bool:
    loaded: bool = json.loads(_run(_LOADED_AFTER_IMPORT, module))
    return loaded


@pytest.mark.parametrize("spec", API_FUNCTIONS, ids=lambda spec: spec.name)
def test_only_the_function_that_validates_options_imports_the_registry(spec: FunctionSpec) -> None:
    assert _loads_registry(spec.module) is (spec.name in LOADS_THE_REGISTRY)


_RESULTS_LOADED_AFTER_IMPORT = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.startswith("vidscope.capabilities.results."))))
"""


def test_creating_a_job_loads_no_capability_result_model() -> None:
    # create_job validates options and never reads a result: each capability's result models
    # (``vidscope.capabilities.results``) load where results are used, not in its cold start.
    spec = next(spec for spec in API_FUNCTIONS if spec.name == "create_job")
    assert json.loads(_run(_RESULTS_LOADED_AFTER_IMPORT, spec.module)) == []


_CAPABILITIES_LOADED = """
import importlib, json, sys
module = importlib.import_module(sys.argv[1])
def loaded():
    return sorted(
        name.rsplit(".", 1)[1]
        for name in sys.modules
        if name.startswith("vidscope.capabilities.") and name.count(".") == 2 and not name.endswith(".base")
    )
at_import = loaded()
from vidscope.jobs.capability_models import CreateJobRequest
from vidscope.jobs.plan import plan_for
request = CreateJobRequest.model_validate(
    {"url": "https://example.com/v.mp4", "capabilities": ["summary"], "options": {"summary": {}}}
)
plan_for(request.capabilities, request.capability_options())
print(json.dumps([at_import, loaded()]))
"""


def test_creating_a_job_imports_only_the_capabilities_it_names() -> None:
    # Options are validated capability by capability: none is imported at cold start, and a
    # request imports those it names (and those whose results they read: summary reads none).
    spec = next(spec for spec in API_FUNCTIONS if spec.name == "create_job")
    at_import, after_request = json.loads(_run(_CAPABILITIES_LOADED, spec.module))
    assert at_import == []
    assert after_request == ["summary"]
