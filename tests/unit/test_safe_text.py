"""Text from remote sites is cleaned, not refused: what is removed, what becomes a space, the cap."""

from __future__ import annotations

import pytest

from vidscope.safe_text import UNSAFE_TEXT, clean_remote_text


def test_escape_sequences_are_removed_whole_and_controls_and_bidi_characters_dropped() -> None:
    raw = "\u202eevil\x00 \x1b[1;31mred\x1b[0m \x1b]8;;https://x.example\x1b\\link\x1b]8;;\x07\u200f \x9b2Jend\x1b"
    assert clean_remote_text(raw, 300) == "evil red link end"


def test_line_breaks_and_tabs_become_one_space() -> None:
    assert clean_remote_text("  first\r\n\tsecond\x85third  ", 300) == "first second third"


def test_a_long_text_is_capped_with_an_ellipsis_within_the_limit() -> None:
    capped = clean_remote_text("word " * 100_000, 300)
    assert capped is not None and len(capped) <= 300 and capped.endswith("word…")


@pytest.mark.parametrize("raw", [None, 42, "", "\x00\u202e \x1b[0m"])
def test_nothing_left_or_no_string_is_none(raw: object) -> None:
    assert clean_remote_text(raw, 300) is None


def test_what_is_left_holds_no_unsafe_character() -> None:
    raw = "".join(chr(c) for c in range(0x00, 0x250)) + "\u202a\u2066\u2069\u061c\ud800"
    cleaned = clean_remote_text(raw, 10_000)
    assert cleaned is not None and not UNSAFE_TEXT.search(cleaned)
    assert "\u061c" not in cleaned
