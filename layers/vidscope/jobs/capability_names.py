"""The capabilities' names, spelled out: what the API handlers that must not load the capability
registry (DESIGN §9 cold imports) check a name against. tests/unit/test_capability_names.py
proves it equal to the registry's, so a capability added or renamed fails there until listed here."""

from __future__ import annotations

from typing import Final

CAPABILITY_NAMES: Final = frozenset(
    {
        "brands",
        "chapters",
        "comments",
        "download",
        "extract",
        "fingerprint",
        "language",
        "on_screen_text",
        "preview",
        "shorts",
        "shots",
        "style",
        "summary",
        "thumbnails",
        "transcription",
        "translation",
    }
)
