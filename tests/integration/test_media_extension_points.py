"""The extension points preview and comments stand on, proven by extending through them alone: a
capability declared here, in the test and nowhere else, that reads the shots and the media file
and writes its own files (a montage and a storyboard, as preview does) is planned, computed in the
analysis step, its files kept and presigned on read; and one that needs the site's comments (as
comments does), with options deriving from ``CommentsRequest``, has ingestion read that many
comments for it — neither the workers, the ASL nor ingestion ever heard of either."""

from __future__ import annotations

import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from pydantic import BaseModel
from werkzeug.test import Client

from infra.local.serve import SAMPLE_DIR
from tests.integration.conftest import TenantHandle, run_to_end
from tests.integration.test_vision import film  # noqa: F401 - the generated film and its server
from tests.support.comment_site import comment, talk_site_plugin, write_talk
from tests.support.media_server import MediaServer, serving
from tests.support.vision_media import VideoTruth
from vidscope import capabilities
from vidscope.capabilities.base import Capability, Inputs, Need, NoOptions, Note, Options
from vidscope.jobs.plan import plan_for
from vidscope.text.comments import CommentsRequest


class ShotOpenings(BaseModel):
    url: str  # a link field: the montage
    thumbnail_url: str  # the storyboard sheet
    shots: int
    tiles: int


def _openings(inputs: Inputs, _options: NoOptions) -> ShotOpenings:
    from vidscope.editing.clips import render_montage
    from vidscope.editing.storyboard import render_storyboard

    source = inputs.media.fetch()
    shots = inputs.vision.shots[:3]
    render_montage(
        source,
        source.with_name("openings.mp4"),
        spans=[(s.start, min(s.start + 1.0, s.end)) for s in shots],
        max_side=320,
        billed_seconds=inputs.duration_seconds,
    )
    board = render_storyboard(source, source.with_name("board.jpg"), duration_seconds=inputs.duration_seconds)
    return ShotOpenings(
        url=inputs.media.store(source.with_name("openings.mp4"), "openings/openings.mp4"),
        thumbnail_url=inputs.media.store(source.with_name("board.jpg"), "openings/board.jpg"),
        shots=len(shots),
        tiles=len(board.tiles),
    )


SHOT_OPENINGS: Capability[NoOptions, ShotOpenings] = Capability(
    name="shot_openings",
    description="The first second of the first three shots, in one clip, and a storyboard",
    credits_per_minute=1,
    needs=frozenset({Need.FRAMES, Need.SHOTS, Need.MEDIA, Need.VIDEO_FILE}),
    options=NoOptions,
    result=ShotOpenings,
    compute=_openings,
    render=lambda r: [f"{r.shots} shot openings: {r.url}"],
)


class CommentersOptions(Options, CommentsRequest):
    """How many comments ingestion reads for it: the plan finds the count by its model alone."""


class Commenter(BaseModel):
    author: str
    comments: int


class Commenters(BaseModel):
    authors: list[Commenter]


def _commenters(inputs: Inputs, _options: CommentersOptions) -> Commenters:
    counts = Counter(c.author or "anonymous" for c in inputs.site_comments.items)
    return Commenters(authors=[Commenter(author=a, comments=n) for a, n in sorted(counts.items())])


COMMENTERS: Capability[CommentersOptions, Commenters] = Capability(
    name="commenters",
    description="Who commented, and how often",
    credits_per_minute=1,
    needs=frozenset({Need.SITE_COMMENTS}),
    options=CommentersOptions,
    result=Commenters,
    compute=_commenters,
    paged="authors",
    when_empty=lambda _options, _duration: Note(code="NO_COMMENTERS", message="nobody commented"),
    render=lambda r: [f"{c.author}: {c.comments}" for c in r.authors],
)


@pytest.fixture
def shot_openings() -> Iterator[Capability[NoOptions, ShotOpenings]]:
    with capabilities.registered(SHOT_OPENINGS) as capability:
        yield capability


@pytest.fixture
def commenters() -> Iterator[Capability[CommentersOptions, Commenters]]:
    with capabilities.registered(COMMENTERS) as capability:
        yield capability


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the local S3's presigned URL
        body: bytes = response.read()
    return body


def test_an_analysis_declared_in_a_test_alone_cuts_the_media_and_serves_its_files(
    pipeline_api: Client,
    pipeline_tenant: TenantHandle,
    film: tuple[MediaServer, VideoTruth],  # noqa: F811
    shot_openings: Capability[NoOptions, ShotOpenings],
    tmp_path: Path,
) -> None:
    server, _ = film
    job = run_to_end(pipeline_api, pipeline_tenant, server.url("film.mp4"), [shot_openings.name])
    assert job["status"] == "completed", job.get("error")
    assert not job.get("capability_errors") and job["cost_breakdown"] == {shot_openings.name: 1}
    result = job["results"][shot_openings.name]
    assert result["shots"] == 3 and result["tiles"] >= 10
    (tmp_path / "openings.mp4").write_bytes(_fetch(result["url"]))
    with av.open(str(tmp_path / "openings.mp4")) as clip:
        assert clip.duration is not None and 2.5 <= clip.duration / av.time_base <= 3.2
    sheet = cv2.imdecode(np.frombuffer(_fetch(result["thumbnail_url"]), np.uint8), cv2.IMREAD_COLOR)
    assert sheet is not None and sheet.mean() > 20


def test_a_capability_declared_in_a_test_alone_gets_the_site_comments_it_needs(
    pipeline_api: Client,
    pipeline_tenant: TenantHandle,
    commenters: Capability[CommentersOptions, Commenters],
    tmp_path: Path,
) -> None:
    write_talk(tmp_path, "chatty", SAMPLE_DIR / "speech.mp4", comments=[comment(n) for n in range(1, 131)])
    # The plan finds how many comments to read by the options' model alone. (The API's request
    # model is built when it loads, before a test registers a capability: this one takes its
    # options' defaults there, 100 comments.)
    plan = plan_for([commenters.name], {commenters.name: {"max_comments": 14}})
    assert plan.comments == CommentsRequest(max_comments=14) and plan.stages == ("ingestion", "analysis", "merging")
    with serving(tmp_path) as server, talk_site_plugin():
        job = run_to_end(pipeline_api, pipeline_tenant, server.url("talks/chatty"), [commenters.name])
    assert job["status"] == "completed", job.get("error")
    assert not job.get("capability_errors") and not job.get("notes")
    # 100 of the 130 comments read (comment(n)'s author is "viewer {n % 7}").
    counts = Counter(f"viewer {n % 7}" for n in range(1, 101))
    assert job["results"][commenters.name]["authors"] == [
        {"author": author, "comments": counts[author]} for author in sorted(counts)
    ]
