"""The published contract, proven by a client generated from it: openapi-python-client reads the
document the API serves (GET /openapi.json), generates a package without a warning, and that
package drives a job end to end against the local stack over HTTP, reading typed results."""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest
from openapi_python_client import generate
from openapi_python_client.config import Config, ConfigFile, MetaType

from tests.integration.conftest import TenantHandle
from tests.support.media_server import MediaServer

pytestmark = pytest.mark.timeout(180)
PACKAGE = "vidscope_generated_client"


@pytest.fixture(scope="module")
def generated(served_api_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package generated from the served document, importable while the module runs."""
    root = tmp_path_factory.mktemp("generated-client")
    document = root / "openapi.json"
    document.write_bytes(httpx.get(f"{served_api_url}/openapi.json").raise_for_status().content)
    config = Config.from_sources(
        ConfigFile(package_name_override=PACKAGE, post_hooks=[]),  # no formatter run: not needed to import
        MetaType.NONE,  # the package alone, no project files around it
        document,
        "utf-8",
        overwrite=True,
        output_path=root / PACKAGE,
    )
    problems = generate(config=config)
    # A schema the generator cannot take (a duplicate model name, say) is dropped with a warning.
    assert not problems, "\n".join(f"{p.header}: {p.detail}" for p in problems)
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


def test_a_client_generated_from_the_served_document_runs_a_job_and_reads_typed_results(
    generated: ModuleType, served_api_url: str, pipeline_tenant: TenantHandle, media_server: MediaServer
) -> None:
    models = _module(generated, "models")
    create_job = _module(generated, "api.jobs.create_job")
    get_job = _module(generated, "api.jobs.get_job")
    get_transcript = _module(generated, "api.results.get_transcript")
    client = generated.AuthenticatedClient(base_url=served_api_url, token=pipeline_tenant.api_key)

    # When it creates a job with the generated request model (the key sent as a bearer token)
    body = models.CreateJobRequest(
        url=media_server.url("speech.mp4"), capabilities=[models.CreateJobRequestCapabilitiesItem.TRANSCRIPTION]
    )
    created = create_job.sync_detailed(client=client, body=body)
    assert created.status_code == 202, created.content
    assert isinstance(created.parsed, models.JobEnvelope)
    job_id = created.parsed.data.job_id

    # And polls it until it ends
    deadline = time.monotonic() + 120
    job = created.parsed.data
    while job.status not in {models.JobStatus.COMPLETED, models.JobStatus.FAILED} and time.monotonic() < deadline:
        time.sleep(0.2)
        polled = get_job.sync(job_id, client=client)
        assert isinstance(polled, models.JobEnvelope), polled
        job = polled.data

    # Then the job and its results are typed as the document says
    assert job.status is models.JobStatus.COMPLETED, job.error
    transcription = job.results.transcription
    assert isinstance(transcription, models.Transcript)
    assert transcription.word_count > 0 and "Microsoft" in transcription.text
    assert all(isinstance(s, models.Segment) and s.start < s.end for s in transcription.segments)
    transcript = get_transcript.sync(job_id, client=client)
    assert isinstance(transcript, models.TranscriptEnvelope) and transcript.data.text == transcription.text

    # And an error is the typed error envelope with its documented code
    missing = get_job.sync("job_01M0000000000000000000000", client=client)
    assert isinstance(missing, models.ErrorEnvelope) and missing.error.code == "JOB_NOT_FOUND"
