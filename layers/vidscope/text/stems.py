"""English stems and stop words (sumy's), built once per process for every text engine that
compares words: the summarizers' LexRank, chapters' lexical cohesion and shorts' topics."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache


@cache
def english() -> tuple[Callable[[str], str], frozenset[str]]:
    """The stemmer and the stop words."""
    from sumy.nlp.stemmers import Stemmer  # deferred: the analysis image's text libraries
    from sumy.utils import get_stop_words

    return Stemmer("english"), frozenset(get_stop_words("english"))
