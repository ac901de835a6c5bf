"""style end to end on the local stack (real ASL, real handlers, the render function): a natural
source and a strongly graded, loud template, both uploaded; the styled video fetched through its
presigned link and measured; both media priced; and templates that cannot serve failing the
capability alone, uncharged, while the job's other capabilities complete."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from click.testing import CliRunner
from werkzeug.test import Client

from tests.integration.conftest import TenantHandle, new_tenant, run_to_end, wait_for
from tests.support.media_server import MediaServer, serving
from tests.support.style_media import make_clip, structure_kept, teal_orange
from tests.support.vision_media import make_audio_only
from vidscope.cli import main
from vidscope.style.audio import integrated_lufs, read_sound
from vidscope.style.colour import to_lab
from vidscope.style.measure import sample_frames
from vidscope.style.transfer import lab_distance


@pytest.fixture(scope="module")
def style_media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, MediaServer]]:
    root = tmp_path_factory.mktemp("style-media")
    make_clip(root / "source.mp4", seconds=4, camera="pan", peak=0.08, shot_seconds=(2,))
    make_clip(root / "template.mp4", seconds=3, grade=teal_orange, peak=0.9, seed=5)
    make_clip(root / "silent-template.mp4", seconds=2, peak=0.0, seed=6)
    make_clip(root / "long-template.mp4", seconds=62, size=(64, 36), fps=5, peak=None, seed=7)
    make_audio_only(root / "sound.m4a")
    with serving(root) as server:
        yield root, server


def _upload(api: Client, tenant: TenantHandle, path: Path) -> str:
    content = path.read_bytes()
    response = api.post(
        "/v1/uploads",
        json={"filename": path.name, "content_type": "video/mp4", "size_bytes": len(content)},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.json
    upload: dict[str, Any] = response.json["data"]
    sent = httpx.put(upload["upload_url"], content=content, headers=upload["headers"], timeout=30)
    assert sent.status_code == 200, sent.text
    return str(upload["upload_id"])


def _lab(video: Path, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    pictures = sample_frames(video, duration_seconds=seconds, max_seconds=seconds).pictures
    lab = np.concatenate([to_lab(p).reshape(-1, 3) for p in pictures])
    return lab.mean(axis=0), lab.std(axis=0)


def test_a_style_job_from_two_uploads_renders_the_template_look_and_loudness(
    pipeline_api: Client, pipeline_tenant: TenantHandle, style_media: tuple[Path, MediaServer], tmp_path: Path
) -> None:
    root, _ = style_media
    source, template = (
        _upload(pipeline_api, pipeline_tenant, root / "source.mp4"),
        _upload(pipeline_api, pipeline_tenant, root / "template.mp4"),
    )
    created = pipeline_api.post(
        "/v1/jobs",
        json={"upload_id": source, "capabilities": ["style"], "options": {"style": {"template_upload_id": template}}},
        headers=pipeline_tenant.headers,
    )
    assert created.status_code == 202, created.json
    job, seen = wait_for(
        pipeline_api, pipeline_tenant, created.json["data"]["job_id"], lambda j: j["status"] == "completed", 240
    )
    assert not job.get("capability_errors"), job["capability_errors"]
    # Priced on both media's decoded durations: a started minute of each at 3 credits.
    assert job["cost_breakdown"] == {"style": 6} and job["credits_charged"] == 6
    result = job["results"]["style"]
    assert result["expires_at"] and result["output_video_url"].startswith("http")
    output = tmp_path / "styled.mp4"
    with urllib.request.urlopen(result["output_video_url"], timeout=30) as response:  # noqa: S310 - local S3
        output.write_bytes(response.read())
    with urllib.request.urlopen(result["lut_url"], timeout=30) as response:  # noqa: S310 - local S3
        assert b"LUT_3D_SIZE 33" in response.read()
    before = lab_distance(*_lab(root / "source.mp4", 4), *_lab(root / "template.mp4", 3))
    after = lab_distance(*_lab(output, 4), *_lab(root / "template.mp4", 3))
    assert after <= 0.3 * before
    assert structure_kept(root / "source.mp4", output, 4, every=5) >= 0.9  # the source's edges, frame by frame
    out, reference = read_sound(output, max_seconds=5), read_sound(root / "template.mp4", max_seconds=5)
    assert out is not None and reference is not None
    assert abs((integrated_lufs(out) or 0) - (integrated_lufs(reference) or 99)) <= 1.0
    assert result["style_json"]["version"] == "1.0" and result["source_style_json"]["motion"]["kind"] == "pan"
    # The shots the vision stage found give the source's pacing.
    assert result["source_style_json"]["pacing"]["shot_count"] == 2
    # Progress names the style engine's steps while the render function works, never moving back.
    progress = [view["progress"] for view in seen if view.get("progress")]
    steps = {"video_analysis", "audio_analysis", "motion_analysis", "style_extraction", "style_application"}
    assert {p["stage"] for p in progress} & (steps | {"rendering"}), progress
    percents = [p["percent"] for p in progress]
    assert percents == sorted(percents)


@pytest.mark.parametrize(
    ("template", "code"),
    [
        ({"template_upload_id": "upl_" + "0" * 26}, "TEMPLATE_NOT_FOUND"),
        ({"template_url": "sound.m4a"}, "TEMPLATE_HAS_NO_VIDEO"),
        ({"template_url": "long-template.mp4"}, "TEMPLATE_TOO_LONG"),
        ({"template_url": "missing.mp4"}, "TEMPLATE_UNREACHABLE"),
        ({"template_url": "silent-template.mp4"}, "TEMPLATE_IS_SILENT"),
    ],
)
def test_a_template_that_cannot_serve_fails_style_alone_uncharged(
    pipeline_api: Client,
    pipeline_tenant: TenantHandle,
    style_media: tuple[Path, MediaServer],
    template: dict[str, str],
    code: str,
) -> None:
    _, server = style_media
    if "template_url" in template:
        template = {"template_url": server.url(template["template_url"])}
    job = run_to_end(
        pipeline_api,
        pipeline_tenant,
        server.url("source.mp4"),
        ["style", "shots"],
        240,
        options={"style": template},
    )
    assert job["status"] == "completed", job.get("error")
    [error] = job["capability_errors"]
    assert (error["capability"], error["code"]) == ("style", code), error
    assert "style" not in job["results"] and job["results"]["shots"]["total_shots"] == 2
    assert job["cost_breakdown"] == {"shots": 1} and job["credits_charged"] == 1


def test_another_tenants_upload_is_not_found(
    pipeline_api: Client, pipeline_tenant: TenantHandle, style_media: tuple[Path, MediaServer]
) -> None:
    root, server = style_media
    theirs = _upload(pipeline_api, pipeline_tenant, root / "template.mp4")
    other = new_tenant(credits=100, name="Other")
    job = run_to_end(
        pipeline_api, other, server.url("source.mp4"), ["style"], 240, options={"style": {"template_upload_id": theirs}}
    )
    assert [(e["code"], e["capability"]) for e in job["capability_errors"]] == [("TEMPLATE_NOT_FOUND", "style")]
    assert job["credits_charged"] == 0


def test_the_cli_uploads_source_and_template_and_shows_the_style(
    served_api_url: str, pipeline_tenant: TenantHandle, style_media: tuple[Path, MediaServer]
) -> None:
    root, _ = style_media
    connection = ["--url", served_api_url, "--api-key", pipeline_tenant.api_key]
    command = ["jobs", "create", str(root / "source.mp4"), "--capability", "style"]
    template = ["--option", f"style.template={root / 'template.mp4'}", "--wait"]
    shown = CliRunner().invoke(main, [*connection, *command, *template, "--json"])
    assert shown.exit_code == 0, shown.output
    job = json.loads(shown.output.strip().splitlines()[-1])
    assert job["status"] == "completed" and job["platform"] == "upload", job
    assert job["options"]["style"]["template_upload_id"].startswith("upl_")  # the template was uploaded too
    assert job["results"]["style"]["output_video_url"]
    # Read as a person would: the palette as coloured blocks, loudness and pacing of both.
    text = CliRunner(env={"FORCE_COLOR": "1", "COLUMNS": "200"}).invoke(
        main, [*connection, "jobs", "get", job["job_id"]]
    )
    assert text.exit_code == 0, text.output
    swatches = re.findall(r"\x1b\[(?:4[0-7]|10[0-7]|48;[0-9;]+)m {3}\x1b\[0m #", text.output)
    assert len(swatches) == 10  # five palette colours of each, as blocks of a background colour
    assert "LUFS" in text.output and "cuts/min" in text.output and "styled video:" in text.output
