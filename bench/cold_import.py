"""Cold start: importing each API handler module vs importing boto3, in fresh processes.

DESIGN §9: every API handler's import takes at most 1.5 times ``import boto3``. Each sample is a new
interpreter (bytecode already compiled, as in a Lambda artifact built with .pyc files). A round
samples interpreter start-up (``python -c pass``), then every handler, with ``import boto3``
before the first handler and after every few, so machine noise hits both alike; the handlers'
order rotates from round to round so none always runs right after boto3. Medians over the rounds
are reported, as ratios of wall time with interpreter start-up (gross, the verdict) and without it
(net), and of the child's CPU time (user + system), which other load on the machine barely moves:
when gross and cpu disagree, the machine was busy.

Run: ``make bench`` (or ``python -m bench.cold_import``).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from vidscope.functions import API_FUNCTIONS, LAMBDA_ENVIRONMENT

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 9
BOTO3_EVERY = 4  # handlers sampled between two boto3 samples
TARGET = 1.5
EMPTY = "pass"
BOTO3 = "import boto3"
HANDLERS = {spec.name: f"import {spec.module}" for spec in API_FUNCTIONS}
ENV = {
    **os.environ,
    "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers'}",
    **LAMBDA_ENVIRONMENT,
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sample(statement: str) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh interpreter running ``statement``."""
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True, env=ENV, cwd=ROOT)
    return time.perf_counter() - start, _children_cpu() - cpu


Samples = dict[str, list[tuple[float, float]]]


def one_round(names: list[str], samples: Samples) -> None:
    samples[EMPTY].append(sample(EMPTY))
    for index, name in enumerate(names):
        if index % BOTO3_EVERY == 0:
            samples[BOTO3].append(sample(BOTO3))
        samples[name].append(sample(HANDLERS[name]))
    samples[BOTO3].append(sample(BOTO3))


def compile_bytecode() -> None:
    """Our modules' bytecode, as the image build writes it (``compileall`` in lambda.Dockerfile):
    importing only writes it where PYTHONDONTWRITEBYTECODE is unset, and a run that compiled
    source in every sample would weigh the handlers' own modules against boto3's compiled ones."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "layers", "functions"], check=True, cwd=ROOT)


def main() -> None:
    compile_bytecode()
    for statement in [EMPTY, BOTO3, *HANDLERS.values()]:  # warm the page cache
        sample(statement)
    names = list(HANDLERS)
    samples: Samples = {name: [] for name in [EMPTY, BOTO3, *names]}
    for round_number in range(ROUNDS):
        shift = round_number % len(names)
        one_round(names[shift:] + names[:shift], samples)
    wall = {name: statistics.median(w for w, _ in values) for name, values in samples.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in samples.items()}
    empty, boto3 = wall[EMPTY], wall[BOTO3]
    print(
        f"medians of fresh processes: python -c pass {empty * 1000:.1f} ms ({len(samples[EMPTY])} samples), "
        f"import boto3 {boto3 * 1000:.1f} ms ({len(samples[BOTO3])} samples, {cpu[BOTO3] * 1000:.1f} ms CPU)"
    )
    print(f"{'API handler':<26}{'median ms':>10}{'gross':>8}{'net':>8}{'cpu':>8}  verdict (gross <= {TARGET})")
    failed = []
    for name in names:
        gross = wall[name] / boto3
        net = (wall[name] - empty) / (boto3 - empty)
        verdict = "pass" if gross <= TARGET else "FAIL"
        if verdict != "pass":
            failed.append(name)
        print(f"{name:<26}{wall[name] * 1000:>10.1f}{gross:>8.2f}{net:>8.2f}{cpu[name] / cpu[BOTO3]:>8.2f}  {verdict}")
    print("ratios to import boto3: gross = wall with interpreter start-up, net = without, cpu = CPU time")
    print(f"every API handler <= {TARGET} x import boto3: {'yes' if not failed else 'NO: ' + ', '.join(failed)}")


if __name__ == "__main__":
    main()
