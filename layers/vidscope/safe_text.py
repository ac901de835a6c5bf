"""Text that may be stored or echoed: what it must not contain, and how an error spells it out.

Client text (metadata, file names, URLs) is refused when it holds characters that make it lie
about itself once shown; an error that quotes client input spells them out instead."""

from __future__ import annotations

import re

from pydantic_core import PydanticCustomError

# Characters that make echoed or stored text lie about itself: C0 and C1 controls (NUL, CR/LF,
# TAB, ESC, DEL, NEL), the bidi embeddings, overrides and isolates of "Trojan Source"
# (CVE-2021-42574), and lone surrogates, which JSON escapes can spell but no UTF-8 encoder takes.
UNSAFE_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


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
