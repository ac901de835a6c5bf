"""Speaker labels on the local stack: a two-voice espeak-ng dialogue comes back with two speakers,
their turns, at least 85 % of the speech time given to the right one, and subtitles that name
them; bad speaker options are 400s naming their path. English speech: the pipeline tests' tiny.en
hears it, and the speakers come from the audio, not from the model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.test import Client

from tests.integration.conftest import TenantHandle, assert_option_refused, run_to_end
from tests.support.media import dialogue_mp4
from tests.support.media_server import MediaServer, serving

# Two espeak-ng voices: a low male variant and a high female one.
FIRST, SECOND = ("en-us+m3", 40), ("en-us+f2", 70)
DIALOGUE = [
    (FIRST, "Good morning, thanks for joining the call today."),
    (SECOND, "Happy to be here. Shall we start with the budget?"),
    (FIRST, "Yes. The marketing budget grew by ten percent this year."),
    (SECOND, "That is more than we planned. What drove the increase?"),
    (FIRST, "Mostly the new video campaign and two trade shows in the spring."),
    (SECOND, "I see. Did the campaign bring in new customers?"),
    (FIRST, "It did. Sign ups doubled in the first month after the launch."),
    (SECOND, "Great. Let us keep that campaign running next quarter."),
]


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MediaServer, list[dict[str, Any]]]]:
    root = tmp_path_factory.mktemp("dialogue")
    said = dialogue_mp4([(voice, pitch, text) for (voice, pitch), text in DIALOGUE], root / "dialogue.mp4")
    with serving(root) as server:
        yield server, said


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def _right_share(segments: list[dict[str, Any]], said: list[dict[str, Any]]) -> float:
    """The share of the transcribed speech time whose segment's speaker is the voice that said it,
    under the best naming of speakers to voices (the labels' names are arbitrary). Over the speech
    the transcript holds: faster-whisper's batched decoding drops a whole line of this dialogue now
    and then (a transcription miss, not a speaker one; measured in bench/languages.py)."""
    time: dict[tuple[str, str], float] = {}
    for segment in segments:
        for line in said:
            key = (segment["speaker"], line["voice"])
            time[key] = time.get(key, 0.0) + _overlap((segment["start"], segment["end"]), (line["start"], line["end"]))
    voices = sorted({line["voice"] for line in said})
    labels = sorted({segment["speaker"] for segment in segments})
    best = max(
        sum(time.get((label, voice), 0.0) for label, voice in zip(labels, order, strict=False))
        for order in (voices, voices[::-1])
    )
    heard = sum(time.values())
    return best / heard


def _diarized(api: Client, tenant: TenantHandle, server: MediaServer, **options: Any) -> dict[str, Any]:
    job = run_to_end(api, tenant, server.url("dialogue.mp4"), ["transcription"], options={"transcription": options})
    assert job["status"] == "completed", job.get("error")
    return job


def test_a_two_voice_dialogue_comes_back_with_two_speakers_and_their_turns(
    pipeline_api: Client, pipeline_tenant: TenantHandle, dialogue: tuple[MediaServer, list[dict[str, Any]]]
) -> None:
    server, said = dialogue
    job = _diarized(pipeline_api, pipeline_tenant, server, speakers=True)
    transcript = job["results"]["transcription"]
    assert [s["id"] for s in transcript["speakers"]] == ["A", "B"]
    assert all(s["talk_seconds"] > 5 for s in transcript["speakers"])
    assert _right_share(transcript["segments"], said) >= 0.85
    spoken = sum(line["end"] - line["start"] for line in said)
    assert sum(s["end"] - s["start"] for s in transcript["segments"]) >= 0.7 * spoken
    # The turns alternate, as the dialogue does, and carry its words
    turns = transcript["utterances"]
    assert [u["speaker"] for u in turns] == ["A", "B"] * (len(turns) // 2) + ["A"] * (len(turns) % 2)
    assert len(turns) >= 6 and "budget" in turns[1]["text"].lower()
    # The subtitles name who speaks
    base = f"/v1/jobs/{job['job_id']}/transcript"
    srt = pipeline_api.get(f"{base}?format=srt", headers=pipeline_tenant.headers).get_data(as_text=True)
    assert "[Speaker A] Good morning" in srt and "[Speaker B]" in srt
    vtt = pipeline_api.get(f"{base}?format=vtt", headers=pipeline_tenant.headers).get_data(as_text=True)
    assert "<v Speaker A>" in vtt and "<v Speaker B>" in vtt


def test_speakers_expected_is_obeyed(
    pipeline_api: Client, pipeline_tenant: TenantHandle, dialogue: tuple[MediaServer, list[dict[str, Any]]]
) -> None:
    job = _diarized(pipeline_api, pipeline_tenant, dialogue[0], speakers=True, speakers_expected=1)
    transcript = job["results"]["transcription"]
    assert [s["id"] for s in transcript["speakers"]] == ["A"] and len(transcript["utterances"]) == 1


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"speakers": True, "speakers_expected": 0}, "options.transcription.speakers_expected"),
        ({"speakers": True, "speakers_expected": 11}, "options.transcription.speakers_expected"),
        ({"speakers": "yes"}, "options.transcription.speakers"),
        ({"speakers_expected": 2}, "options.transcription"),
    ],
)
def test_a_bad_speaker_option_is_400_naming_its_path(
    pipeline_api: Client, pipeline_tenant: TenantHandle, options: dict[str, Any], field: str
) -> None:
    assert_option_refused(pipeline_api, pipeline_tenant, "transcription", options, field)
