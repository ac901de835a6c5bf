"""The Lambda image's libchromaprint. functions/lambda.Dockerfile builds it in a stage of its own
with functions/chromaprint_library.py, from the release tarball pinned by sha256; here the same
script builds the same bytes (Debian's orig tarball of that release, fetched by ``make
chromaprint-source``: one sha256), and the library it made is the one pyacoustid's binding loads
(Debian's, installed on this machine, is kept out by the loader's search order, and the test
reads which file was mapped), printing through the capability's own ``audio_print`` the print
Debian's library prints. Not proven here (no Docker daemon): the compile on Amazon Linux 2023 and
the library's load there: the image build checks that itself (its ``import chromaprint`` step)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from functions import chromaprint_library
from tests.support.fingerprint_media import make_clip
from vidscope.fingerprints.audio import audio_print

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / ".cache" / "chromaprint" / f"chromaprint_{chromaprint_library.VERSION}.orig.tar.gz"

_PRINT_THROUGH_BINDING = """
import json, sys
from pathlib import Path
from vidscope.fingerprints.audio import audio_print
values = audio_print(Path(sys.argv[1]), max_seconds=60)
import chromaprint
maps = Path("/proc/self/maps").read_text().splitlines()
loaded = sorted({line.split()[-1] for line in maps if "libchromaprint" in line})
version = chromaprint._libchromaprint.chromaprint_get_version().decode()
print(json.dumps({"loaded": loaded, "version": version, "values": values}))
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert SOURCE.exists(), f"{SOURCE} is missing: run `make chromaprint-source`"
    out = tmp_path_factory.mktemp("chromaprint") / "lib"
    made = chromaprint_library.build(chromaprint_library.source_bytes(SOURCE), out)
    assert sorted(path.name for path in made) == [
        "libchromaprint.so",
        "libchromaprint.so.1",
        f"libchromaprint.so.{chromaprint_library.VERSION}",
    ]
    return out


def _print_with(library_dir: Path | None, clip: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    if library_dir is not None:
        env["LD_LIBRARY_PATH"] = str(library_dir)
    done = subprocess.run(  # noqa: S603 - this interpreter running our own script
        [sys.executable, "-c", _PRINT_THROUGH_BINDING, str(clip)], env=env, capture_output=True, text=True, check=True
    )
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def test_the_image_s_build_makes_the_library_the_capability_prints_with(built: Path, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    make_clip(clip, seed=3, seconds=12.0)
    ours = _print_with(built, clip)
    debian = _print_with(None, clip)
    # The binding loaded the library built here, and only it; without it, Debian's.
    assert ours["loaded"] == [str(built / f"libchromaprint.so.{chromaprint_library.VERSION}")]
    assert debian["loaded"] and not str(debian["loaded"]).count(str(built))
    assert ours["version"] == chromaprint_library.VERSION
    # The same print (measured: identical), to within the FFT's last bits (KISS FFT here)
    mine, theirs = np.asarray(ours["values"], np.uint32), np.asarray(debian["values"], np.uint32)
    assert len(mine) == len(theirs) > 60
    differing = np.unpackbits(np.bitwise_xor(mine, theirs).view(np.uint8)).mean()
    assert differing < 0.01
    assert audio_print(clip, max_seconds=60) == debian["values"]  # this process: Debian's library


def test_a_tarball_other_than_the_pinned_release_is_refused(tmp_path: Path) -> None:
    assert SOURCE.exists(), f"{SOURCE} is missing: run `make chromaprint-source`"
    tampered = tmp_path / "chromaprint.tar.gz"
    data = bytearray(SOURCE.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    with pytest.raises(SystemExit, match="sha256"):
        chromaprint_library.source_bytes(tampered)
