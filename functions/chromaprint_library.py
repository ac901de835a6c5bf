"""Builds libchromaprint, the library the fingerprint capability prints sound with (through
pyacoustid's ctypes binding, ``import chromaprint``), from its release source: the Lambda image's
build stage runs this (functions/lambda.Dockerfile: the Lambda base image, Amazon Linux 2023, has
no package of it), and tests/infra/test_chromaprint_image.py runs it here on the same bytes
(``make chromaprint-source`` fetches them) and prints through what it built with the capability's
own code path.

Usage: ``python chromaprint_library.py OUT [SOURCE]`` puts ``libchromaprint.so*`` in OUT, from the
tarball SOURCE or, without it, the release tarball downloaded; either must have ``SHA256``.
The FFT is the KISS FFT in chromaprint's own source (BSD-3): the library needs nothing but the
C++ runtime (the image's last check installs and loads it)."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

VERSION = "1.5.1"
URL = f"https://github.com/acoustid/chromaprint/releases/download/v{VERSION}/chromaprint-{VERSION}.tar.gz"
# The release tarball's; Debian's chromaprint_1.5.1.orig.tar.gz is the same bytes.
SHA256 = "a1aad8fa3b8b18b78d3755b3767faff9abb67242e01b478ec9a64e190f335e1c"
CMAKE_OPTIONS = (
    "-DCMAKE_BUILD_TYPE=Release",
    "-DBUILD_SHARED_LIBS=ON",
    "-DBUILD_TOOLS=OFF",  # fpcalc needs FFmpeg's libraries: the capability decodes with PyAV
    "-DBUILD_TESTS=OFF",
    "-DFFT_LIB=kissfft",
    "-DCMAKE_INSTALL_LIBDIR=lib",
)


def source_bytes(source: Path | None) -> bytes:
    """The release tarball (a local copy, or downloaded), refused unless it is the pinned one."""
    if source is not None:
        data = source.read_bytes()
    else:
        with urllib.request.urlopen(URL, timeout=120) as answer:
            data = answer.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"chromaprint {VERSION}: sha256 {digest}, expected {SHA256}")
    return data


def build(data: bytes, out: Path) -> list[Path]:
    """Configure, compile and install the library; copy its files (the links kept) into ``out``."""
    with tempfile.TemporaryDirectory(prefix="chromaprint-") as tmp:
        work = Path(tmp)
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            archive.extractall(work, filter="data")
        source, build_dir, prefix = work / f"chromaprint-{VERSION}", work / "build", work / "prefix"
        cmake = shutil.which("cmake")
        if cmake is None:
            raise SystemExit("chromaprint: cmake is not installed")
        for step in (
            ["-S", str(source), "-B", str(build_dir), f"-DCMAKE_INSTALL_PREFIX={prefix}", *CMAKE_OPTIONS],
            ["--build", str(build_dir), "--parallel", str(os.cpu_count() or 1)],
            ["--install", str(build_dir)],
        ):
            subprocess.run([cmake, *step], check=True)  # noqa: S603 - cmake on the checked source
        out.mkdir(parents=True, exist_ok=True)
        made = []
        for library in sorted((prefix / "lib").glob("libchromaprint.so*")):
            target = out / library.name
            target.unlink(missing_ok=True)
            if library.is_symlink():
                target.symlink_to(os.readlink(library))
            else:
                shutil.copy2(library, target)
            made.append(target)
    return made


def main(argv: list[str]) -> None:
    if len(argv) not in (2, 3):
        raise SystemExit(__doc__)
    made = build(source_bytes(Path(argv[2]) if len(argv) == 3 else None), Path(argv[1]))
    print("built", *(path.name for path in made))


if __name__ == "__main__":
    main(sys.argv)
