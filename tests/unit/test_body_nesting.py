"""The nesting bound the API applies before anything parses a body."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vidscope.api.http import MAX_BODY_NESTING, nesting_depth_exceeds


def depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:'),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(alphabet='[]{}"\\ab'), children, max_size=3)
    ),
    max_leaves=60,
)


@settings(max_examples=300, derandomize=True)
@given(value=json_values, limit=st.integers(1, 8))
def test_the_bound_is_exact_for_well_formed_json(value: object, limit: int) -> None:
    assert nesting_depth_exceeds(json.dumps(value), limit) == (depth(value) > limit)


@pytest.mark.parametrize(
    ("text", "too_deep"),
    [
        ("[" * MAX_BODY_NESTING + "]" * MAX_BODY_NESTING, False),
        ("[" * (MAX_BODY_NESTING + 1) + "]" * (MAX_BODY_NESTING + 1), True),
        ("[" * 100_000, True),  # never closes: json.loads would recurse until RecursionError
        ('"' + "[" * 100_000, False),  # an unterminated string: invalid, but not deep
        ('["' + "\\" * 3 + '"' + "[" * 40 + '"]', False),  # escaped quotes keep the string open
    ],
)
def test_edges(text: str, too_deep: bool) -> None:
    assert nesting_depth_exceeds(text) is too_deep
