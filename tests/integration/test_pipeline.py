"""The whole workflow on the local stack: the real ASL file in moto's interpreter, the real
stage handlers, the real transcription worker (faster-whisper tiny.en) in its own process and
media fetched by yt-dlp from a server on 127.0.0.1."""

from __future__ import annotations

import json
import re

import jiwer
from werkzeug.test import Client

from infra.local.stack import LocalStack
from tests.integration.conftest import (
    FIXTURES,
    TenantHandle,
    balance_and_ledger,
    is_terminal,
    submit,
    wait_for,
)
from tests.support.media_server import MediaServer
from vidscope.models import Stage


def _normalize(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())


def test_a_job_with_every_capability_completes_with_checked_results(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, local_stack: LocalStack
) -> None:
    job_id = submit(pipeline_api, pipeline_tenant, media_server.url("speech.mp4"), return_proof=True)
    job, seen = wait_for(pipeline_api, pipeline_tenant, job_id, is_terminal)
    assert job["status"] == "completed", job.get("error")

    # Progress moved through the stages, in order, while processing.
    stages = [Stage(v["progress"]["stage"]) for v in seen if v["status"] == "processing"]
    assert stages == sorted(stages, key=list(Stage).index)
    assert {Stage.INGESTION, Stage.TRANSCRIPTION, Stage.ANALYSIS} <= set(stages)
    assert job["progress"] is None and job["started_at"] and job["completed_at"]

    spoken = (FIXTURES / "speech.txt").read_text()
    transcription = job["results"]["transcription"]
    assert jiwer.wer(_normalize(spoken), _normalize(transcription["text"])) <= 0.25
    assert transcription["language"] == "en"
    assert 20 < transcription["duration_seconds"] < 25
    assert transcription["word_count"] == len(transcription["text"].split())

    # The brand is found with proof where it was said: the span of the name's own words (word
    # timestamps), inside the segment that says it, with the sentence around it as the text.
    timings = json.loads((FIXTURES / "speech.json").read_text())
    said = next(t for t in timings if "Microsoft" in t["text"])
    microsoft = next(b for b in job["results"]["brands"] if b["name"] == "Microsoft")
    assert microsoft["mentions"] >= 1 and 0 < microsoft["confidence"] <= 1
    proof = microsoft["proof"][0]
    assert "Microsoft" in proof["text"]
    assert proof["source"] == "speech"
    segment = next(s for s in transcription["segments"] if "Microsoft" in s["text"])
    assert segment["start"] <= proof["start"] < proof["end"] <= segment["end"]
    assert proof["end"] - proof["start"] < (segment["end"] - segment["start"]) / 2, "the name, not its segment"
    assert proof["start"] < said["end"] and proof["end"] > said["start"]
    # "a green apple" is fruit, not the company.
    assert "Apple" not in {b["name"] for b in job["results"]["brands"]}

    summary = job["results"]["summary"]
    assert summary["text"] and summary["key_topics"]
    assert _normalize(summary["text"]) in _normalize(transcription["text"]) or all(
        _normalize(sentence) in _normalize(transcription["text"])
        for sentence in re.split(r"(?<=[.!?])\s+", summary["text"])
    )

    # Charged for one billable minute of three capabilities; the rest of the hold came back.
    assert job["credits_charged"] == 4 <= job["credits_estimated"]
    balance, ledger = balance_and_ledger(pipeline_tenant.tenant_id)
    assert balance == ledger == 1_000 - 4

    # Ingest, ProcessMedia, 2 x RouteMediaStage, Transcribe, See, Analyze, 2 x RunAnalysis, Merge:
    # brands read the screen of a video by default (DESIGN §9: <= 10; audio-only media stays at
    # 8, test_extension_points).
    assert local_stack.state_transitions(job_id) == 10


def test_the_transcript_downloads_as_json_txt_srt_and_vtt(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer
) -> None:
    job_id = submit(pipeline_api, pipeline_tenant, media_server.url("speech.mp4"))
    early = pipeline_api.get(f"/v1/jobs/{job_id}/transcript", headers=pipeline_tenant.headers)
    job, _ = wait_for(pipeline_api, pipeline_tenant, job_id, is_terminal)
    assert job["status"] == "completed"
    if early.status_code != 200:  # asked before completion: not ready, said clearly
        assert early.status_code == 409 and early.json["error"]["code"] == "TRANSCRIPT_NOT_AVAILABLE"
    base = f"/v1/jobs/{job_id}/transcript"

    as_json = pipeline_api.get(base, headers=pipeline_tenant.headers)
    assert as_json.status_code == 200
    assert as_json.json["data"] == job["results"]["transcription"]

    txt = pipeline_api.get(f"{base}?format=txt", headers=pipeline_tenant.headers)
    assert txt.headers["Content-Type"].startswith("text/plain")
    assert _normalize(txt.get_data(as_text=True)) == _normalize(job["results"]["transcription"]["text"])

    stamp = r"\d{2}:\d{2}:\d{2}[,.]\d{3}"
    srt = pipeline_api.get(f"{base}?format=srt", headers=pipeline_tenant.headers)
    assert srt.headers["Content-Type"].startswith("application/x-subrip")
    cues = srt.get_data(as_text=True).strip().split("\n\n")
    assert len(cues) == len(job["results"]["transcription"]["segments"])
    for number, cue in enumerate(cues, start=1):
        lines = cue.split("\n")
        assert lines[0] == str(number)
        assert re.fullmatch(f"{stamp} --> {stamp}", lines[1]) and "," in lines[1]
        assert lines[2]

    vtt = pipeline_api.get(f"{base}?format=vtt", headers=pipeline_tenant.headers)
    assert vtt.headers["Content-Type"].startswith("text/vtt")
    body = vtt.get_data(as_text=True)
    assert body.startswith("WEBVTT\n\n")
    assert re.search(rf"^{stamp} --> {stamp}$", body, re.MULTILINE) and "," not in body.split("\n")[2]

    bad = pipeline_api.get(f"{base}?format=docx", headers=pipeline_tenant.headers)
    assert bad.status_code == 400 and bad.json["error"]["code"] == "VALIDATION_ERROR"
