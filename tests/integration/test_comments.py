"""comments on the whole local stack: a local talk site on 127.0.0.1, read by real yt-dlp over real
HTTP through a test-only extractor plugin (``tests/support/ytdlp_plugins``), never the internet.
The comments come cleaned, capped at max_comments, paged by the results endpoint; a site without
comments gives an empty list and a note; an upload has no site, so the capability fails alone,
uncharged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from werkzeug.test import Client

from infra.local.serve import SAMPLE_DIR
from tests.integration.conftest import TenantHandle, run_to_end, wait_for
from tests.support.comment_site import comment, talk_site_plugin, write_talk
from tests.support.media_server import MediaServer, serving

# What a hostile commenter writes: a terminal escape, a bidi override, rich markup and HTML.
HOSTILE = "\x1b[31mred\x1b[0m \u202eevil\u202c [bold]loud[/bold] <script>alert(1)</script>"


@pytest.fixture(scope="module")
def talk_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MediaServer, dict[str, str]]]:
    root = tmp_path_factory.mktemp("talks")
    speech = SAMPLE_DIR / "speech.mp4"
    many = [comment(n) for n in range(1, 131)]
    many[4] = comment(5, parent=2, text=HOSTILE)  # a reply, with hostile text
    talks = {
        "busy": write_talk(root, "busy", speech, comments=many, title="A busy talk"),
        "quiet": write_talk(root, "quiet", speech, comments=[]),
        "closed": write_talk(root, "closed", speech, comments=None),
    }
    with serving(root) as server, talk_site_plugin():
        yield server, talks


def _completed(api: Client, tenant: TenantHandle, url: str, **body: Any) -> dict[str, Any]:
    job = run_to_end(api, tenant, url, ["comments"], **body)
    assert job["status"] == "completed", job.get("error")
    assert not job.get("capability_errors")
    return job


def test_a_sites_comments_come_cleaned_bounded_and_paged(
    pipeline_api: Client, pipeline_tenant: TenantHandle, talk_site: tuple[MediaServer, dict[str, str]]
) -> None:
    server, talks = talk_site
    job = _completed(
        pipeline_api, pipeline_tenant, server.url(talks["busy"]), options={"comments": {"max_comments": 120}}
    )
    assert job["media"]["title"] == "A busy talk" and job["cost_breakdown"] == {"comments": 1}
    result = job["results"]["comments"]
    # 130 on the site, 120 asked: the job's read bounds the list to 100, the total says 120.
    assert result["total"] == 120 and result["site_count"] == 130 and not result["complete"]
    assert "max_comments" in result["note"] and len(result["items"]) == 100
    first = result["items"][0]
    assert first == {
        "id": "c1",
        "author": "viewer 1",
        "text": "comment number 1",
        "likes": 1,
        "timestamp": "2025-10-09T08:54:20Z",
    }  # a top-level comment: no parent_id (empty fields are left out)
    reply = result["items"][4]
    assert reply["id"] == "c5" and reply["parent_id"] == "c2"
    # Control and bidi characters gone; markup and HTML kept as the words they are (data, not code).
    assert reply["text"] == "red evil [bold]loud[/bold] <script>alert(1)</script>"

    base = f"/v1/jobs/{job['job_id']}/results/comments"
    page = pipeline_api.get(f"{base}?limit=100&offset=100", headers=pipeline_tenant.headers).json["data"]
    assert page["total"] == 120
    assert [c["id"] for c in page["results"]["comments"]["items"]] == [f"c{n}" for n in range(101, 121)]


def test_a_site_without_comments_gives_an_empty_list_and_a_note(
    pipeline_api: Client, pipeline_tenant: TenantHandle, talk_site: tuple[MediaServer, dict[str, str]]
) -> None:
    server, talks = talk_site
    for url, why in [
        (server.url(talks["quiet"]), None),
        (server.url(talks["closed"]), "turned off"),
        (server.url(f"{talks['quiet']}/media.mp4"), "no comments that can be read"),  # a bare file
    ]:
        job = _completed(pipeline_api, pipeline_tenant, url)
        result = job["results"]["comments"]
        assert result["total"] == 0 and result["items"] == [] and result["complete"]
        assert why is None or why in result["note"]
        assert [n["code"] for n in job["notes"]] == ["NO_COMMENTS"]


def test_an_upload_has_no_site_so_comments_fail_alone_uncharged(
    pipeline_api: Client, pipeline_tenant: TenantHandle
) -> None:
    speech = (SAMPLE_DIR / "speech.mp4").read_bytes()
    created = pipeline_api.post(
        "/v1/uploads",
        json={"filename": "talk.mp4", "content_type": "video/mp4", "size_bytes": len(speech)},
        headers=pipeline_tenant.headers,
    )
    assert created.status_code == 201, created.json
    upload = created.json["data"]
    sent = httpx.put(
        upload["upload_url"], content=speech, headers={**upload["headers"], "content-length": str(len(speech))}
    )
    assert sent.status_code == 200, sent.text
    response = pipeline_api.post(
        "/v1/jobs",
        json={"upload_id": upload["upload_id"], "capabilities": ["transcription", "comments"]},
        headers=pipeline_tenant.headers,
    )
    assert response.status_code == 202, response.json
    job, _ = wait_for(
        pipeline_api,
        pipeline_tenant,
        response.json["data"]["job_id"],
        lambda j: j["status"] not in ("pending", "processing"),
        180,
    )
    assert job["status"] == "completed", job.get("error")
    assert [(e["capability"], e["code"]) for e in job["capability_errors"]] == [("comments", "MEDIA_HAS_NO_SITE")]
    assert "comments" not in job["results"] and set(job["cost_breakdown"]) == {"transcription"}
