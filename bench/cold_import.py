"""Cold start: importing the create-job handler module vs importing boto3, in fresh processes.

Each sample is a new interpreter (bytecode already compiled, as in a Lambda artifact built with
.pyc files); samples alternate between the two so machine noise hits both alike. Interpreter
start-up (``python -c pass``) is measured too and reported both with and without it.

Run: ``make bench`` (or ``python -m bench.cold_import``).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = 9
STATEMENTS = {
    "empty": "pass",
    "boto3": "import boto3",
    "handler": "import functions.create_job.handler",
}
ENV = {
    **os.environ,
    "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers'}",
    "POWERTOOLS_SERVICE_NAME": "vidscope",
    "POWERTOOLS_METRICS_NAMESPACE": "Vidscope",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def sample(statement: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True, env=ENV, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    for statement in STATEMENTS.values():  # warm the bytecode cache and the page cache
        sample(statement)
    times: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    for _ in range(SAMPLES):
        for name, statement in STATEMENTS.items():
            times[name].append(sample(statement))
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, value in median.items():
        print(f"{name:<8} median {value * 1000:7.1f} ms over {SAMPLES} fresh processes")
    gross = median["handler"] / median["boto3"]
    net = (median["handler"] - median["empty"]) / (median["boto3"] - median["empty"])
    print(f"ratio import(create_job handler) / import(boto3): {gross:.2f} with interpreter start-up, {net:.2f} without")
    print("target: <= 1.5")


if __name__ == "__main__":
    main()
