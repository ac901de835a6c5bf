"""Where stage outputs live decides how long a late write can outlive its job: what a stage
writes on the way is staged under the media prefix (expired by the bucket's lifecycle rule);
only merging writes under the results prefix, which lives as long as the job."""

from __future__ import annotations

import fnmatch

from vidscope.adapters import media_store


def test_stage_outputs_are_staged_under_the_expiring_media_prefix() -> None:
    assert media_store.staged_transcript_key("t", "j").startswith(media_store.MEDIA_PREFIX)
    assert media_store.analysis_key("t", "j", "summary").startswith(media_store.MEDIA_PREFIX)


def test_stage_outputs_match_their_grant_pattern_and_not_the_downloads() -> None:
    # fnmatch's "*" crosses "/" as IAM's does; the pattern is what a stage's grant names.
    pattern = media_store.staged_key("*", "*", "*")
    for key in (media_store.staged_transcript_key("t", "j"), media_store.analysis_key("t", "j", "summary")):
        assert fnmatch.fnmatchcase(key, pattern)
    assert not fnmatch.fnmatchcase(media_store.media_key("t", "j", ".mp4"), pattern)


def test_what_merging_keeps_lives_under_the_results_prefix_within_the_job_prefix() -> None:
    for key in (media_store.result_key("t", "j", "transcription"), media_store.result_key("t", "j", "summary")):
        assert key.startswith(media_store.job_prefix("t", "j"))
        assert not key.startswith(media_store.MEDIA_PREFIX)
        assert not fnmatch.fnmatchcase(key, media_store.staged_key("*", "*", "*"))
