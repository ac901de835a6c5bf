"""Shorts the user defines (``options.shorts.spans``) on the whole local stack: exactly the spans
asked, snapped to word edges within 0.3 s, their text from the transcript, no score, cut into clips;
overlapping spans are a 400 naming them; a span past the media's end fails the capability alone,
uncharged, once the media is known."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.test import Client

from tests.integration.conftest import TenantHandle, create, job_body, run_to_end
from tests.integration.test_media_out import (
    _fetch,
    _streams,
    talks,  # noqa: F401 - the spoken talk and its server
)
from tests.support.media_server import MediaServer
from vidscope import dependencies
from vidscope.adapters.media_store import staged_transcript_key
from vidscope.text.user_shorts import SNAP_SECONDS

SPANS = [{"start": 0.5, "end": 6.2, "title": "Why shoes wear out"}, {"start": 12.3, "end": 19.9}]


def _clip_seconds(url: str, path: Path) -> float:
    """The clip's sound, decoded (its pictures are a few frames a second: their track's length is
    rounded to a frame)."""
    seconds, streams = _streams(_fetch(url, path))
    assert "video" in streams
    return seconds


def test_the_spans_given_are_the_shorts_snapped_to_words_with_their_text(
    pipeline_api: Client,
    pipeline_tenant: TenantHandle,
    talks: MediaServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    options = {"shorts": {"spans": SPANS, "aspect": "1:1"}}
    job = run_to_end(pipeline_api, pipeline_tenant, talks.url("topics.mp4"), ["shorts"], options=options)
    assert job["status"] == "completed", job.get("error")
    assert not job.get("capability_errors")
    shorts = job["results"]["shorts"]
    staged = dependencies.media_store().get_json(staged_transcript_key(pipeline_tenant.tenant_id, job["job_id"]))
    words = [w for s in staged["segments"] for w in s.get("words") or []]
    edges = {round(e, 3) for w in words for e in (w["start"], w["end"])}
    assert [s["id"] for s in shorts] == ["short_1", "short_2"]
    for short, given in zip(shorts, SPANS, strict=True):
        for edge in ("start", "end"):
            moved = abs(short[edge] - given[edge])
            assert moved <= SNAP_SECONDS + 0.001
            assert moved == 0 or round(short[edge], 3) in edges, (edge, short[edge], given[edge])
            # No word cut in half at an edge.
            assert not any(w["start"] < short[edge] < w["end"] for w in words), (edge, short[edge])
        said = [w["word"].strip() for w in words if short["start"] <= (w["start"] + w["end"]) / 2 < short["end"]]
        assert short["text"] == " ".join(said) and said
        assert "score" not in short and "reason" not in short and "components" not in short
        seconds = _clip_seconds(short["clip_url"], tmp_path / f"{short['id']}.mp4")
        assert seconds == pytest.approx(short["end"] - short["start"], abs=0.1)
    assert shorts[0]["title"] == "Why shoes wear out"
    assert shorts[1]["title"].split()[0] == shorts[1]["text"].split()[0]  # its opening words
    assert set(job["cost_breakdown"]) == {"shorts"}


def test_a_span_past_the_media_fails_shorts_alone_uncharged(
    pipeline_api: Client,
    pipeline_tenant: TenantHandle,
    talks: MediaServer,  # noqa: F811
) -> None:
    spans = [{"start": 2, "end": 8}, {"start": 100, "end": 130}]
    options = {"shorts": {"spans": spans}}
    job = run_to_end(
        pipeline_api, pipeline_tenant, talks.url("topics.mp4"), ["transcription", "shorts"], options=options
    )
    assert job["status"] == "completed", job.get("error")
    [error] = job["capability_errors"]
    assert error["capability"] == "shorts" and error["code"] == "SPAN_OUTSIDE_MEDIA"
    assert "spans[1] (100-130 s)" in error["message"]
    assert "shorts" not in job["results"] and set(job["cost_breakdown"]) == {"transcription"}


@pytest.mark.parametrize(
    ("shorts", "field", "words"),
    [
        ({"spans": [{"start": 10, "end": 20}, {"start": 15, "end": 25}]}, "options.shorts.spans", "spans[1] (15-25 s)"),
        ({"spans": [{"start": 30, "end": 40}, {"start": 10, "end": 20}]}, "options.shorts.spans", "spans[1] (10-20 s)"),
        ({"spans": [{"start": 10, "end": 5}]}, "options.shorts.spans.0", "this one: 10 to 5 s"),
        ({"spans": [{"start": 0, "end": 200}]}, "options.shorts.spans.0", "this one: 0 to 200 s"),
        ({"spans": [{"start": 0, "end": 5, "title": "a\u202eb"}]}, "options.shorts.spans.0.title", "U+202E"),
        ({"spans": [{"start": 0, "end": 5}], "count": 2}, "options.shorts", "count cannot be given"),
        ({"spans": []}, "options.shorts.spans", "at least 1"),
    ],
)
def test_bad_spans_are_a_400_naming_the_span(
    pipeline_api: Client, pipeline_tenant: TenantHandle, shorts: dict[str, object], field: str, words: str
) -> None:
    response = create(
        pipeline_api, pipeline_tenant, job_body(capabilities=["transcription", "shorts"], options={"shorts": shorts})
    )
    assert response.status_code == 400, response.json
    details = response.json["error"]["details"]
    assert any(d["field"] == field and words in d["message"] for d in details), details
