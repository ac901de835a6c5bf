"""No function in the shipped code (layers/ and functions/) runs over 80 lines: a longer one is
several steps that want names of their own (STYLE: the cookbook's ``_build_*`` helpers). ruff's
mccabe rule (C901, pyproject.toml) bounds branching; this bounds straight-line length, which ruff
does not measure. Run by ``make lint``.

A function's length is its lines from ``def`` to its last line, docstring and comments included,
decorators not; a nested function counts on its own and as part of the one around it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("layers", "functions")
MAX_LINES = 80

# "path::qualified.name" -> why it may stay long for now. Each entry is temporary: the test fails
# once the function is gone or short again, so the list only shrinks.
ALLOWED: dict[str, str] = {}


def long_functions(path: Path, *, root: Path = ROOT, limit: int = MAX_LINES) -> dict[str, int]:
    """``path::qualified.name`` -> lines, for each function of ``path`` over ``limit`` lines."""
    found: dict[str, int] = {}
    name = path.relative_to(root).as_posix()

    def visit(node: ast.AST, scope: tuple[str, ...]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = (*scope, child.name)
                if not isinstance(child, ast.ClassDef) and child.end_lineno is not None:
                    lines = child.end_lineno - child.lineno + 1
                    if lines > limit:
                        found[f"{name}::{'.'.join(inner)}"] = lines
                visit(child, inner)
            else:
                visit(child, scope)

    visit(ast.parse(path.read_text("utf-8"), filename=str(path)), ())
    return found


def _checked_files() -> list[Path]:
    return sorted(p for folder in CHECKED for p in (ROOT / folder).rglob("*.py"))


def test_no_function_in_layers_or_functions_is_over_80_lines() -> None:
    found = {key: lines for path in _checked_files() for key, lines in long_functions(path).items()}
    offenders = sorted(f"{key} ({lines} lines)" for key, lines in found.items() if key not in ALLOWED)
    assert not offenders, f"over {MAX_LINES} lines; split into named steps: " + ", ".join(offenders)
    assert all(why.strip() for why in ALLOWED.values()), "every allowance says why"
    stale = sorted(set(ALLOWED) - set(found))
    assert not stale, f"no longer over {MAX_LINES} lines (or gone); remove from ALLOWED: {', '.join(stale)}"


def test_a_long_function_is_named_and_a_short_one_is_not(tmp_path: Path) -> None:
    over = "".join(f"        x{i} = {i}\n" for i in range(MAX_LINES))  # with its def line: 81 lines
    at_limit = "".join(f"    y{i} = {i}\n" for i in range(MAX_LINES - 1))  # 80 lines
    source = tmp_path / "module.py"
    source.write_text(
        f"def short():\n    return 1\n\n\nclass Holder:\n    def long(self):\n{over}\n\n"
        f"async def exactly_at_the_limit():\n{at_limit}"
    )

    found = long_functions(source, root=tmp_path)

    assert found == {"module.py::Holder.long": MAX_LINES + 1}
