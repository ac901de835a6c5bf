"""The whole local Vidscope as a user runs it: the local stack (``make serve``) in its own process, a tenant
made with ``vidscope tenants create`` against it, a job submitted and watched with
``vidscope jobs create --wait --json``, then Ctrl-C, after which none of its processes is left."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.local.stack import free_port
from tests.integration.conftest import FIXTURES, PIPELINE_ENV
from tests.support.media import repeated_mp4
from tests.support.media_server import MediaServer, serving
from vidscope.client import VidscopeClient

pytestmark = pytest.mark.timeout(300)
VIDSCOPE = str(Path(sys.executable).with_name("vidscope"))


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def media(tmp_path: Path) -> Iterator[MediaServer]:
    shutil.copy(FIXTURES / "speech.mp4", tmp_path / "speech.mp4")
    repeated_mp4(FIXTURES / "speech.mp4", 2, tmp_path / "long.mp4")
    with serving(tmp_path) as server:
        yield server


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VIDSCOPE, *args], env=env, capture_output=True, text=True, timeout=240, check=False)  # noqa: S603


def start_serve(port: int, data_dir: Path, env: dict[str, str], *extra: str) -> tuple[subprocess.Popen[str], list[str]]:
    """The local stack as ``make serve`` starts it; returns once it printed its banner."""
    server = subprocess.Popen(  # noqa: S603 - this interpreter running our own module
        [sys.executable, "-m", "infra.local.serve", "--port", str(port), "--data-dir", str(data_dir), *extra],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []  # all it prints, appended as it comes

    def pump() -> None:
        for line in server.stdout or []:
            output.append(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + 60
    while not any("Ctrl-C stops it." in line for line in output):
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise AssertionError("".join(output))
        time.sleep(0.1)
    return server, output


def stop(server: subprocess.Popen[str], output: list[str]) -> None:
    """Ctrl-C, as a user stops it. If it does not stop, the failure shows where every thread was
    (the local stack dumps them on SIGUSR1)."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.send_signal(signal.SIGUSR1)
        time.sleep(2)
        server.kill()
        raise AssertionError("the local stack did not stop:\n" + "".join(output[-200:])) from None


def serve_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "VIDSCOPE_AWS_ENDPOINT_URL"} | PIPELINE_ENV


def test_serve_then_tenant_then_a_job_watched_to_the_end_and_ctrl_c_leaves_nothing_running(
    media: MediaServer, tmp_path: Path
) -> None:
    port, env = free_port(), serve_env()
    server, output = start_serve(port, tmp_path / "data", env)
    try:
        base = f"http://127.0.0.1:{port}"
        assert any(f"curl -s -X POST {base}/v1/jobs" in line for line in output)

        client_env = env | {"VIDSCOPE_URL": base}
        created = cli("tenants", "create", "--name", "E2E", "--credits", "500", env=client_env)
        assert created.returncode == 0, created.stderr
        fields = dict(line.split(":", 1) for line in created.stdout.splitlines() if ":" in line)
        key = fields["api_key"].strip()
        assert fields["webhook_secret"].strip().startswith("whsec_")

        submitted = cli(
            "jobs", "create", media.url("speech.mp4"), "--capability", "transcription", "--capability", "brands",
            "--wait", "--json", env=client_env | {"VIDSCOPE_API_KEY": key},
        )  # fmt: skip
        assert submitted.returncode == 0, submitted.stderr
        job = json.loads(submitted.stdout.strip().splitlines()[-1])
        assert job["status"] == "completed"
        assert "Microsoft" in job["results"]["transcription"]["text"]
        assert "Microsoft" in [b["name"] for b in job["results"]["brands"]]

        # A long job mid-transcription: its worker process must go when the server does.
        with VidscopeClient(base, key) as client:
            long = client.create_job(media.url("long.mp4"), ["transcription"])
            deadline = time.monotonic() + 60
            while not ((j := client.get_job(long.job_id)).progress and j.progress.stage.value == "transcription"):
                assert time.monotonic() < deadline and not j.status.is_terminal, j
                time.sleep(0.2)
        started = descendants(server.pid)
        assert started, "the transcription worker runs as a child process"
    finally:
        stop(server, output)
    time.sleep(0.5)
    assert [pid for pid in started if alive(pid)] == []


def test_with_persist_a_restart_keeps_jobs_tenants_and_the_demo_key(media: MediaServer, tmp_path: Path) -> None:
    port, env, data = free_port(), serve_env(), tmp_path / "data"
    server, output = start_serve(port, data, env, "--persist")
    base = f"http://127.0.0.1:{port}"
    key = next(line for line in output if "API key:" in line).rsplit(" ", 1)[-1].strip()
    try:
        with VidscopeClient(base, key) as client:
            job = client.create_job(media.url("speech.mp4"), ["transcription"])
            done = client.wait(job.job_id, first_poll=0.2, timeout=120)
            assert done.status.value == "completed"
    finally:
        stop(server, output)

    server, output = start_serve(port, data, env, "--persist")
    try:
        assert any("Restored" in line for line in output)
        assert key in "".join(output)  # the demo tenant is the same one
        with VidscopeClient(base, key) as client:
            again = client.get_job(job.job_id)
            assert again.status.value == "completed" and again.results == done.results
            assert done.results is not None
            text = str(client.transcript(job.job_id, "txt"))
            assert "Microsoft" in text and done.results["transcription"]["text"].split()[:3] == text.split()[:3]
    finally:
        stop(server, output)
