"""The extension points, proven by extending through them alone (DESIGN §5: stages compute from
needs, never from names): a capability declared here, in the test and nowhere else, is planned,
seen by the vision stage (in its own process, which never heard of it), computed, merged,
charged and served; and what the registry's conventions promise clients holds on the whole stack
(brands look at the screen of a video by default, an empty result says why, options that cannot
fit the media are refused before any work and not charged, a list that names jobs names only
those whose results can be read)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel
from werkzeug.test import Client

from infra.local.stack import LocalStack
from tests.integration.conftest import FIXTURES, TenantHandle, new_tenant, run_to_end
from tests.integration.test_vision import film  # noqa: F401 - the generated film and its server
from tests.support.media_server import MediaServer
from tests.support.vision_media import VideoTruth
from vidscope import capabilities, dependencies
from vidscope.adapters.media_store import result_key
from vidscope.capabilities.base import Capability, Inputs, Need, NoOptions, Note, RunsIn, SecondMedia


class WordsOnScreen(BaseModel):
    total_words: int
    words: list[str]


def _count_words(inputs: Inputs, _options: NoOptions) -> WordsOnScreen:
    words = [word for item in inputs.vision.text for word in item.text.split()]
    return WordsOnScreen(total_words=len(words), words=words)


# A frame capability as a new developer would write one: it needs on-screen text, and nothing in
# the workflow, the vision worker or the ASL names it.
WORDS_ON_SCREEN: Capability[NoOptions, WordsOnScreen] = Capability(
    name="words_on_screen",
    description="How many words are read on screen",
    credits_per_minute=1,
    needs=frozenset({Need.FRAMES, Need.ON_SCREEN_TEXT}),
    options=NoOptions,
    result=WordsOnScreen,
    compute=_count_words,
    paged="words",
    when_empty=lambda _options, _duration: Note(code="NO_TEXT_ON_SCREEN", message="no word was read on screen"),
    render=lambda r: [f"{r.total_words} words on screen"],
)


@pytest.fixture
def words_on_screen() -> Iterator[Capability[NoOptions, WordsOnScreen]]:
    with capabilities.registered(WORDS_ON_SCREEN) as capability:
        yield capability


def _run(api: Client, tenant: TenantHandle, url: str, capabilities: list[str], **body: Any) -> dict[str, Any]:
    job = run_to_end(api, tenant, url, capabilities, **body)
    assert job["status"] == "completed", job.get("error")
    return job


def test_a_frame_capability_declared_in_a_test_alone_gets_the_text_it_needs(
    pipeline_api: Client,
    pipeline_tenant: TenantHandle,
    film: tuple[MediaServer, VideoTruth],  # noqa: F811
    words_on_screen: Capability[NoOptions, WordsOnScreen],
) -> None:
    server, truth = film
    job = _run(pipeline_api, pipeline_tenant, server.url("film.mp4"), [words_on_screen.name])
    result = job["results"][words_on_screen.name]
    read = " ".join(result["words"]).upper()
    for shown in truth.texts:  # every burned-in word, asked for alone
        assert all(word in read for word in shown.text.split()), (shown.text, result)
    assert result["total_words"] == len(result["words"]) > 0
    assert job["cost_breakdown"] == {words_on_screen.name: 1} and job["credits_charged"] == 1
    assert not job.get("notes") and not job.get("capability_errors")
    paged = pipeline_api.get(
        f"/v1/jobs/{job['job_id']}/results/{words_on_screen.name}?limit=1", headers=pipeline_tenant.headers
    ).json["data"]
    assert paged["total"] == len(result["words"]) and len(paged["results"][words_on_screen.name]["words"]) == 1


def test_brands_on_a_video_read_the_screen_by_default_and_on_audio_the_speech(
    pipeline_api: Client,
    pipeline_tenant: TenantHandle,
    film: tuple[MediaServer, VideoTruth],  # noqa: F811
    local_stack: LocalStack,
) -> None:
    server, _ = film
    seen = _run(pipeline_api, pipeline_tenant, server.url("film.mp4"), ["brands"], return_proof=True)
    brands = {b["name"]: b for b in seen["results"]["brands"]}
    # Pepsi is shown and never said; Adidas is said and never shown.
    assert {p["source"] for p in brands["Pepsi"]["proof"]} == {"on_screen"}
    assert {p["source"] for p in brands["Adidas"]["proof"]} == {"speech"}
    heard = _run(pipeline_api, pipeline_tenant, server.url("speech.m4a"), ["transcription", "summary", "brands"])
    assert {b["name"] for b in heard["results"]["brands"]} >= {"Adidas"} and not heard.get("capability_errors")
    # The transition budgets (DESIGN §9): <= 10 when brands read a video's screen, <= 8 on audio.
    assert local_stack.state_transitions(seen["job_id"]) <= 8 + 2
    assert local_stack.state_transitions(heard["job_id"]) <= 8


def test_an_empty_result_says_why_and_options_that_cannot_fit_are_refused_uncharged(
    pipeline_api: Client,
    pipeline_tenant: TenantHandle,
    film: tuple[MediaServer, VideoTruth],  # noqa: F811
) -> None:
    server, _ = film
    job = _run(
        pipeline_api,
        pipeline_tenant,
        server.url("film.mp4"),
        ["on_screen_text", "shorts"],
        options={"on_screen_text": {"min_confidence": 1.0}, "shorts": {"min_seconds": 60, "max_seconds": 90}},
    )
    assert job["results"]["on_screen_text"] == {"total": 0, "items": []}
    assert [(n["capability"], n["code"]) for n in job["notes"]] == [("on_screen_text", "NO_TEXT_ON_SCREEN")]
    # Shorts of a minute or more cannot be cut from a 22-s film: refused at ingestion, not charged.
    assert [(e["capability"], e["code"]) for e in job["capability_errors"]] == [
        ("shorts", "MEDIA_SHORTER_THAN_MIN_SECONDS")
    ]
    assert "shorts" not in job["results"] and job["cost_breakdown"] == {"on_screen_text": 2}
    assert job["credits_charged"] == 2


class SecondLength(BaseModel):
    media_seconds: float
    reference_seconds: float
    reference_bytes: int


def _second_media_capability(name: str, url: str) -> Capability[Any, SecondLength]:
    """A capability that reads a second media file its options name, declared here alone: its
    options' default names the file (the job asks for it with no options)."""

    class ReferenceOptions(NoOptions):
        reference_url: str = url

    def lengths(inputs: Inputs, _options: ReferenceOptions) -> SecondLength:
        reference = inputs.second_media
        return SecondLength(
            media_seconds=inputs.duration_seconds,
            reference_seconds=reference.duration_seconds,
            reference_bytes=reference.fetch().stat().st_size,
        )

    return Capability(
        name=name,
        description="The length of a reference file beside the media's",
        credits_per_minute=1,
        needs=frozenset({Need.MEDIA}),
        options=ReferenceOptions,
        result=SecondLength,
        compute=lengths,
        second_media=lambda options: SecondMedia(role="reference", url=options.reference_url, needs_video=False),
        render=lambda r: [f"{r.reference_seconds:.1f} s beside {r.media_seconds:.1f} s"],
    )


