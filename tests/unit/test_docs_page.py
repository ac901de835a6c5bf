"""/docs loads nothing a CDN could swap: every external asset is pinned and integrity-checked."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from vidscope.api.openapi import DOCS_PAGE

EXACT_VERSION = re.compile(r"@\d+\.\d+\.\d+/")
INTEGRITY = re.compile(r"sha(384|512)-[A-Za-z0-9+/]{64,}={0,2}")


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[dict[str, str | None]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        attributes = dict(attrs)
        if (tag == "script" and attributes.get("src")) or (tag == "link" and attributes.get("href")):
            self.external.append({"tag": tag, **attributes})


def _assets() -> _Assets:
    parser = _Assets()
    parser.feed(DOCS_PAGE)
    return parser


def test_the_docs_page_loads_its_script_and_stylesheet_from_outside() -> None:
    assert {a["tag"] for a in _assets().external} == {"script", "link"}


def test_every_external_asset_names_an_exact_version() -> None:
    for asset in _assets().external:
        url = str(asset.get("src") or asset.get("href"))
        assert url.startswith("https://"), asset
        assert EXACT_VERSION.search(url), f"{url} is not pinned to an exact version"


def test_every_external_asset_carries_an_integrity_hash_and_crossorigin() -> None:
    for asset in _assets().external:
        assert INTEGRITY.fullmatch(str(asset.get("integrity"))), asset
        # Without CORS the browser cannot read the bytes to check them, and refuses the asset.
        assert asset.get("crossorigin") == "anonymous", asset


def test_no_two_assets_share_a_hash() -> None:
    hashes = [a["integrity"] for a in _assets().external]
    assert len(set(hashes)) == len(hashes)
