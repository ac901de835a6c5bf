"""Text a remote site gives (a page's title) is cleaned and capped before it is stored, on the
whole local stack: yt-dlp's generic extractor reads the title of a page served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from werkzeug.test import Client

from infra.local.serve import SAMPLE_DIR
from tests.integration.conftest import TenantHandle, is_terminal, wait_for
from tests.support.media_server import MediaServer, serving
from vidscope import catalog

# Issue 23: a right-to-left override, a NUL, terminal colours and a hyperlink escape, then 100 KB.
HOSTILE_TITLE = "\u202eevil\x00 \x1b[31mred\x1b[0m \x1b]8;;https://x.example\x07link\x1b]8;;\x07 " + "A" * 100_000


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaServer]:
    root = tmp_path_factory.mktemp("remote-text")
    (root / "speech.mp4").write_bytes((SAMPLE_DIR / "speech.mp4").read_bytes())
    (root / "hostile.html").write_text(
        f'<html><head><title>{HOSTILE_TITLE}</title></head><body><video src="speech.mp4"></video></body></html>',
        encoding="utf-8",
    )
    with serving(root) as server:
        yield server


def test_a_page_title_with_controls_bidi_escapes_and_100_kb_is_stored_cleaned_and_capped(
    pipeline_api: Client, pipeline_tenant: TenantHandle, page: MediaServer
) -> None:
    created = pipeline_api.post(
        "/v1/jobs",
        json={
            "url": page.url("hostile.html"),
            "capabilities": ["download"],
            "options": {"download": {"format": "m4a"}},
        },
        headers=pipeline_tenant.headers,
    )
    assert created.status_code == 202, created.json
    job, _ = wait_for(pipeline_api, pipeline_tenant, created.json["data"]["job_id"], is_terminal, 120)
    assert job["status"] == "completed", job.get("error")
    title = job["media"]["title"]
    assert title.startswith("evil red link AAAA") and title.endswith("A…")
    assert len(title) == catalog.MAX_REMOTE_TITLE_LENGTH == 300