@pytest.mark.parametrize(
    ("reference", "code"),
    [("speech.mp4", None), ("ninety-seconds.mp4", "REFERENCE_TOO_LONG"), ("missing.mp4", "REFERENCE_UNREACHABLE")],
)
def test_a_second_media_input_declared_in_a_test_alone_is_fetched_limited_and_priced(
    pipeline_api: Client, pipeline_tenant: TenantHandle, media_server: MediaServer, reference: str, code: str | None
) -> None:
    declared = _second_media_capability(f"reference_{(code or 'ok').lower()}", media_server.url(reference))
    with capabilities.registered(declared):
        job = _run(pipeline_api, pipeline_tenant, media_server.url("speech.mp4"), [declared.name, "language"])
    if code is not None:  # the capability fails alone, uncharged; the job's other capability completes
        assert [(e["capability"], e["code"]) for e in job["capability_errors"]] == [(declared.name, code)]
        assert job["cost_breakdown"] == {"language": 1}
        return
    assert not job.get("capability_errors")
    # Fetched by ingestion through the job's own downloader and limits, read by the analysis, and
    # priced on both files: a started minute of each.
    kept = dependencies.media_store().get_json(result_key(pipeline_tenant.tenant_id, job["job_id"], declared.name))
    assert kept["reference_seconds"] == pytest.approx(job["media"]["duration_seconds"], abs=0.1)
    assert kept["reference_bytes"] == (FIXTURES / "speech.mp4").stat().st_size
    assert job["cost_breakdown"] == {declared.name: 2, "language": 1}


