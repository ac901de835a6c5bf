"""Text that may be stored or echoed: what it must not contain, and how an error spells it out.

Client text (metadata, file names, URLs) is refused when it holds characters that make it lie
about itself once shown; an error that quotes client input spells them out instead. Text from a
remote site (a page's title) is cleaned of them instead, and capped, before it is stored."""

from __future__ import annotations

import re

from pydantic_core import PydanticCustomError

# Characters that make echoed or stored text lie about itself: C0 and C1 controls (NUL, CR/LF,
# TAB, ESC, DEL, NEL), the bidi embeddings, overrides and isolates of "Trojan Source"
# (CVE-2021-42574), and lone surrogates, which JSON escapes can spell but no UTF-8 encoder takes.
_UNSAFE_CHARACTERS = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
UNSAFE_TEXT = re.compile(f"[{_UNSAFE_CHARACTERS}]")


def refuse_unsafe_text(value: str) -> str:
    """A pydantic validator: ``value`` unchanged, or an ``unsafe_text`` error naming the first
    unsafe character and where it is."""
    found = UNSAFE_TEXT.search(value)
    if found:
        raise PydanticCustomError(
            "unsafe_text",
            "must not contain control or bidirectional-formatting characters (U+{code} at position {position})",
            {"code": f"{ord(found.group()):04X}", "position": found.start()},
        )
    return value


def spell_out_unsafe(text: str) -> str:
    """``text`` with its unsafe characters written as ``\\uXXXX``, so an error never echoes them."""
    return UNSAFE_TEXT.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# Escape sequences a terminal acts on (ECMA-48): control sequences (ESC [ or CSI, parameters, a
# final byte) and terminated strings (ESC ], ESC P…: a title or a hyperlink set by OSC 8). Removed
# whole, so no "[31m" is left behind; a lone or unterminated ESC goes with the other controls.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[P\]X^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
)
# Besides UNSAFE_TEXT, the implicit bidi marks (LRM, RLM, ALM): they reorder what follows as well.
_UNSAFE_REMOTE_TEXT = re.compile(f"[{_UNSAFE_CHARACTERS}\u200e\u200f\u061c]")
_SPACES = re.compile(r"\s+")


def clean_remote_text(value: object, limit: int) -> str | None:
    """Text a remote site gave (a page's title), made fit to store and echo: escape sequences and
    control and bidi characters removed, line breaks and tabs made spaces, runs of spaces one, and
    at most ``limit`` characters (a longer text ends in "…"). None for anything but a string, and
    for a string with nothing left. A site's text is data: refusing it would fail the job over a
    page's wording, so it is cleaned rather than refused."""
    if not isinstance(value, str):
        return None
    text = _ESCAPE_SEQUENCE.sub("", value)
    text = _UNSAFE_REMOTE_TEXT.sub(lambda m: " " if m.group().isspace() else "", text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or None
