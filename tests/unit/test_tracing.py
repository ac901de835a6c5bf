"""No handler copies what it returns or what it raised into X-Ray: traces keep timings only."""

from __future__ import annotations

import ast
from pathlib import Path

from vidscope.observability import TRACE_OPTIONS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "functions").rglob("*.py"), *(ROOT / "layers" / "vidscope").rglob("*.py")])
THE_ONE_PLACE = ROOT / "layers" / "vidscope" / "observability.py"
TRACER_DECORATORS = {"capture_lambda_handler", "capture_method", "capture_method_async"}


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


def test_every_lambda_entry_is_traced_through_traced_handler() -> None:
    untraced = []
    for path in sorted((ROOT / "functions").glob("*/handler.py")):
        module = ast.parse(path.read_text())
        for node in module.body:
            if isinstance(node, ast.FunctionDef) and node.name == "lambda_handler":
                names = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
                if "traced_handler" not in names:
                    untraced.append(str(path.relative_to(ROOT)))
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "lambda_handler" for t in node.targets
            ):
                # API functions: lambda_entry wraps serve() in traced_handler (checked above).
                call = node.value
                if not (
                    isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "lambda_entry"
                ):
                    untraced.append(str(path.relative_to(ROOT)))
    assert untraced == []
