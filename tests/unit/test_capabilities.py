"""A capability is one module (DESIGN §3b): the registry, the workflow's routing, the function
list, pricing and the API's models all read its declaration and agree; one the workflow could
not run cannot be registered."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from infra import workflow_definition
from tests.support.required_options import required_options
from vidscope import capabilities, catalog
from vidscope.access import Access
from vidscope.capabilities import REGISTRY, UnroutableCapability
from vidscope.capabilities.base import PRODUCED_BY, Capability, Inputs, NoOptions, Note, ResultOf, RunsIn
from vidscope.functions import WORKFLOW_FUNCTIONS, function
from vidscope.jobs.capability_models import CreateJobRequest, job_options_model, job_results_model
from vidscope.jobs.plan import MEDIA_STAGES, plan_for
from vidscope.models import UNPLANNED_STAGES, Stage
from vidscope.transcripts import Segment, Transcript
from vidscope.vision.request import ShotDetection, Stills, VisionRequest

PACKAGE = Path(capabilities.__file__).parent


def _asl() -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(workflow_definition.ASL_PATH.read_text())
    return definition


def test_every_capability_module_is_registered_under_its_own_name() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_") and p.stem != "base"}
    assert set(REGISTRY) == modules
    assert {"transcription", "summary", "brands", "language"} <= modules


def test_the_analysis_stage_is_one_generic_step_that_runs_whatever_the_plan_names() -> None:
    states = _asl()["States"]
    analyze = states["Analyze"]
    # The plan's analyses as ingestion hands them on (none when the job reuses results).
    assert analyze["Type"] == "Map" and analyze["ItemsPath"] == "$.media.analyses"
    assert states["Ingest"]["Parameters"]["analyses.$"] == "$.plan.analyses"
    inner = analyze["ItemProcessor"]["States"]
    tasks = {name: s for name, s in inner.items() if s["Type"] == "Task"}
    # One Task per function, never per capability: the analysis function, and the render function
    # it hands a capability that encodes video to (a Catch, so other jobs pay no transition for it).
    assert analyze["ItemProcessor"]["StartAt"] == "RunAnalysis"
    assert tasks["RunAnalysis"]["Resource"] == "${" + str(function("analyze").placeholder) + "}"
    assert tasks["RunRender"]["Resource"] == "${" + str(function("render").placeholder) + "}"
    assert tasks["RunAnalysis"]["Catch"][0] == {
        "ErrorEquals": ["RunsOnRenderFunction"],
        "ResultPath": None,
        "Next": "RunRender",
    }
    assert not [s for s in inner.values() if s["Type"] == "Choice"]
    # No Choice in the machine routes on a capability's name: the media stages run one Map
    # iteration each, over the stages ingestion picked from the plan.
    assert not [s for s in states.values() if s["Type"] == "Choice"]
    media = states["ProcessMedia"]
    assert media["Type"] == "Map" and media["ItemsPath"] == "$.media.media_stages"
    [route] = [s for s in media["ItemProcessor"]["States"].values() if s["Type"] == "Choice"]
    assert [c["Variable"] for c in route["Choices"]] == ["$.stage"]


def test_registry_asl_and_function_list_agree() -> None:
    states = _asl()["States"]
    analyzer, renderer = function("analyze"), function("render")
    # Each function holds what each capability it computes declares it needs, and no other's.
    for capability in REGISTRY.values():
        if capability.runs_in is RunsIn.ANALYSIS:
            assert capability.access <= analyzer.access, capability.name
        if capability.runs_in is RunsIn.RENDER:
            assert capability.access <= renderer.access, capability.name
    rendered = {a for c in REGISTRY.values() if c.runs_in is RunsIn.RENDER for a in c.access}
    analysed = {a for c in REGISTRY.values() if c.runs_in is RunsIn.ANALYSIS for a in c.access}
    assert not (analysed - rendered) & renderer.access
    # The same stage reads and writes, and the job's progress (a render's steps) where it reads none.
    assert renderer.access - rendered == (analyzer.access - analysed) | {Access.UPDATE_JOBS}
    # Every need is made by a stage the state machine has.
    stage_states = {"ingestion": "Ingest", "transcription": "Transcribe", "vision": "See"}
    media_states = states["ProcessMedia"]["ItemProcessor"]["States"]
    assert {stage_states[stage] for stage in PRODUCED_BY.values()} <= set(media_states) | {"Ingest"}
    assert set(PRODUCED_BY.values()) <= {s.value for s in MEDIA_STAGES} | {"ingestion"}
    # Every function placeholder the ASL uses is a function of the list, and each of those is used.
    used = set(re.findall(r"\$\{(\w+FunctionArn)\}", workflow_definition.ASL_PATH.read_text()))
    assert used == {f.placeholder for f in WORKFLOW_FUNCTIONS}


def test_the_api_models_have_one_typed_property_per_capability() -> None:
    results = job_results_model()
    options = job_options_model()
    for model in (options, results):
        assert set(model.model_fields) == set(REGISTRY)
    assert CreateJobRequest.model_json_schema()["properties"]["capabilities"]["items"]["enum"] == list(REGISTRY)
    for name, capability in REGISTRY.items():
        assert results.model_fields[name].annotation == capability.result_model | None
        assert options.model_fields[name].annotation == capability.options | None


class _Nothing(BaseModel):
    value: int
    items: list[int] = []


def _capability(**overrides: Any) -> Capability[Any, Any]:
    base: Capability[Any, Any] = Capability(
        name="probe",
        description="a test capability",
        credits_per_minute=1,
        needs=frozenset(),
        options=NoOptions,
        result=_Nothing,
        compute=lambda inputs, options: _Nothing(value=1),
        render=lambda result: [str(result.value)],
    )
    return replace(base, **overrides)


def _empty(_options: Any, _duration: float) -> Note:
    return Note(code="NOTHING", message="nothing")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"needs": frozenset({"smell"})}, "no stage of the workflow makes"),
        ({"credits_per_minute": 0}, "no price"),
        ({"runs_in": RunsIn.MERGING, "access": frozenset({"bedrock:invoke"})}, "holds no extra grants"),
        ({"access": frozenset({"media:read"})}, "the step's own"),
        ({"paged": "value"}, "not a list field"),
        ({"paged": "itmes", "when_empty": _empty}, "not a list field"),
        ({"paged": ""}, "not a list"),
        ({"paged": "items"}, "declare when_empty"),
        ({"names_jobs": True}, "declare paged"),
        ({"needs": frozenset({ResultOf("nowhere")})}, "not registered"),
        ({"needs": frozenset({ResultOf("summary")})}, "computed while merging"),
    ],
)
def test_a_declaration_that_anything_downstream_would_trip_on_cannot_be_registered(
    overrides: dict[str, Any], reason: str
) -> None:
    with pytest.raises(UnroutableCapability, match=reason):
        capabilities.register(_capability(**overrides))
    assert "probe" not in REGISTRY
    with capabilities.registered(_capability(paged="items", when_empty=_empty)):  # the same, routable, is fine
        assert "probe" in REGISTRY
    assert "probe" not in REGISTRY


def test_every_result_declared_by_reference_is_a_model_the_api_can_serve() -> None:
    # A result named "module:Name" is checked when first used, not at registration (create_job
    # never loads results): this resolves and checks every capability's here.
    by_reference = [c for c in REGISTRY.values() if isinstance(c.result, str)]
    assert by_reference
    for capability in by_reference:
        model = capability.result_model
        assert issubclass(model, BaseModel) and f"{model.__module__}:{model.__name__}" == capability.result


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"result": f"{__name__}:_empty"}, "is not a model"),
        ({"result": f"{__name__}:_Nothing", "paged": "value", "when_empty": _empty}, "not a list field"),
        ({"result": f"{__name__}:_Nothing", "paged": "", "when_empty": _empty}, "not a list"),
    ],
)
def test_a_result_declared_by_reference_that_the_api_could_not_serve_fails_on_first_use(
    overrides: dict[str, Any], reason: str
) -> None:
    with capabilities.registered(_capability(**overrides)) as probe, pytest.raises(UnroutableCapability, match=reason):
        probe.result_model  # noqa: B018 - resolving it is what is tested


def test_a_result_read_from_another_capability_is_computed_from_the_same_stage_outputs() -> None:
    reader = _capability(
        needs=frozenset({ResultOf("transcription")}),
        compute=lambda inputs, options: _Nothing(value=inputs.result(REGISTRY["transcription"]).word_count),
    )
    transcript = Transcript.from_segments(
        [Segment(start=0, end=2, text="two words")], language="en", duration_seconds=2
    )
    with capabilities.registered(reader):
        assert capabilities.needed(reader) == {"audio", "transcript"}
        assert plan_for(["probe"]).stages == (Stage.INGESTION, Stage.TRANSCRIPTION, Stage.ANALYSIS, Stage.MERGING)
        result = capabilities.compute(reader, Inputs(duration_seconds=2, transcript=transcript), {})
    assert result == {"value": 2, "items": []}


def test_the_plan_runs_only_the_stages_the_capabilities_need() -> None:
    assert plan_for(["transcription"]).stages == (Stage.INGESTION, Stage.TRANSCRIPTION, Stage.MERGING)
    assert plan_for(["transcription"]).analyses == ()
    speech_only = {"brands": {"sources": ["speech"]}}
    full = plan_for(["transcription", "summary", "brands"], speech_only)
    assert full.stages == UNPLANNED_STAGES and full.analyses == ("summary", "brands")
    assert plan_for(["language"]).stages == UNPLANNED_STAGES and plan_for(["language"]).analyses == ("language",)
    # Brands read the speech and the screen by default, side by side; the speech alone when asked.
    with_vision = (Stage.INGESTION, Stage.TRANSCRIPTION, Stage.VISION, Stage.ANALYSIS, Stage.MERGING)
    assert plan_for(["brands"]).stages == with_vision and plan_for(["brands"]).vision.read_text
    assert plan_for(["brands"], {"brands": {"sources": ["on_screen", "speech"]}}).stages == with_vision
    # Frames alone: no transcription, and the frame capabilities merge without an analysis step.
    shots = plan_for(["shots", "thumbnails", "on_screen_text"])
    assert shots.stages == (Stage.INGESTION, Stage.VISION, Stage.MERGING) and shots.analyses == ()
    # Ingestion fetches the pictures only for a plan that looks at them or hands them out.
    assert not plan_for(["transcription", "summary"]).video and plan_for(["shots"]).video
    assert plan_for(["download"]).video and not plan_for(["download"], {"download": {"format": "m4a"}}).video
    assert plan_for(["shorts"]).video  # to cut clips from (and, unrendered, its shots see the video anyway)
    # Chapters read the shots' result (the vision stage runs), and do without on a podcast.
    assert plan_for(["chapters"]).stages == with_vision and not plan_for(["chapters"]).vision.read_text


def test_the_vision_stage_is_handed_what_the_plan_needs_as_data() -> None:
    """Needs and options models, never names: the stage's parameters come from options that derive
    from its own models, and reading text from the need for it."""
    assert plan_for(["shots"]).vision == VisionRequest()
    assert plan_for(["on_screen_text"]).vision == VisionRequest(read_text=True)
    assert plan_for(["fingerprint"]).vision == VisionRequest(hash_frames=True)  # used, so vision runs
    options = {"shots": {"detector": "content", "min_seconds": 2.0}, "thumbnails": {"width": 320, "format": "png"}}
    assert plan_for(["thumbnails", "shots", "brands"], options).vision == VisionRequest(
        read_text=True,
        shots=ShotDetection(detector="content", min_seconds=2.0),
        stills=[Stills(width=320, format="png")],
    )


def test_prices_are_per_capability_per_started_minute() -> None:
    # The price list clients are told (README, DESIGN §3); a change here is a change of prices.
    assert {name: c.credits_per_minute for name, c in REGISTRY.items()} == {
        "transcription": 2,
        "brands": 1,
        "fingerprint": 1,
        "chapters": 1,
        "comments": 1,
        "extract": 2,
        "download": 1,
        "language": 1,
        "on_screen_text": 2,
        "preview": 1,
        "shots": 1,
        "shorts": 2,
        "style": 3,
        "summary": 1,
        "thumbnails": 1,
        "translation": 2,
    }
    assert catalog.cost_breakdown(["transcription", "summary"], 61) == {"transcription": 4, "summary": 2}
    # What stores the file is priced by its size too, when that comes to more (issue 23: 64 MB of
    # pictures with a second of sound stored for 1 credit): a credit per started 32 MiB.
    assert {name: c.mib_per_credit for name, c in REGISTRY.items() if c.mib_per_credit} == {"download": 32}
    mib = 2**20
    assert catalog.cost_breakdown(["download", "transcription"], 1, size_bytes=64 * 10**6) == {
        "download": 2,
        "transcription": 2,
    }
    assert catalog.cost_breakdown(["download"], 600, size_bytes=190 * mib) == {"download": 10}  # minutes win
    assert catalog.cost_breakdown(["download"], 1, size_bytes=2 * 1024 * mib) == {"download": 64}
    assert catalog.minimum_credits(["download"]) == 1  # the hold at creation: one minute, no bytes yet


def test_options_are_strict_and_filled_with_defaults() -> None:
    request = CreateJobRequest.model_validate(
        {"url": "https://example.com/v.mp4", "capabilities": ["brands", "summary"], "return_proof": True}
    )
    assert request.capability_options() == {
        "brands": {"return_proof": True, "sources": None},
        "summary": {},
    }
    # The alias keeps the flag in step with the option, and leaves the other brands options alone.
    both = {"return_proof": True, "sources": ["speech", "on_screen"]}
    for body in (
        {"options": {"brands": both}},
        {"options": {"brands": {"sources": both["sources"]}}, "return_proof": True},
    ):
        kept = CreateJobRequest.model_validate({"url": "https://example.com/v.mp4", "capabilities": ["brands"], **body})
        assert kept.capability_options() == {"brands": both} and kept.return_proof
    spelled = CreateJobRequest.model_validate(
        {
            "url": "https://example.com/v.mp4",
            "capabilities": ["brands", "summary"],
            "options": {"brands": {"return_proof": True}},
        }
    )
    # Either spelling is the same request (and so the same idempotency fingerprint).
    assert spelled.model_dump(mode="json") == request.model_dump(mode="json")


def test_language_reads_the_transcripts_words_when_the_model_did_not_detect_it() -> None:
    def run(text: str) -> Any:
        transcript = Transcript.from_segments([Segment(start=0, end=5, text=text)], language="en", duration_seconds=5)
        return REGISTRY["language"].run(Inputs(duration_seconds=5, transcript=transcript), None)

    german = run("Der schnelle braune Fuchs springt über den faulen Hund und ist dann weg.")
    assert (german["language"], german["source"]) == ("de", "text")
    assert run("The quick brown fox jumps over the lazy dog and then it is gone.")["language"] == "en"
    assert run("これは日本語の文章です。")["language"] == "ja"
    assert run("") == {"language": "und", "confidence": 0.0, "source": "none", "candidates": []}


def test_language_reports_the_audio_detection_when_transcription_made_one() -> None:
    # Given a transcript whose model heard French from the audio (its words, mis-heard, look English)
    transcript = Transcript.from_segments(
        [Segment(start=0, end=5, text="The quick brown fox jumps over the lazy dog.")],
        language="fr",
        duration_seconds=5,
        language_confidence=0.82,
    )
    # When the language capability runs
    result = REGISTRY["language"].run(Inputs(duration_seconds=5, transcript=transcript), None)
    # Then it reports what the audio said, and says so
    assert result == {
        "language": "fr",
        "confidence": 0.82,
        "source": "audio",
        "candidates": [{"language": "fr", "score": 0.82}],
    }


def test_every_capability_is_accepted_with_the_options_tests_and_benchmarks_give() -> None:
    # A capability whose options refuse {} must be in tests/support/required_options.py, or the
    # benchmarks' every-capability job (bench/cost.py) is refused at creation.
    names = list(REGISTRY)
    request = CreateJobRequest.model_validate(
        {"url": "https://example.com/talk.mp4", "capabilities": names, "options": required_options(names)}
    )
    assert request.capabilities == names


class _Loud(NoOptions):
    volume: int = 1


class _Quiet(NoOptions):
    hush: bool = False


def test_a_registered_capability_s_options_are_validated_by_its_own_model_each_time() -> None:
    # An extension's options are validated as a built-in's; registered again under the same name
    # with other options, the new model applies (the narrowed JobOptions are cached by model).
    def ask(options: dict[str, Any]) -> CreateJobRequest:
        body = {"url": "https://example.com/v.mp4", "capabilities": ["probe"], "options": {"probe": options}}
        return CreateJobRequest.model_validate(body)

    with capabilities.registered(_capability(options=_Loud)):
        assert ask({"volume": 3}).capability_options() == {"probe": {"volume": 3}}
        with pytest.raises(ValueError, match=r"options\.probe\.hush"):
            ask({"hush": True})
    with capabilities.registered(_capability(options=_Quiet)):
        assert ask({"hush": True}).capability_options() == {"probe": {"hush": True}}
        with pytest.raises(ValueError, match=r"options\.probe\.volume"):
            ask({"volume": 3})
