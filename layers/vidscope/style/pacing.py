"""Pacing from shot spans (the vision stage's shots): how long shots last and how often they cut."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vidscope.style.models import PacingStyle


def pacing_style(spans: Sequence[tuple[float, float]], duration_seconds: float) -> PacingStyle | None:
    """The pacing of shots given as (start, end) seconds over media ``duration_seconds`` long;
    None without shots."""
    lengths = np.array([max(0.0, end - start) for start, end in spans])
    if not len(lengths):
        return None
    minutes = duration_seconds / 60
    return PacingStyle(
        shot_count=len(lengths),
        shot_seconds_mean=float(lengths.mean()),
        shot_seconds_median=float(np.median(lengths)),
        shot_seconds_p90=float(np.percentile(lengths, 90)),
        cuts_per_minute=(len(lengths) - 1) / minutes if minutes > 0 else 0.0,
    )
