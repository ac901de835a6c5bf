"""Speaker turns onto a transcript: segments cut at a change between their words, the speakers'
talk time, the utterances, and subtitles that name the speaker."""

from __future__ import annotations

from vidscope.pipeline.speakers import Turn, cluster, label
from vidscope.transcripts import Segment, Transcript, Word, to_srt, to_vtt


def _segment(start: float, words: list[tuple[float, float, str]]) -> Segment:
    timed = [Word(start=a, end=b, word=w) for a, b, w in words]
    return Segment(start=start, end=timed[-1].end, text=" ".join(w.word for w in timed), words=timed)


def test_a_segment_is_cut_where_the_speaker_changes_between_its_words() -> None:
    # Given one segment whose last two words another voice says, and a second by the first voice
    transcript = Transcript.from_segments(
        [
            _segment(
                0.0,
                [
                    (0.0, 0.5, "Shall"),
                    (0.5, 1.0, "we"),
                    (1.0, 1.5, "start?"),
                    (2.0, 2.4, "Yes,"),
                    (2.4, 3.0, "please."),
                ],
            ),
            _segment(3.5, [(3.5, 4.0, "Good."), (4.0, 4.5, "Then")]),
        ],
        language="en",
        duration_seconds=5,
    )
    turns = [Turn(0.0, 1.8, 1), Turn(1.8, 3.2, 0), Turn(3.2, 5.0, 1)]
    labelled = label(transcript, turns)
    # Then the first voice to speak is A, and the segment is cut between "start?" and "Yes,"
    assert [(s.speaker, s.text) for s in labelled.segments] == [
        ("A", "Shall we start?"),
        ("B", "Yes, please."),
        ("A", "Good. Then"),
    ]
    assert labelled.segments[1].start == 2.0 and labelled.segments[0].end == 1.5
    assert all(w.speaker == s.speaker for s in labelled.segments for w in s.words or [])
    assert [(s.id, s.talk_seconds) for s in labelled.speakers or []] == [("A", 2.5), ("B", 1.0)]
    assert [(u.speaker, u.start, u.end) for u in labelled.utterances or []] == [
        ("A", 0.0, 1.5),
        ("B", 2.0, 3.0),
        ("A", 3.5, 4.5),
    ]
    assert "[Speaker B] Yes, please." in to_srt(labelled)
    assert "<v Speaker A>Shall we start?" in to_vtt(labelled)


def test_a_lone_word_between_one_speakers_words_stays_theirs() -> None:
    transcript = Transcript.from_segments(
        [_segment(0.0, [(0.0, 0.5, "one"), (0.5, 0.7, "two"), (0.7, 1.2, "three")])], language="en", duration_seconds=2
    )
    labelled = label(transcript, [Turn(0.0, 0.5, 0), Turn(0.5, 0.7, 1), Turn(0.7, 2.0, 0)])
    assert [(s.speaker, s.text) for s in labelled.segments] == [("A", "one two three")]


def test_no_speech_gives_no_speakers_and_unlabelled_subtitles_stay_plain() -> None:
    transcript = Transcript.from_segments([], language="und", duration_seconds=3)
    labelled = label(transcript, [])
    assert labelled.speakers == [] and labelled.utterances == []
    plain = Transcript.from_segments([Segment(start=0, end=1, text="Hi.")], language="en", duration_seconds=1)
    assert "Speaker" not in to_srt(plain) + to_vtt(plain)


def test_clustering_estimates_the_count_from_the_eigengap_unless_given() -> None:
    import numpy as np

    # Given d-vectors of three voices (unit vectors near three directions)
    rng = np.random.default_rng(3)
    centres = np.eye(8)[:3]
    vectors = np.concatenate([c + 0.15 * rng.standard_normal((12, 8)) for c in centres])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = cluster(vectors)
    assert len(set(labels)) == 3
    assert all(len(set(labels[i * 12 : (i + 1) * 12])) == 1 for i in range(3))
    assert len(set(cluster(vectors, expected=2))) == 2 and len(set(cluster(vectors, expected=1))) == 1