def test_a_balance_short_of_the_second_media_fails_that_capability_alone_uncharged(
    pipeline_api: Client, media_server: MediaServer
) -> None:
    # Given a balance that holds the job's own minute (1 credit each) but not the reference's too
    tenant = new_tenant(credits=2, name="Frugal")
    declared = _second_media_capability("reference_short", media_server.url("speech.mp4"))
    with capabilities.registered(declared):
        job = _run(pipeline_api, tenant, media_server.url("speech.mp4"), [declared.name, "language"])
    [error] = job["capability_errors"]
    assert (error["capability"], error["code"]) == (declared.name, "INSUFFICIENT_CREDITS"), error
    assert "language" in job["results"] and declared.name not in job["results"]
    assert job["cost_breakdown"] == {"language": 1} and job["credits_charged"] == 1


class NamedJobs(BaseModel):
    jobs: list[dict[str, str]]


def _naming(name: str, job_ids: list[str]) -> Capability[NoOptions, NamedJobs]:
    """A capability whose result lists jobs (``names_jobs``), declared here alone: computed while
    merging from the transcript, it names the jobs it was given."""
    return Capability(
        name=name,
        description="Names some of the tenant's jobs",
        credits_per_minute=1,
        needs=frozenset({Need.TRANSCRIPT}),
        options=NoOptions,
        result=NamedJobs,
        compute=lambda _inputs, _options: NamedJobs(jobs=[{"job_id": job_id} for job_id in job_ids]),
        runs_in=RunsIn.MERGING,
        paged="jobs",
        when_empty=lambda _options, _duration: Note(code="NO_JOB", message="no job named can be read"),
        names_jobs=True,
        render=lambda r: [job["job_id"] for job in r.jobs],
    )


def test_a_list_that_names_jobs_declared_in_a_test_alone_keeps_those_whose_results_can_be_read(
    pipeline_api: Client, media_server: MediaServer
) -> None:
    # Given a completed job, a failed one (its media cannot be fetched) and one that never existed
    tenant = new_tenant(credits=100, name="Namer")
    completed = _run(pipeline_api, tenant, media_server.url("speech.mp4"), ["language"])
    failed = run_to_end(pipeline_api, tenant, media_server.url("missing.mp4"), ["language"])
    assert failed["status"] == "failed", failed
    named = [completed["job_id"], failed["job_id"], "job_00000000000000000000000000"]
    # When a capability whose list names all three runs
    declared = _naming("names_jobs", named)
    with capabilities.registered(declared):
        job = _run(pipeline_api, tenant, media_server.url("speech.mp4"), [declared.name])
    # Then its result names the completed job alone, as served and as paged
    assert job["results"][declared.name] == {"jobs": [{"job_id": completed["job_id"]}]}
    paged = pipeline_api.get(f"/v1/jobs/{job['job_id']}/results/{declared.name}", headers=tenant.headers)
    assert paged.json["data"]["total"] == 1, paged.json
    # And when none can be read, the list is empty and the job says why
    with capabilities.registered(_naming("names_no_job", named[1:])):
        empty = _run(pipeline_api, tenant, media_server.url("speech.mp4"), ["names_no_job"])
    assert empty["results"]["names_no_job"] == {"jobs": []}
    assert [(n["capability"], n["code"]) for n in empty["notes"]] == [("names_no_job", "NO_JOB")]
