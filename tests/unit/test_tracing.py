"""No handler copies what it returns or what it raised into X-Ray: traces keep timings only.
Workflow and event functions trace through ``traced_handler``; API functions do not load the
X-Ray SDK at all (API Gateway and Lambda active tracing time their requests without it)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from vidscope.functions import API_FUNCTIONS, EVENT_FUNCTIONS, WORKFLOW_FUNCTIONS, FunctionSpec
from vidscope.observability import TRACE_OPTIONS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "functions").rglob("*.py"), *(ROOT / "layers" / "vidscope").rglob("*.py")])
THE_ONE_PLACE = ROOT / "layers" / "vidscope" / "observability.py"
TRACER_DECORATORS = {"capture_lambda_handler", "capture_method", "capture_method_async"}


def _handler_file(spec: FunctionSpec) -> Path:
    return ROOT / Path(*spec.module.split(".")).with_suffix(".py")


def _entry(spec: FunctionSpec) -> ast.stmt:
    """The module-level statement that defines the function's ``lambda_handler``."""
    for node in ast.parse(_handler_file(spec).read_text()).body:
        if isinstance(node, ast.FunctionDef) and node.name == "lambda_handler":
            return node
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "lambda_handler" for t in node.targets
        ):
            return node
    raise AssertionError(f"{spec.module} defines no lambda_handler")


def test_trace_options_capture_neither_responses_nor_errors() -> None:
    assert TRACE_OPTIONS == {"capture_response": False, "capture_error": False}


def test_only_observability_calls_the_tracer_decorators() -> None:
    # Anything else would bypass TRACE_OPTIONS (Powertools captures responses by default).
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in SOURCES
        if path != THE_ONE_PLACE
        for node in ast.walk(ast.parse(path.read_text()))
        if (isinstance(node, ast.Attribute) and node.attr in TRACER_DECORATORS)
        or (isinstance(node, ast.alias) and node.name in TRACER_DECORATORS)
    ]
    assert offenders == [], "use vidscope.observability.traced_handler instead"


def test_every_workflow_and_event_entry_is_traced_through_traced_handler() -> None:
    untraced = []
    for spec in (*WORKFLOW_FUNCTIONS, *EVENT_FUNCTIONS):
        entry = _entry(spec)
        decorators = entry.decorator_list if isinstance(entry, ast.FunctionDef) else []
        if "traced_handler" not in {d.id for d in decorators if isinstance(d, ast.Name)}:
            untraced.append(spec.name)
    assert untraced == []


def test_every_api_entry_is_built_by_lambda_entry() -> None:
    # lambda_entry is the one API wrapper (context, metrics, the error contract); whether it
    # loads the X-Ray SDK is checked by importing the handlers below.
    others = []
    for spec in API_FUNCTIONS:
        entry = _entry(spec)
        call = entry.value if isinstance(entry, ast.Assign) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "lambda_entry"):
            others.append(spec.name)
    assert others == []


# Imports each API handler in turn in a fresh interpreter and names those after which the X-Ray
# SDK is loaded; the workflow handler last proves the check sees the SDK when it is there.
_XRAY_AFTER_IMPORT = """
import importlib, json, sys
loaded = []
for module in json.loads(sys.argv[1]):
    importlib.import_module(module)
    if "aws_xray_sdk" in sys.modules:
        loaded.append(module)
        break
print(json.dumps(loaded))
"""


def test_api_handlers_never_load_the_xray_sdk() -> None:
    modules = [spec.module for spec in API_FUNCTIONS]
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers'}",
        "POWERTOOLS_SERVICE_NAME": "vidscope",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    result = subprocess.run(  # noqa: S603 - this interpreter running our own script
        [sys.executable, "-c", _XRAY_AFTER_IMPORT, json.dumps([*modules, "functions.fail_job.handler"])],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    assert json.loads(result.stdout) == ["functions.fail_job.handler"]
