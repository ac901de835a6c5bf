"""The Python client and the ``vidscope jobs`` commands against the local stack over real HTTP."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from click.testing import CliRunner

from infra.local.api_gateway import LocalApiGateway
from infra.local.serve import SAMPLE_DIR
from infra.local.stack import LocalStack
from tests.integration.conftest import TenantHandle, new_tenant
from tests.integration.test_speakers import dialogue  # noqa: F401 - the two-voice dialogue and its server
from tests.support.media import speech_mp4
from tests.support.media_server import MediaServer, serving
from vidscope.cli import main
from vidscope.client import VidscopeClient, VidscopeError

pytestmark = pytest.mark.timeout(180)
WAIT_BRANDS = ["--capability", "brands", "--proof", "--wait", "--json"]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def api_url(local_stack: LocalStack) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, LocalApiGateway(), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_client_creates_waits_lists_and_reads_the_transcript(
    api_url: str, pipeline_tenant: TenantHandle, media_server: MediaServer
) -> None:
    updates: list[str] = []
    with VidscopeClient(api_url, pipeline_tenant.api_key) as client:
        job = client.create_job(media_server.url("speech.mp4"), ["transcription"], idempotency_key="client-test")
        again = client.create_job(media_server.url("speech.mp4"), ["transcription"], idempotency_key="client-test")
        assert again.job_id == job.job_id  # the replay, not a second job
        done = client.wait(job.job_id, on_update=lambda j: updates.append(j.status.value), first_poll=0.1)
        assert done.status.value == "completed" and done.results is not None
        assert updates[-1] == "completed" and "processing" in updates
        assert job.job_id in [j.job_id for j in client.list_jobs(page_size=1)]  # followed the cursors
        assert job.job_id in [j.job_id for j in client.list_jobs(capability="transcription")]
        assert job.job_id not in [j.job_id for j in client.list_jobs(capability="shots")]
        listed = CliRunner().invoke(
            main,
            ["--url", api_url, "--api-key", pipeline_tenant.api_key, "jobs", "list", "--capability", "transcription"],
        )
        assert listed.exit_code == 0 and job.job_id in listed.output, listed.output
        srt = client.transcript(job.job_id, "srt")
        assert isinstance(srt, str) and "-->" in srt
        with pytest.raises(VidscopeError) as missing:
            client.get_job("job_01M0000000000000000000000")
        assert (missing.value.status, missing.value.code) == (404, "JOB_NOT_FOUND")


def test_the_client_retries_429_honouring_retry_after(api_url: str, local_stack: LocalStack) -> None:
    tenant = new_tenant(rate_limit=1, name="Slow")
    naps: list[float] = []
    with VidscopeClient(api_url, tenant.api_key, max_retries=1, sleep=naps.append) as client:
        list(client.list_jobs())
        with pytest.raises(VidscopeError) as limited:
            list(client.list_jobs())
    assert limited.value.code == "RATE_LIMITED" and naps == [60.0]


def test_jobs_create_wait_json_prints_the_completed_job_and_errors_print_code_and_message(
    api_url: str, pipeline_tenant: TenantHandle, media_server: MediaServer
) -> None:
    options = ["--url", api_url, "--api-key", pipeline_tenant.api_key]
    created = CliRunner().invoke(
        main,
        [*options, "jobs", "create", media_server.url("speech.mp4"), "--capability", "transcription", *WAIT_BRANDS],
    )
    assert created.exit_code == 0, created.output
    job = json.loads(created.output.strip().splitlines()[-1])
    assert job["status"] == "completed" and "Microsoft" in [b["name"] for b in job["results"]["brands"]]

    text = CliRunner().invoke(main, [*options, "jobs", "transcript", job["job_id"], "--format", "txt"])
    assert text.exit_code == 0 and "Microsoft" in text.output

    missing = CliRunner().invoke(main, [*options, "jobs", "get", "job_01M0000000000000000000000"])
    assert missing.exit_code == 1
    assert "error: JOB_NOT_FOUND" in missing.output and "Traceback" not in missing.output
    unauthorized = CliRunner().invoke(main, ["--url", api_url, "--api-key", "sk_live_nope", "jobs", "list"])
    assert unauthorized.exit_code == 1 and "error: UNAUTHORIZED" in unauthorized.output


def test_the_cli_takes_options_and_shows_each_capability_as_it_declares(
    api_url: str, pipeline_tenant: TenantHandle, media_server: MediaServer
) -> None:
    options = ["--url", api_url, "--api-key", pipeline_tenant.api_key]
    asked = ["--capability", "transcription", "--capability", "brands", "--capability", "language"]
    proof = ["--option", "brands.return_proof=true"]
    shown = CliRunner().invoke(
        main, [*options, "jobs", "create", media_server.url("speech.mp4"), *asked, *proof, "--wait"]
    )
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert any(line.startswith("transcription: (") for line in lines)  # (seconds, language) text…
    assert any(line.startswith("brands: Microsoft: ") for line in lines)
    assert any(line.startswith("language: en (confidence") for line in lines)
    job_id = next(line.split()[0] for line in lines if line.startswith("job_"))
    with VidscopeClient(api_url, pipeline_tenant.api_key) as client:
        job = client.get_job(job_id)
        assert job.options["brands"] == {"return_proof": True, "sources": None}
        segments = list(client.results(job_id, "transcription", page_size=2))  # pages of two
        assert segments == job.results["transcription"]["segments"]
    bad = CliRunner().invoke(main, [*options, "jobs", "create", "https://example.com/v.mp4", *asked, "--option", "x"])
    assert bad.exit_code != 0 and "CAPABILITY.NAME=VALUE" in bad.output


def test_the_cli_shows_who_speaks_and_each_translation(
    api_url: str,
    pipeline_tenant: TenantHandle,
    dialogue: tuple[MediaServer, list[dict[str, Any]]],  # noqa: F811
) -> None:
    server, _ = dialogue
    options = ["--url", api_url, "--api-key", pipeline_tenant.api_key]
    asked = ["--capability", "transcription", "--capability", "translation"]
    chosen = ["--option", "transcription.speakers=true", "--option", 'translation.target_languages=["fr"]']
    shown = CliRunner().invoke(
        main, [*options, "jobs", "create", server.url("dialogue.mp4"), *asked, *chosen, "--wait"]
    )
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    # The transcript's head names both speakers with their talk time, then one line per turn
    [head] = [line for line in lines if line.startswith("transcription: (")]
    assert re.search(r"speakers: A \d+ s, B \d+ s\)", head), head
    turns = [m.group(1) for line in lines if (m := re.match(r"transcription: \[\d+\.\d+s\] ([AB]): \w", line))]
    assert len(turns) >= 4 and set(turns) == {"A", "B"}
    # And the translation, from the language heard into the one asked
    [translated] = [line for line in lines if line.startswith("translation: en -> fr: ")]
    assert len(translated) > len("translation: en -> fr: ") + 20


def test_jobs_create_uploads_a_local_file_and_connection_options_follow_the_subcommand(
    api_url: str, pipeline_tenant: TenantHandle
) -> None:
    connection = ["--url", api_url, "--api-key", pipeline_tenant.api_key]
    created = CliRunner().invoke(
        main,
        ["jobs", "create", str(SAMPLE_DIR / "speech.mp4"), "--capability", "shots", "--wait", "--json", *connection],
    )
    assert created.exit_code == 0, created.output
    job = json.loads(created.output.strip().splitlines()[-1])
    assert job["status"] == "completed" and job["platform"] == "upload" and job["upload_id"].startswith("upl_")
    assert job["results"]["shots"]["total_shots"] >= 1
    # Shorts of a local file, read as a person would: each with its times, reason and clip URL.
    shorts = CliRunner().invoke(
        main,
        [
            "jobs",
            "create",
            str(SAMPLE_DIR / "speech.mp4"),
            "--capability",
            "shorts",
            "--wait",
            *connection,
            "--option",
            "shorts.min_seconds=5",
            "--option",
            "shorts.max_seconds=15",
        ],
    )
    assert shorts.exit_code == 0, shorts.output
    printed = shorts.output.replace("\n", "")  # the terminal wraps long URLs
    assert "shorts:" in printed and "clip: http://127.0.0.1" in printed and "/shorts/short_1.mp4" in printed
    # Given after the subcommand, they win over the ones before it.
    shown = CliRunner().invoke(main, ["--api-key", "sk_live_nope", "jobs", "get", job["job_id"], "--json", *connection])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["job_id"] == job["job_id"]
    # The client alone: upload(), then a job on it.
    with VidscopeClient(api_url, pipeline_tenant.api_key) as client:
        progress: list[int] = []
        upload_id = client.upload(SAMPLE_DIR / "speech.mp4", on_progress=lambda sent, total: progress.append(sent))
        assert progress[-1] == (SAMPLE_DIR / "speech.mp4").stat().st_size
        assert client.create_job(None, ["transcription"], upload_id=upload_id).upload_id == upload_id


def test_jobs_create_extract_with_a_schema_file_prints_each_value_with_its_evidence_times(
    api_url: str, pipeline_tenant: TenantHandle, tmp_path: Path
) -> None:
    talk = "Today we are launching the Zephyr Blender.\nIt costs two hundred dollars.\nThe launch is in Lisbon."
    said = speech_mp4(talk, tmp_path / "talk.mp4")
    schema = tmp_path / "schema.json"
    schema.write_text(
        json.dumps(
            {
                "type": "object",
                "properties": {
                    "price": {"type": "number", "description": "price in dollars"},
                    "city": {"type": "string", "description": "where the launch event takes place"},
                },
            }
        )
    )
    options = ["--url", api_url, "--api-key", pipeline_tenant.api_key]
    asked = ["--capability", "extract", "--option"]
    with serving(tmp_path) as server:
        shown = CliRunner().invoke(
            main,
            [*options, "jobs", "create", server.url("talk.mp4"), *asked, f"extract.schema=@{schema}", "--wait"],
        )
    assert shown.exit_code == 0, shown.output
    printed = {m[0]: m for m in re.findall(r"extract: (/\w+) = (\S+)  (\d+):(\d+\.\d+)-(\d+):(\d+\.\d+)", shown.output)}
    assert printed["/price"][1] == "200" and printed["/city"][1] == '"Lisbon"', shown.output
    for path, sentence in (("/price", said[1]), ("/city", said[2])):
        start = int(printed[path][2]) * 60 + float(printed[path][3])
        assert float(sentence["start"]) - 0.6 <= start <= float(sentence["end"]), shown.output
    unreadable = CliRunner().invoke(
        main,
        [*options, "jobs", "create", "https://example.com/v.mp4", *asked, f"extract.schema=@{tmp_path}/missing.json"],
    )
    assert unreadable.exit_code != 0 and "cannot read" in unreadable.output
