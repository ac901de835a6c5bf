"""The shared layer is grouped into rooms by concern, and imports point one way (DESIGN §3b).

Read from the source (deferred imports included), so a shortcut taken inside a function body is
caught too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LAYERS = Path(__file__).resolve().parents[2] / "layers"
PACKAGE = LAYERS / "vidscope"

# What may stay at the top of the package: the facts and plumbing every room shares.
SHARED = {
    "access",
    "catalog",
    "cli",
    "client",
    "clock",
    "dependencies",
    "errors",
    "functions",
    "http_headers",
    "ids",
    "job_stages",
    "log",
    "models",
    "observability",
    "paged_lists",
    "platforms",
    "safe_text",
    "settings",
    "ssrf",
    "transcripts",
    "url_syntax",
}
ROOMS = {
    "adapters",
    "api",
    "capabilities",
    "editing",
    "events",
    "fingerprints",
    "jobs",
    "pipeline",
    "style",
    "tenancy",
    "text",
    "vision",
    "webhooks",
}

# Delivering a webhook (the jobs and tenancy rooms may read the attempt log and secrets, never send).
WEBHOOK_DELIVERY = (
    "webhooks.retry_policy",
    "webhooks.sender",
    "webhooks.delivery_queue",
    "webhooks.dispatcher",
    "webhooks.redelivery",
)

# What runs the workflow's stages (pipeline.stages and the stage modules it gathers).
STAGE_MODULES = (
    "pipeline.stages",
    "pipeline.job_state",
    "pipeline.ingest_stage",
    "pipeline.analysis_stage",
    "pipeline.merge_stage",
    "pipeline.failure_stage",
)
# room -> modules (prefixes, without "vidscope.") it must never import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    # Adapters sit at the bottom: nothing above them.
    "adapters": (*sorted(ROOMS - {"adapters"}), "dependencies", "models"),
    # A capability (and the engines it calls) sees shared models and adapters; the errors a stage
    # raises are its only contact with the pipeline, never its orchestration.
    "capabilities": ("jobs", "events", "webhooks", "tenancy", "api", "dependencies", *STAGE_MODULES,
                     "pipeline.ingestion", "pipeline.transcription", "pipeline.workflow", "pipeline.messages"),
    "text": ("jobs", "events", "webhooks", "tenancy", "api", "dependencies", *STAGE_MODULES,
             "pipeline.ingestion", "pipeline.transcription", "pipeline.workflow", "pipeline.messages"),
    # The jobs service starts and stops executions through its adapter (adapters.workflow), never
    # runs a stage nor reads one's messages; the stages run the jobs.
    "jobs": ("pipeline", "events", "webhooks", "api"),
    # Tenants and their ledger sit under the jobs that draw on them.
    "tenancy": ("jobs", "pipeline", "events", "webhooks", "api"),
    "events": ("pipeline", "webhooks", "api", "tenancy"),
    # The stages draw on the tenant's ledger (holds and charges), never on tenants or their limits.
    "pipeline": ("api", "events", "webhooks", "tenancy.tenants", "tenancy.ratelimit", "jobs.lifecycle"),
    "webhooks": ("pipeline", "api", "tenancy.ratelimit"),
    # The engines that see and cut media import their own models and the shared ones, nothing
    # that runs a job.
    "vision": ("jobs", "events", "webhooks", "tenancy", "api", "dependencies", "pipeline", "capabilities", "text"),
    # The fingerprint's maths and index: the table's adapter and its own modules.
    "fingerprints": ("jobs", "events", "webhooks", "tenancy", "api", "dependencies", "pipeline", "capabilities",
                     "text"),
    "editing": ("jobs", "events", "webhooks", "tenancy", "api", "dependencies", "pipeline", "capabilities", "text"),
    # Measuring and applying a style: an engine like vision and editing.
    "style": ("jobs", "events", "webhooks", "tenancy", "api", "dependencies", "pipeline", "capabilities", "text"),
}  # fmt: skip


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _room(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else None


def test_the_top_of_the_package_holds_only_shared_modules() -> None:
    top = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    rooms = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert top == SHARED, "a new module belongs in the room of its concern"
    assert rooms == ROOMS


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_one_way(path: Path) -> None:
    imports = _imports(path)
    # The layer never reaches up into the deployables, the CDK app or the tests.
    assert not {i for i in imports if i.split(".")[0] in {"functions", "infra", "tests", "bench"}}
    assert "sys" not in imports or "sys.path" not in path.read_text("utf-8")
    room = _room(path)
    if room is None:
        return
    wrong = sorted(
        i
        for i in imports
        for banned in FORBIDDEN.get(room, ())
        if i == f"vidscope.{banned}" or i.startswith(f"vidscope.{banned}.")
    )
    assert not wrong, f"{path.relative_to(PACKAGE)} imports {wrong} against the room rules"


def test_the_rules_catch_a_wrong_way_import(tmp_path: Path) -> None:
    module = tmp_path / "wrong.py"
    module.write_text("def f():\n    from vidscope.pipeline import stages\n")
    assert "vidscope.pipeline.stages" in _imports(module)


def _module_name(path: Path) -> str:
    parts = path.relative_to(LAYERS).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph(by_room: bool) -> dict[str, set[str]]:
    """Who imports whom in the layer: modules, or rooms (a room's modules as one; the shared
    modules at the top are rooms of their own)."""
    modules = {_module_name(p): p for p in _modules()}

    def node(module: str) -> str:
        return ".".join(module.split(".")[:2]) if by_room else module

    graph: dict[str, set[str]] = {node(m): set() for m in modules}
    for name, path in modules.items():
        for imported in _imports(path):
            # "from vidscope.jobs import results" names a module; "from vidscope.jobs.plan import Plan" a name in one.
            target = imported if imported in modules else imported.rpartition(".")[0]
            if target in modules and node(target) != node(name) and modules[target].name != "__init__.py":
                graph[node(name)].add(node(target))
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The graph's strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("by_room", [False, True], ids=["modules", "rooms"])
def test_no_module_and_no_room_imports_back_into_itself(by_room: bool) -> None:
    assert _circles(_graph(by_room)) == [], "a circle of imports: one side belongs below the other"


def test_the_circle_check_finds_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
